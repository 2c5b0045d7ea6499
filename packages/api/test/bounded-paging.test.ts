/**
 * Security item 8 — bounded requests, the part the procedures enforce (moved from the server's HTTP suite to
 * `createCaller`): a page number far past the end, and a cursor edited to jump anywhere or carried over from another
 * organization. Batches, form posts and origins stay in apps/server/test/security/08-bounded-requests.test.ts.
 */
import { createHmac } from 'node:crypto';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedEntries } from '../src/testing.ts';
import { failureOf, useTestApi } from './support/callers.ts';
import type { ApiCaller } from './support/callers.ts';

describe.each(testEngines)('bounded paging on %s', { timeout: 60_000 }, (engine) => {
  const api = useTestApi(engine);
  let mine: ApiCaller;
  let theirs: ApiCaller;

  beforeAll(async () => {
    const { prisma, createOrganization, callerWithKey } = api();
    const org = await createOrganization('Bounded Org');
    const other = await createOrganization('Other Org');
    mine = await callerWithKey(await org.createApiKey(['audit:read', 'audit:write']));
    theirs = await callerWithKey(await other.createApiKey(['audit:read']));
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 12, i));
    const entries = Array.from({ length: 12 }, (_, i) => ({
      action: 'sync',
      entityType: 'integration',
      entityId: `i-${i}`,
      at: at(i),
    }));
    await seedEntries(prisma, org.id, { systemName: 'Seeder' }, entries);
    await seedEntries(prisma, other.id, { systemName: 'Seeder' }, entries);
  }, 60_000);

  it('refuses a page past the last with BAD_REQUEST (400) naming the last page, instead of an OFFSET over the whole index', async () => {
    const filters = { action: 'sync', pageSize: 5 };
    expect((await mine.audit.list(filters)).pageCount).toBe(3); // 12 syncs, 5 a page
    const failure = await failureOf(mine.audit.list({ ...filters, page: 99_999 }));
    expect(failure.httpStatus).toBe(400);
    expect(failure.message).toBe(
      'page 99999 is past the last page: the last page is 3 (pageSize and filters as given).',
    );
    expect((await mine.audit.list({ ...filters, page: 3 })).page).toBe(3);
  });

  it('refuses a cursor edited to lead elsewhere, even re-encoded with a made-up signature', async () => {
    const cursor = (await mine.audit.list({ pageSize: 5 })).nextCursor ?? '';
    const [body = '', signature = ''] = cursor.split('.');
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...decoded, p: 99_999_999 })).toString('base64url');
    const guessedKey = createHmac('sha256', 'secret').update(edited).digest('base64url');
    for (const forged of [`${edited}.${signature}`, `${edited}.${guessedKey}`, edited, `${body}.${signature}x`]) {
      const failure = await failureOf(mine.audit.list({ pageSize: 5, cursor: forged }));
      expect(failure.httpStatus, forged).toBe(400);
      expect(JSON.stringify(failure), forged).not.toContain('99999999');
    }
    // The real one still works.
    expect((await mine.audit.list({ pageSize: 5, cursor })).page).toBe(2);
  });

  it('refuses a cursor made in another organization with BAD_REQUEST (400)', async () => {
    const cursor = (await mine.audit.list({ pageSize: 5 })).nextCursor ?? '';
    const failure = await failureOf(theirs.audit.list({ pageSize: 5, cursor }));
    expect(failure.httpStatus).toBe(400);
    expect(failure.message).toMatch(/not one this API made for your organization/);
  });
});
