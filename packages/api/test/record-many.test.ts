/**
 * audit.recordMany through `createCaller`: up to 500 entries in one statement, all or nothing, with audit.record's
 * policy (no forged history from low roles), redaction, and per-actor limit counted per entry, so that neither a
 * batch nor concurrent batches and single calls slip past it. Problems name the entry's index.
 */
import { randomUUID } from 'node:crypto';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORD_MANY_ENTRIES } from '../src/contract/audit.ts';
import type { TestOrganization } from '../src/testing.ts';
import { failureOf, useTestApi } from './support/callers.ts';
import type { ApiCaller } from './support/callers.ts';

const entriesOf = (batch: string, count: number, action = 'export') =>
  Array.from({ length: count }, (_, i) => ({ action, entityType: 'invoice', entityId: `${batch}-${i}` }));

describe.each(testEngines)('audit.recordMany on %s', { timeout: 60_000 }, (engine) => {
  const api = useTestApi(engine);
  let org: TestOrganization;
  let key: ApiCaller;
  let billing: ApiCaller;

  beforeAll(async () => {
    org = await api().createOrganization('Bulk Org');
    key = await api().callerWithKey(await org.createApiKey(['audit:write'], 'Bulk importer'));
    billing = await api().callerAs(org.users.BILLING);
  }, 60_000);

  const stored = (batch: string) =>
    api().prisma.auditLog.findMany({
      where: { entityId: { startsWith: `${batch}-` } },
      orderBy: { id: 'asc' },
    });

  it(`records ${MAX_RECORD_MANY_ENTRIES} entries in one call, in order, as the key's System actor`, async () => {
    const batch = randomUUID();
    const result = await key.audit.recordMany({ entries: entriesOf(batch, MAX_RECORD_MANY_ENTRIES) });
    expect(result.count).toBe(MAX_RECORD_MANY_ENTRIES);
    const rows = await stored(batch);
    expect(rows.map((row) => row.id)).toEqual(result.entries.map((entry) => entry.id));
    expect(rows.map((row) => row.entityId)).toEqual(entriesOf(batch, MAX_RECORD_MANY_ENTRIES).map((e) => e.entityId));
    expect(rows[0]).toMatchObject({ actorType: 'SYSTEM', actorName: 'Bulk importer', organizationId: org.id });
  });

  it('names the entry of a bad field by its index, and stores nothing of the batch', async () => {
    const batch = randomUUID();
    const entries = entriesOf(batch, 5);
    const failure = await failureOf(
      key.audit.recordMany({ entries: entries.map((e, i) => (i === 3 ? { ...e, action: 'Bulk Export' } : e)) }),
    );
    expect(failure.httpStatus).toBe(400);
    expect(failure.issues?.[0]?.path).toBe('entries.3.action');
    expect(failure.message).toMatch(/^Invalid input: entries\.3\.action: .*lower-case letters/);
    expect(await stored(batch)).toEqual([]);
  });

  it(`refuses an empty batch and one over ${MAX_RECORD_MANY_ENTRIES} entries, saying what to do`, async () => {
    expect((await failureOf(key.audit.recordMany({ entries: [] }))).message).toMatch(/at least one entry/);
    const batch = randomUUID();
    const failure = await failureOf(key.audit.recordMany({ entries: entriesOf(batch, MAX_RECORD_MANY_ENTRIES + 1) }));
    expect(failure.httpStatus).toBe(400);
    expect(failure.message).toMatch(/at most 500 entries per call: split the batch/);
    expect(await stored(batch)).toEqual([]);
  });

  it('forged history is refused as through audit.record: reserved actions, changes, actions outside the role', async () => {
    const batch = randomUUID();
    const entries = entriesOf(batch, 3);
    const reserved = await failureOf(
      billing.audit.recordMany({ entries: entries.map((e, i) => (i === 1 ? { ...e, action: 'update' } : e)) }),
    );
    expect(reserved.httpStatus).toBe(400);
    expect(reserved.message).toMatch(/entries\.1\.action: .*recorded by the system itself/);
    const changes = await failureOf(
      billing.audit.recordMany({
        entries: [{ ...entries[0], changes: { total: { before: 1, after: 2 } } } as never],
      }),
    );
    expect(changes.message).toMatch(/entries\.0\.changes: changes are not accepted/);
    const role = await failureOf(
      billing.audit.recordMany({ entries: entries.map((e, i) => (i === 2 ? { ...e, action: 'archive' } : e)) }),
    );
    expect(role.httpStatus).toBe(403);
    expect(role.message).toMatch(/^entries\.2: Your role \(Billing\) may not record "archive"\. Allowed: /);
    expect(await stored(batch)).toEqual([]);
  });

  it('redacts secrets in metadata, as audit.record does', async () => {
    const batch = randomUUID();
    await key.audit.recordMany({
      entries: [
        { action: 'import', entityType: 'invoice', entityId: `${batch}-0`, metadata: { apiKey: 'sk_live_abcdef' } },
      ],
    });
    const [row] = await stored(batch);
    expect(row?.metadata).toEqual({ apiKey: '[REDACTED]' });
  });
});

