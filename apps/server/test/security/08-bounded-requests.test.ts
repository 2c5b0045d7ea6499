/**
 * Item 8 — bounded requests. One request carrying a hundred list calls, a page number far past the end, a cursor
 * edited to jump anywhere or carried over from another organization, a mutation sent as a form (which any site can
 * make a browser post), and an Origin that matches the host over another scheme.
 */
import { createHmac } from 'node:crypto';
import { createAuditClient, MAX_BATCH_SIZE } from '@auditlog/client';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../src/testing.ts';
import type { TestOrganization, TestServer } from '../../src/testing.ts';
import { bearer, rawMutation, rawQuery, seedEntries, withCookie } from '../helpers.ts';
import { ONE_HOP } from './support.ts';

describe.each(testEngines)('bounded requests on %s', { timeout: 60_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let other: TestOrganization;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { trustProxy: ONE_HOP });
    org = await server.createOrganization('Bounded Org');
    other = await server.createOrganization('Other Org');
    key = await org.createApiKey(['audit:read', 'audit:write']);
    otherKey = await other.createApiKey(['audit:read']);
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 12, i));
    const entries = Array.from({ length: 12 }, (_, i) => ({
      action: 'sync',
      entityType: 'integration',
      entityId: `i-${i}`,
      at: at(i),
    }));
    await seedEntries(server.db.prisma, org.id, { systemName: 'Seeder' }, entries);
    await seedEntries(server.db.prisma, other.id, { systemName: 'Seeder' }, entries);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it(`refuses a batch of more than ${MAX_BATCH_SIZE} calls with 400, and the typed client splits large batches itself`, async () => {
    const calls = MAX_BATCH_SIZE + 1;
    const input = Object.fromEntries(Array.from({ length: calls }, (_, i) => [i, { pageSize: 100 }]));
    const response = await fetch(
      `${server.url}/trpc/${Array.from({ length: calls }, () => 'audit.list').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`,
      { headers: bearer(key) },
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Batch call exceeds maximum size/);

    const urls: string[] = [];
    const client = createAuditClient({
      url: server.url,
      apiKey: key,
      fetch: (url, init) => (urls.push(String(url)), fetch(url, init)),
    });
    const pages = await Promise.all(Array.from({ length: 25 }, () => client.audit.list.query({ pageSize: 1 })));
    expect(pages.every((page) => page.items.length === 1)).toBe(true);
    expect(urls).toHaveLength(Math.ceil(25 / MAX_BATCH_SIZE));
  });

  it('refuses a page past the last with 400 naming the last page, instead of an OFFSET over the whole index', async () => {
    const filters = { action: 'sync', pageSize: 5 };
    const { data } = await rawQuery<{ pageCount: number }>(server.url, 'audit.list', filters, bearer(key));
    expect(data?.pageCount).toBe(3); // 12 syncs, 5 a page
    const response = await rawQuery(server.url, 'audit.list', { ...filters, page: 99_999 }, bearer(key));
    expect(response.status).toBe(400);
    expect(response.error?.message).toBe(
      'page 99999 is past the last page: the last page is 3 (pageSize and filters as given).',
    );
    expect((await rawQuery(server.url, 'audit.list', { ...filters, page: 3 }, bearer(key))).status).toBe(200);
  });

  it('refuses a cursor edited to lead elsewhere, even re-encoded with a made-up signature', async () => {
    const first = await rawQuery<{ nextCursor: string }>(server.url, 'audit.list', { pageSize: 5 }, bearer(key));
    const cursor = first.data?.nextCursor ?? '';
    const [body = '', signature = ''] = cursor.split('.');
    const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...decoded, p: 99_999_999 })).toString('base64url');
    const guessedKey = createHmac('sha256', 'secret').update(edited).digest('base64url');
    for (const forged of [`${edited}.${signature}`, `${edited}.${guessedKey}`, edited, `${body}.${signature}x`]) {
      const response = await rawQuery(server.url, 'audit.list', { pageSize: 5, cursor: forged }, bearer(key));
      expect(response.status, forged).toBe(400);
      expect(response.text).not.toContain('99999999');
    }
    // The real one still works.
    expect((await rawQuery(server.url, 'audit.list', { pageSize: 5, cursor }, bearer(key))).status).toBe(200);
  });

  it('refuses a cursor made in another organization with 400', async () => {
    const mine = await rawQuery<{ nextCursor: string }>(server.url, 'audit.list', { pageSize: 5 }, bearer(key));
    const response = await rawQuery(
      server.url,
      'audit.list',
      { pageSize: 5, cursor: mine.data?.nextCursor },
      bearer(otherKey),
    );
    expect(response.status).toBe(400);
    expect(response.error?.message).toMatch(/not one this API made for your organization/);
  });

  it.each([
    ['text/plain', '{"action":"view","entityType":"report","entityId":"form-1"}'],
    ['application/x-www-form-urlencoded', 'action=view&entityType=report&entityId=form-2'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="action"\r\n\r\nview\r\n--x--\r\n',
    ],
  ])('refuses a mutation sent as %s with 415, and records nothing', async (type, body) => {
    const cookie = await server.signIn(org.users.OWNER.email);
    const before = await server.db.prisma.auditLog.count({ where: { organizationId: org.id, entityType: 'report' } });
    const response = await fetch(`${server.url}/trpc/audit.record`, {
      method: 'POST',
      headers: { ...withCookie(cookie), 'content-type': type },
      body,
    });
    expect(response.status).toBe(415);
    expect(await response.text()).toMatch(/application\/json/);
    expect(await server.db.prisma.auditLog.count({ where: { organizationId: org.id, entityType: 'report' } })).toBe(
      before,
    );
  });

  it('compares the Origin’s scheme too: a page on http:// cannot act on the https:// app', async () => {
    const cookie = await server.signIn(org.users.OWNER.email);
    const host = new URL(server.url).host;
    const record = (headers: Record<string, string>) =>
      rawMutation(
        server.url,
        'audit.record',
        { action: 'view', entityType: 'report', entityId: 'scheme' },
        { ...withCookie(cookie), ...headers },
      );
    // Directly over http: an https page of the same host is another origin.
    expect((await record({ origin: `https://${host}` })).status).toBe(403);
    expect((await record({ origin: `http://${host}` })).status).toBe(200);
    // Behind a TLS-terminating proxy that says so: only the https page may.
    expect(
      (await record({ origin: `http://${host}`, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.4' }))
        .status,
    ).toBe(403);
    expect(
      (await record({ origin: `https://${host}`, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.4' }))
        .status,
    ).toBe(200);
  });
});
