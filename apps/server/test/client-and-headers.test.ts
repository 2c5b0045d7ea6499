/**
 * The typed Node client, and what every response carries.
 *
 * Client: calls made in the same tick share one HTTP request (counted with a custom `fetch`), and it authenticates
 * with a session cookie or an API key.
 *
 * Headers: security headers (on successes, errors, refusals and plain routes alike), and the request id, echoed from
 * the client's X-Request-Id or made up, which the entries written by the request carry too.
 */
import { randomUUID } from 'node:crypto';
import { createAuditClient } from '@auditlog/client';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';
import { bearer, rawMutation, rawQuery, withCookie } from './helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A `fetch` that remembers the URL of every request it sends. */
function countingFetch() {
  const urls: string[] = [];
  const counted: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return fetch(input, init);
  };
  return { fetch: counted, urls };
}

describe.each(testEngines)('the typed client and response headers on %s', { timeout: 30_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let key: string;
  let cookie: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Client Org');
    key = await org.createApiKey(['audit:read', 'audit:write'], 'Billing export');
    cookie = await server.signIn(org.users.OWNER.email);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  describe('typed client', () => {
    it('sends two queries made in the same tick in one HTTP request', async () => {
      const counter = countingFetch();
      const client = createAuditClient({ url: server.url, apiKey: key, fetch: counter.fetch });
      const [page, me] = await Promise.all([client.audit.list.query({ pageSize: 1 }), client.auth.me.query()]);
      expect(counter.urls).toHaveLength(1);
      expect(decodeURIComponent(counter.urls[0] ?? '')).toContain('/trpc/audit.list,auth.me?batch=1');
      expect(page.items).toHaveLength(1);
      expect(page.total).toBeGreaterThan(1);
      expect(me).toBeNull();
    });

    it('sends queries made in different ticks in separate requests', async () => {
      const counter = countingFetch();
      const client = createAuditClient({ url: server.url, apiKey: key, fetch: counter.fetch });
      await client.audit.list.query({ pageSize: 1 });
      await client.audit.list.query({ pageSize: 2 });
      expect(counter.urls).toHaveLength(2);
    });

    it('batches mutations of the same tick too, and each result is its own', async () => {
      const counter = countingFetch();
      const requestId = `batch-${Date.now()}`;
      const client = createAuditClient({
        url: server.url,
        apiKey: key,
        fetch: counter.fetch,
        headers: { 'x-request-id': requestId },
      });
      const [a, b] = await Promise.all([
        client.audit.record.mutate({ action: 'export', entityType: 'invoice', entityId: 'batch-a' }),
        client.audit.record.mutate({ action: 'export', entityType: 'invoice', entityId: 'batch-b' }),
      ]);
      expect(counter.urls).toHaveLength(1);
      expect(a.id).not.toBe(b.id);
      const rows = await server.db.prisma.auditLog.findMany({
        where: { id: { in: [a.id, b.id] } },
        orderBy: { entityId: 'asc' },
      });
      expect(rows.map((row) => [row.entityId, row.requestId, row.actorName])).toEqual([
        ['batch-a', requestId, 'Billing export'],
        ['batch-b', requestId, 'Billing export'],
      ]);
    });

    it('reports each failure of a batch on its own call, without failing the others', async () => {
      const counter = countingFetch();
      const client = createAuditClient({ url: server.url, apiKey: key, fetch: counter.fetch });
      const [good, bad] = await Promise.allSettled([
        client.audit.list.query({ pageSize: 1 }),
        client.audit.get.query({ id: '00000000-0000-4000-8000-000000000000' }),
      ]);
      expect(counter.urls).toHaveLength(1);
      expect(good.status).toBe('fulfilled');
      expect(bad.status).toBe('rejected');
      if (bad.status === 'rejected') expect((bad.reason as { data?: { code?: string } }).data?.code).toBe('NOT_FOUND');
    });

    it('signs in with a session cookie: the Owner reads the log and sees themselves in auth.me', async () => {
      const client = createAuditClient({ url: `${server.url}/`, cookie });
      const [me, page] = await Promise.all([client.auth.me.query(), client.audit.list.query({ action: 'login' })]);
      expect(me).toMatchObject({ id: org.users.OWNER.id, role: 'OWNER' });
      expect(page.items.map((item) => item.entity.id)).toContain(org.users.OWNER.id);
    });
  });

  describe('response headers', () => {
    it.each([
      {
        name: 'a successful query',
        send: () => fetch(`${server.url}/trpc/audit.list?input=${encodeURIComponent('{}')}`, { headers: bearer(key) }),
      },
      { name: 'a 401', send: () => fetch(`${server.url}/trpc/audit.list?input=${encodeURIComponent('{}')}`) },
      { name: 'a 400', send: () => fetch(`${server.url}/trpc/audit.list?input={bad`, { headers: bearer(key) }) },
      {
        name: 'a refused cross-site mutation',
        send: () =>
          fetch(`${server.url}/trpc/auth.logout`, {
            method: 'POST',
            headers: { ...withCookie(cookie), origin: 'https://evil.example' },
          }),
      },
      { name: '/healthz', send: () => fetch(`${server.url}/healthz`) },
      { name: 'an unknown route', send: () => fetch(`${server.url}/nothing-here`) },
    ])('sends the security headers on $name', async ({ send }) => {
      const response = await send();
      await response.arrayBuffer();
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toMatch(/^(DENY|SAMEORIGIN)$/);
      expect(response.headers.get('x-powered-by')).toBeNull();
      // Development over plain HTTP: no HSTS, which would pin the browser to HTTPS on localhost.
      expect(response.headers.get('strict-transport-security')).toBeNull();
    });

    it('echoes a valid X-Request-Id', async () => {
      const requestId = `trace-${randomUUID()}`;
      const response = await rawQuery(server.url, 'auth.me', undefined, { 'x-request-id': requestId });
      expect(response.headers.get('x-request-id')).toBe(requestId);
    });

    it('makes up a different request id for each request that sends none', async () => {
      const a = await rawQuery(server.url, 'auth.me');
      const b = await rawQuery(server.url, 'auth.me');
      expect(a.headers.get('x-request-id')).toMatch(UUID);
      expect(b.headers.get('x-request-id')).toMatch(UUID);
      expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    });

    it.each([
      { name: 'spaces and markup', value: '<script>alert(1)</script> id' },
      { name: 'over 128 characters', value: 'r'.repeat(129) },
    ])('replaces an X-Request-Id with $name by one of its own', async ({ value }) => {
      const response = await rawQuery(server.url, 'auth.me', undefined, { 'x-request-id': value });
      expect(response.headers.get('x-request-id')).toMatch(UUID);
    });

    it('stamps the entries a request writes with the X-Request-Id the client sent', async () => {
      const requestId = `req-${randomUUID()}`;
      const client = createAuditClient({ url: server.url, apiKey: key, headers: { 'x-request-id': requestId } });
      const { id } = await client.audit.record.mutate({ action: 'export', entityType: 'invoice', entityId: 'inv-7' });
      const entry = await client.audit.get.query({ id });
      expect(entry.requestId).toBe(requestId);
      expect(entry.actor).toEqual({ type: 'system', name: 'Billing export' });
    });

    it('stamps the entries with the request id it made up, the one in the response header', async () => {
      const response = await rawMutation<{ id: string }>(
        server.url,
        'audit.record',
        { action: 'export', entityType: 'invoice', entityId: 'inv-8' },
        { ...withCookie(cookie), 'x-request-id': 'not valid!' },
      );
      expect(response.status).toBe(200);
      const header = response.headers.get('x-request-id');
      expect(header).toMatch(UUID);
      const entry = await rawQuery<{ requestId: string; userAgent: string | null }>(
        server.url,
        'audit.get',
        { id: response.data?.id },
        bearer(key),
      );
      expect(entry.data?.requestId).toBe(header);
    });
  });
});
