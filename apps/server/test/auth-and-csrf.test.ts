/**
 * Signing in and out over HTTP: what each attempt writes to the log (action, actor, IP, user agent, request id), what
 * a failed attempt must never write (the password), rate limiting, and the session cookie's attributes.
 *
 * Cross-site request forgery: a page on another site can make the user's browser send the session cookie with a POST;
 * such mutations must be refused (403) before they change anything. Same-origin pages and services without a browser
 * (API keys, no Origin) go through.
 */
import { randomUUID } from 'node:crypto';
import { createAuditClient } from '@auditlog/client';
import type { RouterOutputs } from '@auditlog/client';
import { Prisma } from '@auditlog/db';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ORGANIZATION_ID } from '@auditlog/auth';
import { startTestServer, TEST_PASSWORD } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';
import { asSetup, bearer, failureOf, rawMutation, rawQuery, withCookie } from './helpers.ts';

type Me = NonNullable<RouterOutputs['auth']['me']>;

const EVIL = 'https://evil.example';

const login = (url: string, email: string, password: string, headers: Record<string, string> = {}) =>
  rawMutation<Me>(url, 'auth.login', { email, password }, headers);

function sessionCookieOf(headers: Headers): string | undefined {
  return headers.getSetCookie().find((cookie) => cookie.startsWith('auditlog_session='));
}

/** `a=b; HttpOnly; Path=/` → { name: 'a', value: 'b', attributes: { httponly: '', path: '/' } } (names lower-cased). */
function parseCookie(setCookie: string) {
  const [pair = '', ...rest] = setCookie.split(';').map((part) => part.trim());
  const [name = '', value = ''] = pair.split(/=(.*)/s);
  const attributes = Object.fromEntries(
    rest.map((part) => {
      const [key = '', val = ''] = part.split(/=(.*)/s);
      return [key.toLowerCase(), val];
    }),
  );
  return { name, value, attributes };
}

/** How many audit entries, in any organization, contain `text` anywhere in their row. */
async function entriesContaining(server: TestServer, text: string): Promise<number> {
  const [row] = await server.db.prisma.$queryRaw<{ n: bigint }[]>(
    Prisma.sql`SELECT count(*) AS n FROM "AuditLog" a WHERE strpos(a::text, ${text}) > 0`,
  );
  return Number(row?.n ?? -1);
}

