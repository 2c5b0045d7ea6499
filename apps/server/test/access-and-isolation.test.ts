/**
 * What the access rules look like on the wire. Who may call what, and whose entries they see, is tested procedure by
 * procedure through `createCaller` in packages/api/test/access-and-isolation.test.ts; here, one call per kind of
 * answer checks what only HTTP shows: the status line, the tRPC error body, credentials read from the `Cookie` and
 * `Authorization` headers, and the cookie cleared in `Set-Cookie`.
 */
import { randomUUID } from 'node:crypto';
import { createApiKey, revokeApiKey } from '@auditlog/auth';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';
import { asSetup, bearer, rawMutation, rawQuery, withCookie } from './helpers.ts';
import type { RawResponse } from './helpers.ts';

describe.each(testEngines)('access over HTTP on %s', { timeout: 30_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let ownerCookie: string;
  let technicianCookie: string;
  let readKey: string;
  let writeKey: string;
  let revokedKey: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Wire Org');
    ownerCookie = await server.signIn(org.users.OWNER.email);
    technicianCookie = await server.signIn(org.users.TECHNICIAN.email);
    readKey = await org.createApiKey(['audit:read'], 'Reader service');
    writeKey = await org.createApiKey(['audit:write'], 'Writer service');
    const revoked = await asSetup(() =>
      createApiKey(server.db.prisma, org.id, { name: 'Revoked service', scopes: ['audit:read'] }),
    );
    // The key works over HTTP before it is revoked, so the 401 below is the revocation's doing.
    expect((await rawQuery(server.url, 'audit.list', {}, bearer(revoked.key))).status).toBe(200);
    await asSetup(() => revokeApiKey(server.db.prisma, org.id, revoked.id));
    revokedKey = revoked.key;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  const record = { action: 'export', entityType: 'report', entityId: 'wire' };

  it.each<{
    name: string;
    send: () => Promise<RawResponse>;
    status: number;
    code?: string;
    message?: RegExp;
  }>([
    {
      name: 'a list with a session cookie of an Owner',
      send: () => rawQuery(server.url, 'audit.list', {}, withCookie(ownerCookie)),
      status: 200,
    },
    {
      name: 'a list with a read key',
      send: () => rawQuery(server.url, 'audit.list', {}, bearer(readKey)),
      status: 200,
    },
    {
      name: 'a list without credentials',
      send: () => rawQuery(server.url, 'audit.list', {}),
      status: 401,
      code: 'UNAUTHORIZED',
      message: /sign in/i,
    },
    {
      name: 'a list with a revoked key',
      send: () => rawQuery(server.url, 'audit.list', {}, bearer(revokedKey)),
      status: 401,
      code: 'UNAUTHORIZED',
      message: /invalid, revoked or expired/,
    },
    {
      name: 'a list by a Technician',
      send: () => rawQuery(server.url, 'audit.list', {}, withCookie(technicianCookie)),
      status: 403,
      code: 'FORBIDDEN',
      message: /restricted to the Owner, Admin, and Auditor roles/,
    },
    {
      name: 'a record with a read key',
      send: () => rawMutation(server.url, 'audit.record', record, bearer(readKey)),
      status: 403,
      code: 'FORBIDDEN',
      message: /audit:write/,
    },
    {
      name: 'a logout with an API key',
      send: () => rawMutation(server.url, 'auth.logout', undefined, bearer(writeKey)),
      status: 403,
      code: 'FORBIDDEN',
      message: /signed-in user/,
    },
    {
      name: 'a get of an id that does not exist',
      send: () => rawQuery(server.url, 'audit.get', { id: randomUUID() }, bearer(readKey)),
      status: 404,
      code: 'NOT_FOUND',
    },
  ])('answers $name with $status and the tRPC error body', async ({ send, status, code, message }) => {
    const response = await send();
    expect(response.status, response.text).toBe(status);
    if (!code) {
      expect(response.error).toBeUndefined();
      expect(response.data).toBeDefined();
      return;
    }
    expect(response.data).toBeUndefined();
    expect(response.error?.data).toMatchObject({ code, httpStatus: status });
    if (message) expect(response.error?.message).toMatch(message);
  });

  it('answers auth.me without a signed-in user with 200 and null', async () => {
    const response = await rawQuery(server.url, 'auth.me', undefined, bearer(readKey));
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ result: { data: null } });
  });

  it("ends a deactivated user's sessions at once and clears the cookie", async () => {
    const other = await server.createOrganization('Changing Org');
    const cookie = await server.signIn(other.users.BILLING.email);
    expect((await rawQuery(server.url, 'auth.me', undefined, withCookie(cookie))).data).not.toBeNull();

    await asSetup(() =>
      server.db.prisma.user.update({ where: { id: other.users.BILLING.id }, data: { deactivatedAt: new Date() } }),
    );
    const me = await rawQuery(server.url, 'auth.me', undefined, withCookie(cookie));
    expect(me.data).toBeNull();
    expect(me.headers.getSetCookie().some((c) => /^auditlog_session=;/.test(c) && /Max-Age=0/i.test(c))).toBe(true);
    const write = await rawMutation(server.url, 'audit.record', record, withCookie(cookie));
    expect(write.status).toBe(401);
    expect(write.error?.data.code).toBe('UNAUTHORIZED');
  });

  it('lets a bearer token decide even next to a valid session cookie: a bad one is refused', async () => {
    const response = await rawQuery(
      server.url,
      'audit.list',
      {},
      { ...withCookie(ownerCookie), ...bearer('not-a-key') },
    );
    expect(response.status).toBe(401);
    expect(response.error?.message).toMatch(/invalid, revoked or expired/);
  });
});
