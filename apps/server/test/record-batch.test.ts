/**
 * `audit.record` calls batched by the typed client (MAX_RECORD_BATCH_SIZE to a request) and folded by the server into
 * one admission and one insert: each call still gets its own answer. The per-actor limit stays exact per entry when it
 * is reached part-way through a request, and a call with a bad input is refused alone, counting nothing.
 */
import { createAuditClient, MAX_RECORD_BATCH_SIZE } from '@auditlog/client';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';

const LIMIT = 30;

describe.each(testEngines)('a full batch of audit.record calls on %s', { timeout: 60_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { webRoot: null, recordPolicy: { limit: LIMIT } });
    org = await server.createOrganization('Record batch');
    key = await org.createApiKey(['audit:write']);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it(`admits exactly ${LIMIT} of ${MAX_RECORD_BATCH_SIZE} calls in one request, refuses the rest and the bad ones alone`, async () => {
    const requests: string[] = [];
    const client = createAuditClient({
      url: server.url,
      apiKey: key,
      fetch: (url, init) => (requests.push(String(url)), fetch(url, init)),
    });
    const bad = new Set([3, 17]);
    const answers = await Promise.allSettled(
      Array.from({ length: MAX_RECORD_BATCH_SIZE }, (_, i) =>
        client.audit.record.mutate({
          action: 'view',
          entityType: 'report',
          entityId: bad.has(i) ? '' : `batch-${i}`,
        }),
      ),
    );
    expect(requests, 'one request for the whole batch').toHaveLength(1);
    const codeOf = (answer: PromiseSettledResult<unknown>) =>
      // A refusal reaches the typed client as a TRPCClientError carrying the server's code.
      answer.status === 'fulfilled' ? 'stored' : String((answer.reason as { data?: { code?: string } }).data?.code);
    const codes = answers.map(codeOf);
    expect(codes.filter((code) => code === 'BAD_REQUEST')).toHaveLength(bad.size);
    for (const i of bad) expect(codes[i]).toBe('BAD_REQUEST');
    // The valid calls are admitted in the order they were made, until the limit is reached.
    const valid = codes.filter((_, i) => !bad.has(i));
    expect(valid).toEqual([
      ...Array.from({ length: LIMIT }, () => 'stored'),
      ...Array.from({ length: valid.length - LIMIT }, () => 'TOO_MANY_REQUESTS'),
    ]);
    const stored = await server.db.prisma.auditLog.findMany({
      where: { organizationId: org.id, entityId: { startsWith: 'batch-' } },
      select: { id: true, entityId: true },
    });
    expect(stored).toHaveLength(LIMIT);
    const ids = answers.flatMap((answer) =>
      answer.status === 'fulfilled' ? [(answer.value as { id: string }).id] : [],
    );
    expect(new Set(ids)).toEqual(new Set(stored.map((row) => row.id)));
  });
});