describe.each(testEngines)('the per-actor limit counts entries, not calls, on %s', { timeout: 60_000 }, (engine) => {
  const api = useTestApi(engine, { recordPolicy: { limit: 20, windowSeconds: 60 } });
  let org: TestOrganization;

  beforeAll(async () => {
    org = await api().createOrganization('Limited Org');
  }, 60_000);

  const count = (batch: string) => api().prisma.auditLog.count({ where: { entityId: { startsWith: `${batch}-` } } });

  it('a batch over the whole limit is refused with BAD_REQUEST; one over what is left, with 429', async () => {
    const caller = await api().callerWithKey(await org.createApiKey(['audit:write']));
    const batch = randomUUID();
    const tooBig = await failureOf(caller.audit.recordMany({ entries: entriesOf(batch, 21) }));
    expect(tooBig.httpStatus).toBe(400);
    expect(tooBig.message).toMatch(/This call has 21 entries; this actor may record at most 20 per 60 seconds/);
    expect((await caller.audit.recordMany({ entries: entriesOf(`${batch}a`, 18) })).count).toBe(18);
    const over = await failureOf(caller.audit.recordMany({ entries: entriesOf(`${batch}b`, 3) }));
    expect(over.httpStatus).toBe(429);
    expect(over.message).toMatch(/these 3 would pass this actor's limit of 20 per 60 seconds; try again in \d+/);
    // What is left is still there for calls that fit: nothing of the refused batch was counted.
    await caller.audit.record({ action: 'export', entityType: 'invoice', entityId: `${batch}c-0` });
    expect((await caller.audit.recordMany({ entries: entriesOf(`${batch}d`, 1) })).count).toBe(1);
    expect((await failureOf(caller.audit.record({ action: 'export', entityType: 'x', entityId: 'y' }))).code).toBe(
      'TOO_MANY_REQUESTS',
    );
    expect(await count(`${batch}a`)).toBe(18);
    expect(await count(`${batch}b`)).toBe(0);
  });

  it('concurrent batches and single calls of one actor never store more than the limit', async () => {
    const caller = await api().callerWithKey(await org.createApiKey(['audit:write']));
    const other = await api().callerWithKey(await org.createApiKey(['audit:write']));
    const batch = randomUUID();
    const calls = [
      ...Array.from({ length: 8 }, (_, i) => caller.audit.recordMany({ entries: entriesOf(`${batch}-m${i}`, 3) })),
      ...Array.from({ length: 10 }, (_, i) =>
        caller.audit.record({ action: 'view', entityType: 'invoice', entityId: `${batch}-s${i}` }),
      ),
    ];
    const outcomes = await Promise.allSettled(calls);
    const admitted = outcomes.reduce((sum, outcome, i) => {
      if (outcome.status === 'rejected') return sum;
      return sum + (i < 8 ? 3 : 1);
    }, 0);
    expect(admitted).toBeLessThanOrEqual(20);
    expect(admitted).toBeGreaterThanOrEqual(18);
    expect(await count(batch)).toBe(admitted);
    for (const outcome of outcomes)
      if (outcome.status === 'rejected')
        expect((await failureOf(Promise.reject(outcome.reason as Error))).code).toBe('TOO_MANY_REQUESTS');
    // Another actor has its own budget.
    expect((await other.audit.recordMany({ entries: entriesOf(`${batch}-o`, 20) })).count).toBe(20);
  });
});
