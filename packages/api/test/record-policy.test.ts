/**
 * The record policy (security item 3, moved from the server's HTTP suite to `createCaller`) — no forged history from
 * low roles. A Technician or Billing user (who cannot even read the log) and a service key try to write convincing
 * fake entries through audit.record: row changes with made-up before/after values, permission changes, sign-ins, and
 * sheer volume.
 */
import { randomUUID } from 'node:crypto';
import { KNOWN_ACTIONS } from '@auditlog/audit';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { RECORDABLE_ACTIONS } from '../src/routers/audit/record-policy.ts';
import type { TestOrganization } from '../src/testing.ts';
import { failureOf, sent, useTestApi } from './support/callers.ts';
import type { ApiCaller } from './support/callers.ts';

describe.each(testEngines)('forging history through audit.record on %s', { timeout: 60_000 }, (engine) => {
  const api = useTestApi(engine, { recordPolicy: { limit: 5, windowSeconds: 60 } });
  let org: TestOrganization;
  let technician: ApiCaller;
  let billing: ApiCaller;
  let key: ApiCaller;

  beforeAll(async () => {
    org = await api().createOrganization('Forgery Org');
    technician = await api().callerAs(org.users.TECHNICIAN);
    billing = await api().callerAs(org.users.BILLING);
    key = await api().callerWithKey(await org.createApiKey(['audit:write'], 'Writer'));
  }, 60_000);

  const entriesAbout = (entityId: string) => api().prisma.auditLog.count({ where: { entityId } });

  it.each([
    {
      name: 'a permission_change on the Owner with before/after roles',
      action: 'permission_change',
      changes: { role: { before: 'OWNER', after: 'READ_ONLY' } },
    },
    {
      name: 'an "update" of a ticket with made-up values',
      action: 'update',
      changes: { status: { before: 'OPEN', after: 'CLOSED' } },
    },
    { name: 'a "delete" of an invoice', action: 'delete', changes: null },
    { name: 'a "login" of someone else', action: 'login', changes: null },
    { name: 'a "failed_login" to frame someone', action: 'failed_login', changes: null },
  ])('a Technician cannot record $name: BAD_REQUEST (400), nothing stored', async ({ action, changes }) => {
    const entityId = `forged-${randomUUID()}`;
    const failure = await failureOf(
      technician.audit.record({ action, entityType: 'user', entityId, changes: changes as never }),
    );
    expect(failure.httpStatus, failure.message).toBe(400);
    expect(failure.message).toMatch(/recorded by the system itself|changes are not accepted/);
    expect(await entriesAbout(entityId)).toBe(0);
  });

  it('nobody supplies before/after changes, not even for an allowed action or with an API key', async () => {
    for (const [name, caller] of [
      ['Billing', billing],
      ['API key', key],
    ] as const) {
      const entityId = `changes-${randomUUID()}`;
      const failure = await failureOf(
        caller.audit.record({
          action: 'export',
          entityType: 'invoice',
          entityId,
          changes: { total: { before: 100, after: 1 } } as never,
        }),
      );
      expect(failure.httpStatus, `${name}: ${failure.message}`).toBe(400);
      expect(failure.message, name).toMatch(/changes are not accepted: before\/after values come from the database/);
      expect(await entriesAbout(entityId), name).toBe(0);
    }
  });

  it('actions outside the role’s allowlist are FORBIDDEN with the list of what is allowed', async () => {
    const entityId = `archive-${randomUUID()}`;
    const failure = await failureOf(billing.audit.record({ action: 'archive', entityType: 'client', entityId }));
    expect(failure.httpStatus).toBe(403);
    expect(failure.message).toBe(
      `Your role (Billing) may not record "archive". Allowed: ${RECORDABLE_ACTIONS.roles.BILLING.join(', ')}.`,
    );
    const invented = await failureOf(
      billing.audit.record({ action: 'owner_approved', entityType: 'client', entityId }),
    );
    expect(invented.httpStatus).toBe(403);
    expect(await entriesAbout(entityId)).toBe(0);
  });

  it('declares every role’s and scope’s allowlist from the catalog, with no reserved action in any of them', () => {
    const lists = [...Object.values(RECORDABLE_ACTIONS.roles), ...Object.values(RECORDABLE_ACTIONS.apiKeyScopes)];
    for (const list of lists) {
      for (const action of list) {
        expect(KNOWN_ACTIONS, `${action} is in the catalog`).toContain(action);
        expect(
          ['create', 'update', 'delete', 'login', 'logout', 'failed_login', 'permission_change'],
          `${action} is not reserved`,
        ).not.toContain(action);
      }
    }
  });

  it('metadata is bounded in size and depth: 900 kB of "evidence" is refused with BAD_REQUEST (400)', async () => {
    const entityId = `big-${randomUUID()}`;
    for (const [name, metadata] of [
      ['9 KB', { note: 'x'.repeat(9 * 1024) }],
      ['5 levels deep', { a: { b: { c: { d: { e: 'deep' } } } } }],
    ] as const) {
      const failure = await failureOf(
        technician.audit.record({ action: 'export', entityType: 'report', entityId, metadata }),
      );
      expect(failure.httpStatus, name).toBe(400);
      expect(failure.message, name).toMatch(/metadata/);
    }
    expect(await entriesAbout(entityId)).toBe(0);
  });

  it('floods are cut per actor: past the limit, TOO_MANY_REQUESTS (429) with Retry-After; another actor is unaffected', async () => {
    const response = sent();
    const flooder = await api().caller({ cookie: await api().sessionOf(org.users.READ_ONLY) }, response);
    const outcomes: (number | string)[] = [];
    let last: Awaited<ReturnType<typeof failureOf>> | undefined;
    for (let i = 0; i < 7; i += 1) {
      const call = flooder.audit.record({ action: 'view', entityType: 'report', entityId: `flood-${i}` });
      const failure = await call.then(
        () => undefined,
        () => failureOf(call),
      );
      outcomes.push(failure ? failure.httpStatus : 'ok');
      if (failure) last = failure;
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 429, 429]);
    expect(last?.code).toBe('TOO_MANY_REQUESTS');
    expect(last?.message).toMatch(/Too many audit.record calls: try again in \d+ second/);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    // A second session of the same user is the same actor.
    const again = await api().callerAs(org.users.READ_ONLY);
    expect(
      (await failureOf(again.audit.record({ action: 'view', entityType: 'report', entityId: 'flood-x' }))).httpStatus,
    ).toBe(429);
    expect((await technician.audit.record({ action: 'view', entityType: 'report', entityId: 'other' })).id).toEqual(
      expect.any(String),
    );
  });
});