describe.each(testEngines)('sign-in, sign-out and cross-site requests on %s', { timeout: 30_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Auth Org');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it('records a login with the user as actor, the IP, user agent and request id of the request, and sets the session cookie', async () => {
    const user = org.users.ADMIN;
    const requestId = `login-${randomUUID()}`;
    const response = await login(server.url, user.email, TEST_PASSWORD, {
      'user-agent': 'AuditTests/1.0 (login)',
      'x-request-id': requestId,
      // Not trusted without trustProxy: the IP must stay the socket's.
      'x-forwarded-for': '203.0.113.9',
    });
    expect(response.status, response.text).toBe(200);
    expect(response.data).toEqual({
      id: user.id,
      name: user.name,
      email: user.email,
      role: 'ADMIN',
      roleLabel: 'Admin',
      canReadAuditLog: true,
      organizationId: org.id,
    });

    const setCookie = sessionCookieOf(response.headers);
    expect(setCookie).toBeDefined();
    const cookie = parseCookie(setCookie ?? '');
    expect(cookie.value).not.toBe('');
    expect(cookie.attributes).toHaveProperty('httponly');
    expect(cookie.attributes.samesite?.toLowerCase()).toBe('lax');
    expect(cookie.attributes.path).toBe('/');
    expect(cookie.attributes).not.toHaveProperty('secure');

    const session = `${cookie.name}=${cookie.value}`;
    const api = createAuditClient({ url: server.url, cookie: session });
    expect(await api.auth.me.query()).toMatchObject({ id: user.id });
    const { items } = await api.audit.list.query({ action: 'login', entityType: 'user' });
    const mine = items.filter((item) => item.entity.id === user.id);
    expect(mine).toHaveLength(1);
    const entry = await api.audit.get.query({ id: mine[0]?.id ?? '' });
    expect(entry).toMatchObject({
      action: 'login',
      actor: { type: 'user', id: user.id, name: user.name, email: user.email },
      entity: { type: 'user', id: user.id, label: user.name, exists: true },
      ipAddress: '127.0.0.1',
      userAgent: 'AuditTests/1.0 (login)',
      requestId,
    });
  });

  it('records a logout with the user as actor, clears the cookie, and the old cookie stops working', async () => {
    const user = org.users.OWNER;
    const session = await server.signIn(user.email);
    const requestId = `logout-${randomUUID()}`;
    const response = await rawMutation(server.url, 'auth.logout', undefined, {
      ...withCookie(session),
      'user-agent': 'AuditTests/1.0 (logout)',
      'x-request-id': requestId,
    });
    expect(response.status, response.text).toBe(200);
    const cleared = parseCookie(sessionCookieOf(response.headers) ?? '');
    expect(cleared.value).toBe('');
    expect(cleared.attributes['max-age']).toBe('0');

    const stored = await server.db.prisma.auditLog.findFirstOrThrow({ where: { requestId } });
    expect(stored).toMatchObject({
      organizationId: org.id,
      action: 'logout',
      entityType: 'user',
      entityId: user.id,
      actorType: 'USER',
      actorUserId: user.id,
      actorName: user.name,
      ipAddress: '127.0.0.1',
      userAgent: 'AuditTests/1.0 (logout)',
    });

    expect((await rawQuery(server.url, 'auth.me', undefined, withCookie(session))).data).toBeNull();
    const list = await rawQuery(server.url, 'audit.list', {}, withCookie(session));
    expect(list.status).toBe(401);
    expect(list.error?.data.code).toBe('UNAUTHORIZED');
    const again = await rawMutation(server.url, 'auth.logout', undefined, withCookie(session));
    expect(again.status).toBe(401);
  });

  it('records a failed login with an unverified actor, the attempted email, and never the password', async () => {
    const user = org.users.TECHNICIAN;
    const password = `wrong-${randomUUID()}`;
    const requestId = `failed-${randomUUID()}`;
    const attempted = `  ${user.email.toUpperCase()} `;
    const response = await login(server.url, attempted, password, {
      'user-agent': 'AuditTests/1.0 (failed)',
      'x-request-id': requestId,
    });
    expect(response.status).toBe(401);
    expect(response.error?.data.code).toBe('UNAUTHORIZED');
    expect(sessionCookieOf(response.headers)).toBeUndefined();

    const stored = await server.db.prisma.auditLog.findFirstOrThrow({ where: { requestId } });
    expect(stored).toMatchObject({
      organizationId: org.id,
      action: 'failed_login',
      entityType: 'user',
      entityId: user.id,
      // Nobody was verified: the victim is the entity, never the actor.
      actorType: 'ANONYMOUS',
      actorUserId: null,
      actorName: null,
      actorEmail: null,
      ipAddress: '127.0.0.1',
      userAgent: 'AuditTests/1.0 (failed)',
    });
    expect(stored.metadata).toMatchObject({ attemptedEmail: user.email, reason: 'wrong_password' });
    expect(await entriesContaining(server, password)).toBe(0);
    // The probe itself finds what is there.
    expect(await entriesContaining(server, requestId)).toBe(1);
  });

  it('records an unknown email in the platform scope, and answers exactly as for a wrong password', async () => {
    const email = `nobody-${randomUUID()}@example.test`;
    const requestId = `unknown-${randomUUID()}`;
    const unknown = await login(server.url, email, 'whatever-password', { 'x-request-id': requestId });
    const stored = await server.db.prisma.auditLog.findFirstOrThrow({ where: { requestId } });
    expect(stored).toMatchObject({
      organizationId: PLATFORM_ORGANIZATION_ID,
      action: 'failed_login',
      actorType: 'ANONYMOUS',
      metadata: { attemptedEmail: email, reason: 'unknown_email' },
    });

    const wrong = await login(server.url, org.users.READ_ONLY.email, 'whatever-password');
    expect(unknown.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.error).toEqual(wrong.error);
    expect(sessionCookieOf(unknown.headers)).toBeUndefined();
  });

  it("refuses a deactivated user's correct password like a wrong one, and records why", async () => {
    const user = org.users.BILLING;
    await asSetup(() => server.db.prisma.user.update({ where: { id: user.id }, data: { deactivatedAt: new Date() } }));
    const requestId = `deactivated-${randomUUID()}`;
    const response = await login(server.url, user.email, TEST_PASSWORD, { 'x-request-id': requestId });
    const wrong = await login(server.url, org.users.READ_ONLY.email, 'not-the-password');
    expect(response.status).toBe(401);
    expect(response.error).toEqual(wrong.error);
    expect(sessionCookieOf(response.headers)).toBeUndefined();
    const stored = await server.db.prisma.auditLog.findFirstOrThrow({ where: { requestId } });
    expect(stored).toMatchObject({
      action: 'failed_login',
      entityId: user.id,
      actorType: 'ANONYMOUS',
      metadata: { attemptedEmail: user.email, reason: 'account_deactivated' },
    });
  });

  describe('cross-site requests', () => {
    let cookie: string;
    let writeKey: string;

    beforeAll(async () => {
      cookie = await server.signIn(org.users.TECHNICIAN.email);
      writeKey = await org.createApiKey(['audit:write'], 'CSRF service');
    }, 60_000);

    const recordInput = (entityId: string) => ({ action: 'export', entityType: 'report', entityId });
    const recorded = (entityId: string) => server.db.prisma.auditLog.count({ where: { entityId } });

    it.each<{ name: string; headers: Record<string, string> | (() => Record<string, string>) }>([
      { name: `Origin: ${EVIL}`, headers: { origin: EVIL } },
      { name: 'Sec-Fetch-Site: cross-site without Origin', headers: { 'sec-fetch-site': 'cross-site' } },
      {
        name: 'Sec-Fetch-Site: same-site without Origin (a sibling subdomain)',
        headers: { 'sec-fetch-site': 'same-site' },
      },
      { name: 'Origin: null (sandboxed frame, data: URL)', headers: { origin: 'null' } },
      {
        name: 'an Origin that only starts like the server’s',
        headers: () => ({ origin: `${server.url}.evil.example` }),
      },
      {
        name: `Origin: ${EVIL} with Sec-Fetch-Site: same-origin`,
        headers: { origin: EVIL, 'sec-fetch-site': 'same-origin' },
      },
    ])('refuses a mutation with a session cookie and $name: 403, nothing recorded', async ({ headers }) => {
      const entityId = `csrf-${randomUUID()}`;
      const extra = typeof headers === 'function' ? headers() : headers;
      const response = await rawMutation(server.url, 'audit.record', recordInput(entityId), {
        ...withCookie(cookie),
        ...extra,
      });
      expect(response.status, response.text).toBe(403);
      expect(response.text).toMatch(/cross-site/i);
      expect(await recorded(entityId)).toBe(0);
    });

    it('refuses a cross-site logout: the session survives and no logout is recorded', async () => {
      const before = await server.db.prisma.auditLog.count({ where: { organizationId: org.id, action: 'logout' } });
      const response = await rawMutation(server.url, 'auth.logout', undefined, { ...withCookie(cookie), origin: EVIL });
      expect(response.status).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect((await rawQuery(server.url, 'auth.me', undefined, withCookie(cookie))).data).toMatchObject({
        id: org.users.TECHNICIAN.id,
      });
      expect(await server.db.prisma.auditLog.count({ where: { organizationId: org.id, action: 'logout' } })).toBe(
        before,
      );
    });

    it('refuses a cross-site login (login CSRF): no session cookie, no login recorded', async () => {
      const requestId = `login-csrf-${randomUUID()}`;
      const credentials = { email: org.users.READ_ONLY.email, password: TEST_PASSWORD };
      const response = await rawMutation(server.url, 'auth.login', credentials, {
        origin: EVIL,
        'x-request-id': requestId,
      });
      expect(response.status).toBe(403);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(await server.db.prisma.auditLog.count({ where: { requestId } })).toBe(0);
    });

    it('never runs a mutation over GET, which a cross-site link or image could send with the cookie', async () => {
      const entityId = `csrf-get-${randomUUID()}`;
      const write = await rawQuery(server.url, 'audit.record', recordInput(entityId), withCookie(cookie));
      expect(write.status).toBe(405);
      expect(await recorded(entityId)).toBe(0);
      const logout = await rawQuery(server.url, 'auth.logout', undefined, withCookie(cookie));
      expect(logout.status).toBe(405);
      expect((await rawQuery(server.url, 'auth.me', undefined, withCookie(cookie))).data).not.toBeNull();
    });

    it("accepts the same mutation from the server's own origin", async () => {
      const entityId = `same-origin-${randomUUID()}`;
      const response = await rawMutation(server.url, 'audit.record', recordInput(entityId), {
        ...withCookie(cookie),
        origin: server.url,
        'sec-fetch-site': 'same-origin',
      });
      expect(response.status, response.text).toBe(200);
      expect(await recorded(entityId)).toBe(1);
    });

    it('accepts a service call with an API key and no Origin', async () => {
      const entityId = `service-${randomUUID()}`;
      const response = await rawMutation(server.url, 'audit.record', recordInput(entityId), bearer(writeKey));
      expect(response.status, response.text).toBe(200);
      expect(await recorded(entityId)).toBe(1);
      // And through the typed client, which sends no Origin either.
      const client = createAuditClient({ url: server.url, apiKey: writeKey });
      await client.audit.record.mutate(recordInput(`${entityId}-typed`));
      expect(await recorded(`${entityId}-typed`)).toBe(1);
    });

    it('lets queries through from anywhere: reading changes nothing', async () => {
      const response = await rawQuery(server.url, 'auth.me', undefined, {
        ...withCookie(cookie),
        origin: EVIL,
        'sec-fetch-site': 'cross-site',
      });
      expect(response.status).toBe(200);
    });

    it('answers a refused mutation in the tRPC error format, so the typed client reports FORBIDDEN (not a parse failure)', async () => {
      const entityId = `csrf-client-${randomUUID()}`;
      const client = createAuditClient({ url: server.url, cookie, headers: { origin: EVIL } });
      const failure = await failureOf(client.audit.record.mutate(recordInput(entityId)));
      expect(await recorded(entityId)).toBe(0);
      expect(failure).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
      expect(failure.message).toMatch(/cross-site/i);
    });
  });

  describe('with 3 free attempts per account and address', () => {
    let limited: TestServer;
    let limitedOrg: TestOrganization;

    beforeAll(async () => {
      limited = await startTestServer(engine, {
        loginPolicy: { freeAttempts: 3, firstDelaySeconds: 60, accountAttackThreshold: 100, addressThreshold: 100 },
      });
      limitedOrg = await limited.createOrganization('Limited Org');
    }, 60_000);

    afterAll(async () => {
      await limited?.close();
    }, 60_000);

    it('then refuses with 429 TOO_MANY_REQUESTS and Retry-After, even with the right password, for that email only', async () => {
      const target = limitedOrg.users.OWNER;
      // Case and spaces do not make a new email.
      for (const email of [target.email, target.email.toUpperCase(), ` ${target.email}`]) {
        expect((await login(limited.url, email, 'wrong-password')).status, `attempt as "${email}"`).toBe(401);
      }
      const before = await limited.db.prisma.auditLog.count({ where: { organizationId: limitedOrg.id } });
      const refused = await login(limited.url, target.email, TEST_PASSWORD);
      expect(refused.status).toBe(429);
      expect(refused.error?.data.code).toBe('TOO_MANY_REQUESTS');
      expect(refused.error?.message).toMatch(/too many/i);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(sessionCookieOf(refused.headers)).toBeUndefined();
      expect(
        await limited.db.prisma.auditLog.count({ where: { organizationId: limitedOrg.id, action: 'login' } }),
      ).toBe(0);
      expect(await limited.db.prisma.auditLog.count({ where: { organizationId: limitedOrg.id } })).toBe(before);

      // Another email from the same IP is still allowed.
      const other = await login(limited.url, limitedOrg.users.ADMIN.email, TEST_PASSWORD);
      expect(other.status).toBe(200);
    });
  });

  describe('in production (production: true)', () => {
    let production: TestServer;
    let productionOrg: TestOrganization;

    beforeAll(async () => {
      production = await startTestServer(engine, { production: true });
      productionOrg = await production.createOrganization('Production Org');
    }, 60_000);

    afterAll(async () => {
      await production?.close();
    }, 60_000);

    it('names the session cookie __Host- and marks it Secure, HttpOnly, SameSite=Lax, Path=/, without Domain', async () => {
      const response = await login(production.url, productionOrg.users.OWNER.email, TEST_PASSWORD);
      expect(response.status).toBe(200);
      const setCookie = response.headers.getSetCookie().find((cookie) => cookie.startsWith('__Host-auditlog_session='));
      const cookie = parseCookie(setCookie ?? '');
      expect(cookie.value).not.toBe('');
      expect(cookie.attributes).not.toHaveProperty('domain');
      expect(cookie.attributes).toHaveProperty('secure');
      expect(cookie.attributes).toHaveProperty('httponly');
      expect(cookie.attributes.samesite?.toLowerCase()).toBe('lax');
      expect(cookie.attributes.path).toBe('/');
    });

    it('adds Strict-Transport-Security for a year with subdomains, and upgrade-insecure-requests', async () => {
      const response = await fetch(`${production.url}/trpc/auth.me`);
      await response.arrayBuffer();
      const hsts = response.headers.get('strict-transport-security') ?? '';
      expect(Number(/max-age=(\d+)/.exec(hsts)?.[1])).toBeGreaterThanOrEqual(31_536_000);
      expect(hsts).toContain('includeSubDomains');
      expect(response.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    });
  });
});
