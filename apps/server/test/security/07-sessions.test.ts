/**
 * Item 7 — sessions and tokens by the book. An attacker with a copy of the sessions table, a session that was stolen
 * long ago, a stolen session after the owner reacts, an old weak password hash, a cached API response, and a
 * streaming request that used to crash the server after creating a session.
 */
import { randomBytes, randomUUID, scrypt } from 'node:crypto';
import { hashPassword, hashSessionToken, PASSWORD_PARAMS, verifyPassword } from '@auditlog/auth';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsSystem } from '@auditlog/audit';
import { startTestServer, TEST_PASSWORD, TEST_SETUP } from '../../src/testing.ts';
import type { TestOrganization, TestServer } from '../../src/testing.ts';
import { bearer, rawMutation, rawQuery, withCookie } from '../helpers.ts';
import { attempt, sessionCookieOf } from './support.ts';

describe.each(testEngines)('sessions and passwords on %s', { timeout: 120_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Session Org');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  const me = async (cookie: string) =>
    (await rawQuery<{ id: string } | null>(server.url, 'auth.me', undefined, withCookie(cookie))).data;
  const token = (cookie: string) => cookie.split('=')[1] ?? '';

  it('a copy of the sessions table signs nobody in: only SHA-256 hashes of the tokens are stored', async () => {
    const cookie = await server.signIn(org.users.ADMIN.email);
    const rows = await server.db.prisma.session.findMany({ where: { userId: org.users.ADMIN.id } });
    expect(rows.map((row) => row.id)).toContain(hashSessionToken(token(cookie)));
    expect(rows.map((row) => row.id)).not.toContain(token(cookie));
    for (const row of rows) expect(await me(`auditlog_session=${row.id}`), `stored session ${row.id}`).toBeNull();
    expect(await me(cookie)).toMatchObject({ id: org.users.ADMIN.id });
  });

  it('a session in use ends at its absolute lifetime (7 days) however active it is', async () => {
    const cookie = await server.signIn(org.users.TECHNICIAN.email);
    const id = hashSessionToken(token(cookie));
    // Signed in eight days ago, still within its idle lifetime (it was renewed an hour ago).
    await server.db.prisma.session.update({
      where: { id },
      data: { createdAt: new Date(Date.now() - 8 * 86_400_000), expiresAt: new Date(Date.now() + 23 * 3_600_000) },
    });
    expect(await me(cookie)).toBeNull();
    expect(await server.db.prisma.session.count({ where: { id } })).toBe(0);
  });

  it('"sign out everywhere" ends a stolen session too, and is recorded', async () => {
    const user = org.users.BILLING;
    const stolen = await server.signIn(user.email);
    const mine = await server.signIn(user.email);
    const response = await rawMutation(server.url, 'auth.logoutEverywhere', undefined, withCookie(mine));
    expect(response.status, response.text).toBe(200);
    expect(await me(stolen)).toBeNull();
    expect(await me(mine)).toBeNull();
    const entry = await server.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'logout', entityId: user.id },
      orderBy: { createdAt: 'desc' },
    });
    expect(entry).toMatchObject({
      actorType: 'USER',
      actorUserId: user.id,
      metadata: { scope: 'everywhere', sessionsEnded: 2 },
    });
  });

  it('a password change ends every other session (a stolen one included), keeps this one, and is recorded without the hash', async () => {
    const user = org.users.READ_ONLY;
    const stolen = await server.signIn(user.email);
    const mine = await server.signIn(user.email);
    const wrong = await rawMutation(
      server.url,
      'auth.changePassword',
      { currentPassword: 'not it', newPassword: 'a brand new passphrase' },
      withCookie(mine),
    );
    expect(wrong.status).toBe(401);
    expect(await me(stolen)).not.toBeNull();

    const newPassword = `new passphrase ${randomUUID()}`;
    const changed = await rawMutation(
      server.url,
      'auth.changePassword',
      { currentPassword: TEST_PASSWORD, newPassword },
      withCookie(mine),
    );
    expect(changed.status, changed.text).toBe(200);
    expect(await me(stolen)).toBeNull();
    expect(await me(mine)).toMatchObject({ id: user.id });
    const update = await server.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'update', entityId: user.id } });
    expect(update.changes).toMatchObject({ passwordHash: { before: '[REDACTED]', after: '[REDACTED]' } });
    expect(JSON.stringify(update.changes)).not.toContain('scrypt$');
    const logout = await server.db.prisma.auditLog.findFirstOrThrow({ where: { action: 'logout', entityId: user.id } });
    expect(logout.metadata).toEqual({ scope: 'other_sessions', reason: 'password_changed', sessionsEnded: 1 });
    expect((await attempt(server.url, user.email, TEST_PASSWORD)).status).toBe(401);
    expect((await attempt(server.url, user.email, newPassword)).status).toBe(200);
  });

  it('stores passwords with scrypt at OWASP’s parameters, and upgrades a weaker stored hash at the next sign-in', async () => {
    const fresh = await hashPassword('anything at all');
    expect(fresh.split('$').slice(0, 4)).toEqual(['scrypt', String(2 ** 17), '8', '1']);
    expect(PASSWORD_PARAMS).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });

    // A hash made years ago with N=2^14.
    const salt = randomBytes(16);
    const key = await new Promise<Buffer>((resolve, reject) =>
      scrypt(TEST_PASSWORD.normalize('NFKC'), salt, 32, { N: 2 ** 14, r: 8, p: 1 }, (error, derived) =>
        error ? reject(error) : resolve(derived),
      ),
    );
    const weak = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64url'), key.toString('base64url')].join('$');
    const user = org.users.OWNER;
    await runAsSystem({ name: TEST_SETUP }, () =>
      server.db.prisma.user.update({ where: { id: user.id }, data: { passwordHash: weak } }),
    );
    expect((await attempt(server.url, user.email, TEST_PASSWORD)).status).toBe(200);
    const stored = await server.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash.split('$')[1]).toBe(String(2 ** 17));
    expect(await verifyPassword(stored.passwordHash, TEST_PASSWORD)).toBe(true);
    // The newest update of the user (the one before is this test planting the weak hash).
    const upgrade = await server.db.prisma.auditLog.findFirstOrThrow({
      where: { action: 'update', entityId: user.id },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    expect(upgrade).toMatchObject({
      actorType: 'SYSTEM',
      actorName: 'Password hash upgrade',
      changes: { passwordHash: { before: '[REDACTED]', after: '[REDACTED]' } },
    });
  });

  it('marks every API response Cache-Control: no-store (successes, errors, refusals)', async () => {
    const key = await org.createApiKey(['audit:read']);
    const responses = [
      await fetch(`${server.url}/trpc/audit.list?input=${encodeURIComponent('{}')}`, { headers: bearer(key) }),
      await fetch(`${server.url}/trpc/audit.list?input={bad`, { headers: bearer(key) }),
      await fetch(`${server.url}/trpc/auth.me`),
      await fetch(`${server.url}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      }),
    ];
    for (const [i, response] of responses.entries())
      expect(response.headers.get('cache-control'), `response ${i} (${response.status})`).toBe('no-store');
  });

  it('refuses a streamed (jsonl) sign-in with 400 instead of a 500, and creates no session', async () => {
    const user = org.users.ADMIN;
    const before = await server.db.prisma.session.count({ where: { userId: user.id } });
    const logins = await server.db.prisma.auditLog.count({ where: { action: 'login', entityId: user.id } });
    for (const headers of [{ 'trpc-accept': 'application/jsonl' }, { accept: 'application/jsonl' }] as Record<
      string,
      string
    >[]) {
      const response = await fetch(`${server.url}/trpc/auth.login?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ 0: { email: user.email, password: TEST_PASSWORD } }),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/Streamed responses/);
      expect(sessionCookieOf(response.headers)).toBeUndefined();
    }
    expect(await server.db.prisma.session.count({ where: { userId: user.id } })).toBe(before);
    expect(await server.db.prisma.auditLog.count({ where: { action: 'login', entityId: user.id } })).toBe(logins);
  });
});
