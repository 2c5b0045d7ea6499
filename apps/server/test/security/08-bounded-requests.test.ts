/**
 * Item 8 — bounded requests. One request carrying a hundred list calls, a mutation sent as a form (which any site can
 * make a browser post), and an Origin that matches the host over another scheme. A page number far past the end and
 * a cursor edited or carried over from another organization are refused by the procedure: those tests run through
 * `createCaller` in packages/api/test/bounded-paging.test.ts.
 */
import { createAuditClient, MAX_BATCH_SIZE, MAX_RECORD_BATCH_SIZE } from '@auditlog/client';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../src/testing.ts';
import type { TestOrganization, TestServer } from '../../src/testing.ts';
import { bearer, rawMutation, withCookie } from '../helpers.ts';
import { ONE_HOP } from './support.ts';

describe.each(testEngines)('bounded requests on %s', { timeout: 60_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { trustProxy: ONE_HOP });
    org = await server.createOrganization('Bounded Org');
    key = await org.createApiKey(['audit:read', 'audit:write']);
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

  it(`takes up to ${MAX_RECORD_BATCH_SIZE} audit.record calls in one request, and no other call among them past ${MAX_BATCH_SIZE}`, async () => {
    const post = (paths: string[]) =>
      fetch(`${server.url}/trpc/${paths.join(',')}?batch=1`, {
        method: 'POST',
        headers: { ...bearer(key), 'content-type': 'application/json' },
        body: JSON.stringify(
          Object.fromEntries(
            paths.map((procedure, i) => [
              i,
              procedure === 'audit.record' ? { action: 'view', entityType: 'report', entityId: `batch-${i}` } : {},
            ]),
          ),
        ),
      });
    const full = await post(Array.from({ length: MAX_RECORD_BATCH_SIZE }, () => 'audit.record'));
    expect(full.status).toBe(200);
    expect((await full.json()) as unknown[]).toHaveLength(MAX_RECORD_BATCH_SIZE);
    for (const paths of [
      Array.from({ length: MAX_RECORD_BATCH_SIZE + 1 }, () => 'audit.record'),
      [...Array.from({ length: MAX_BATCH_SIZE }, () => 'audit.record'), 'audit.list'],
    ]) {
      const refused = await post(paths);
      expect(refused.status).toBe(400);
      expect(await refused.text()).toMatch(/Batch call exceeds maximum size/);
    }

    const urls: string[] = [];
    const client = createAuditClient({
      url: server.url,
      apiKey: key,
      fetch: (url, init) => (urls.push(String(url)), fetch(url, init)),
    });
    const calls = MAX_RECORD_BATCH_SIZE * 2 + 1;
    await Promise.all(
      Array.from({ length: calls }, (_, i) =>
        client.audit.record.mutate({ action: 'view', entityType: 'report', entityId: `client-${i}` }),
      ),
    );
    expect(urls).toHaveLength(Math.ceil(calls / MAX_RECORD_BATCH_SIZE));
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
