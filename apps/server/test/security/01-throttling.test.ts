/**
 * Item 1 — throttling that cannot be raced. Each test is an attack on sign-in, against a real server with the
 * production policy (3 free attempts per account and address, then doubling delays).
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_LOGIN_POLICY } from '@auditlog/auth';
import { createTestDatabase, testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/server.ts';
import { runAsSystem } from '@auditlog/audit';
import { startTestServer, TEST_PASSWORD, TEST_SETUP } from '../../src/testing.ts';
import type { TestOrganization, TestServer } from '../../src/testing.ts';
import { addressNumber, attempt, median, ONE_HOP, sessionCookieOf } from './support.ts';

describe.each(testEngines)('sign-in throttling on %s', { timeout: 120_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    server = await startTestServer(engine, { loginPolicy: DEFAULT_LOGIN_POLICY, trustProxy: ONE_HOP });
    org = await server.createOrganization('Throttled Org');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  const failedLogins = (email: string) =>
    server.db.prisma.auditLog.count({
      where: { action: 'failed_login', metadata: { path: ['attemptedEmail'], equals: email } },
    });

  it('a batch of guesses with the right password among them gets no session: auth.login must travel alone', async () => {
    const target = org.users.ADMIN;
    const guesses = [...Array.from({ length: 4 }, (_, i) => `wrong-${i}`), TEST_PASSWORD];
    const input = Object.fromEntries(guesses.map((password, i) => [i, { email: target.email, password }]));
    const response = await fetch(`${server.url}/trpc/${guesses.map(() => 'auth.login').join(',')}?batch=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': addressNumber(1) },
      body: JSON.stringify(input),
    });
    const body = (await response.json()) as { error?: { message: string } }[];
    expect(sessionCookieOf(response.headers)).toBeUndefined();
    expect(body).toHaveLength(guesses.length);
    for (const [i, item] of body.entries())
      expect(item.error?.message, `call ${i}`).toMatch(/on its own, not in a batch/);
    // Nothing was even verified: no failed sign-in was recorded.
    expect(await failedLogins(target.email)).toBe(0);
  });

  it('ten parallel guesses from one address: only the three free ones are checked, the rest get 429 with Retry-After', async () => {
    const target = org.users.TECHNICIAN;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        attempt(server.url, target.email, `wrong-${i}`, { address: addressNumber(2) }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 401)).toHaveLength(DEFAULT_LOGIN_POLICY.freeAttempts);
    expect(statuses.filter((status) => status === 429)).toHaveLength(10 - DEFAULT_LOGIN_POLICY.freeAttempts);
    for (const [i, refused] of responses.filter((response) => response.status === 429).entries()) {
      expect(Number(refused.headers.get('retry-after')), `refusal ${i}`).toBeGreaterThanOrEqual(1);
      expect(refused.error?.data.code, `refusal ${i}`).toBe('TOO_MANY_REQUESTS');
    }
    expect(await failedLogins(target.email)).toBe(DEFAULT_LOGIN_POLICY.freeAttempts);
    // A delay, not a lockout: once it has passed, the right password from the same address gets in.
    const wait = Math.max(...responses.map((response) => Number(response.headers.get('retry-after') ?? 0)));
    await new Promise((resolve) => setTimeout(resolve, wait * 1000 + 100));
    expect((await attempt(server.url, target.email, TEST_PASSWORD, { address: addressNumber(2) })).status).toBe(200);
  });

  it('an account under attack from many addresses still lets its owner in, with the right password, from a new address', async () => {
    const target = org.users.OWNER;
    // 40 guesses from 20 addresses: far past the account's attack threshold.
    for (let i = 0; i < 20; i += 1) {
      await Promise.all(
        [0, 1].map((j) => attempt(server.url, target.email, `guess-${i}-${j}`, { address: addressNumber(100 + i) })),
      );
    }
    const counted = await failedLogins(target.email);
    expect(counted).toBeGreaterThanOrEqual(DEFAULT_LOGIN_POLICY.accountAttackThreshold);
    // An attacking address that already failed gets delays: under attack, only its first attempt was free.
    const again = await attempt(server.url, target.email, 'guess-again', { address: addressNumber(119) });
    expect(again.status).toBe(429);

    const owner = await attempt(server.url, target.email, TEST_PASSWORD, { address: '192.0.2.200' });
    expect(owner.status, owner.text).toBe(200);
    expect(sessionCookieOf(owner.headers)).toBeDefined();
  });

  it('an anonymous flood of sign-ins (unknown emails, from two addresses) delays a real sign-in by less than a second', async () => {
    const target = org.users.BILLING;
    const signIn = async (address: string) => {
      const started = performance.now();
      const response = await attempt(server.url, target.email, TEST_PASSWORD, { address });
      expect(response.status, response.text).toBe(200);
      return performance.now() - started;
    };
    const quiet = [await signIn('192.0.2.10'), await signIn('192.0.2.10'), await signIn('192.0.2.10')];

    const flood = Array.from({ length: 40 }, (_, i) =>
      attempt(server.url, `nobody-${randomUUID()}@example.test`, 'guess', {
        address: i % 2 ? '203.0.113.66' : '203.0.113.67',
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 150)); // the flood is queued and running
    const underFlood = [await signIn('192.0.2.11'), await signIn('192.0.2.12'), await signIn('192.0.2.13')];
    const answers = await Promise.all(flood);

    const delay = median(underFlood) - median(quiet);
    expect(
      delay,
      `quiet ${quiet.map(Math.round).join('/')} ms, under flood ${underFlood.map(Math.round).join('/')} ms`,
    ).toBeLessThan(1_000);
    // The flood was not simply absorbed: most of it was refused at once as "busy" rather than queued without bound.
    expect(answers.filter((response) => response.status === 429).length).toBeGreaterThan(20);
    expect(answers.every((response) => response.status === 401 || response.status === 429)).toBe(true);
  });
});

describe.each(testEngines)('two server processes on one %s database', { timeout: 120_000 }, (engine) => {
  it('share the counters: guesses spread over both servers meet the same limit', async () => {
    const handle = await createTestDatabase(engine);
    const options = {
      port: 0,
      host: '127.0.0.1',
      database: handle.options,
      webRoot: null,
      trustProxy: ONE_HOP,
    } as const;
    const first = await startServer(options);
    const second = await startServer(options);
    try {
      const email = `shared-${randomUUID()}@example.test`;
      await runAsSystem({ name: TEST_SETUP }, async () => {
        const organization = await first.db.prisma.organization.create({
          data: { name: 'Shared', slug: `shared-${randomUUID()}` },
        });
        await first.db.prisma.user.create({
          data: { organizationId: organization.id, email, name: 'Shared user', passwordHash: 'scrypt$1$1$1$x$y' },
        });
      });
      const statuses: number[] = [];
      for (const server of [first, second, first, second]) {
        statuses.push((await attempt(server.url, email, 'wrong', { address: '203.0.113.90' })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await second.stop();
      await first.stop();
      await handle.drop();
    }
  });
});
