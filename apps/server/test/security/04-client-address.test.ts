/**
 * Item 4 — client addresses that mean something. A client behind the proxy writes what it likes at the left end of
 * X-Forwarded-For: a fake address to hide behind, a different one per request to dodge per-address limits, or SQL.
 * The server takes the address its trusted proxies saw, and stores only valid IPs.
 */
import { isIP } from 'node:net';
import { parseTrustProxy } from '@auditlog/api';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/env.ts';
import { startTestServer, TEST_PASSWORD } from '../../src/testing.ts';
import type { TestOrganization, TestServer } from '../../src/testing.ts';
import { rawMutation, withCookie } from '../helpers.ts';
import { attempt, ONE_HOP } from './support.ts';

describe.each(testEngines)('client addresses behind proxies on %s', { timeout: 60_000 }, (engine) => {
  let oneHop: TestServer;
  let listed: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    oneHop = await startTestServer(engine, {
      trustProxy: ONE_HOP,
      loginPolicy: { freeAttempts: 3, firstDelaySeconds: 60, accountAttackThreshold: 1_000, addressThreshold: 1_000 },
    });
    org = await oneHop.createOrganization('Proxy Org');
    // The proxy is this machine (the test's socket peer); 10.0.0.5 is not trusted.
    listed = await startTestServer(engine, { trustProxy: parseTrustProxy('127.0.0.1, 192.168.0.0/16') });
  }, 60_000);

  afterAll(async () => {
    await oneHop?.close();
    await listed?.close();
  }, 60_000);

  async function storedAddress(server: TestServer, forwardedFor: string): Promise<string | null> {
    const organization = await server.createOrganization();
    const cookie = await server.signIn(organization.users.OWNER.email);
    const entityId = `ip-${Math.random()}`;
    const response = await rawMutation<{ id: string }>(
      server.url,
      'audit.record',
      { action: 'view', entityType: 'report', entityId },
      { ...withCookie(cookie), 'x-forwarded-for': forwardedFor },
    );
    expect(response.status, response.text).toBe(200);
    const row = await server.db.prisma.auditLog.findFirstOrThrow({ where: { id: response.data?.id ?? '' } });
    return row.ipAddress;
  }

  it('takes the address the proxy appended, never the client-written left end', async () => {
    expect(await storedAddress(oneHop, "x' OR '1'='1, 203.0.113.7")).toBe('203.0.113.7');
    expect(await storedAddress(oneHop, '6.6.6.6, 10.9.8.7, 203.0.113.8')).toBe('203.0.113.8');
  });

  it('stores nothing rather than garbage when the trusted hop is not an IP address', async () => {
    expect(await storedAddress(oneHop, "1.2.3.4, x' OR '1'='1")).toBeNull();
    expect(await storedAddress(oneHop, '203.0.113.9:4711')).toBe('203.0.113.9');
    expect(await storedAddress(oneHop, '[2001:db8::7]:443')).toBe('2001:db8::7');
  });

  it('with a list of proxies, walks back through trusted ones only', async () => {
    expect(await storedAddress(listed, '6.6.6.6, 10.0.0.5, 192.168.1.1')).toBe('10.0.0.5');
    expect(await storedAddress(listed, '6.6.6.6')).toBe('6.6.6.6');
  });

  it('rotating the left end of X-Forwarded-For does not reset the per-address limit', async () => {
    const target = org.users.ADMIN;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      statuses.push(
        (await attempt(oneHop.url, target.email, `wrong-${i}`, { address: `10.66.0.${i}, 203.0.113.50` })).status,
      );
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // The right password from a really different address still works.
    expect((await attempt(oneHop.url, target.email, TEST_PASSWORD, { address: '203.0.113.51' })).status).toBe(200);
  });

  it('every address stored by these servers is a valid IP', async () => {
    for (const [name, server] of [
      ['one hop', oneHop],
      ['listed proxies', listed],
    ] as const) {
      const rows = await server.db.prisma.auditLog.findMany({
        where: { ipAddress: { not: null } },
        select: { ipAddress: true },
      });
      expect(rows.length, name).toBeGreaterThan(0);
      for (const { ipAddress } of rows) expect(isIP(ipAddress ?? ''), `${name}: ${ipAddress}`).not.toBe(0);
    }
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    ['true', /would trust every hop/],
    ['yes', /would trust every hop/],
    ['10.0.0.0/33', /not an IP address or CIDR range/],
    ['proxy.internal', /not an IP address or CIDR range/],
  ])('refuses TRUST_PROXY=%s at start with a message', (value, message) => {
    expect(() => readEnv({ TRUST_PROXY: value })).toThrow(message);
  });

  it('reads a number of hops or a list of addresses', () => {
    expect(readEnv({ TRUST_PROXY: '2' }).TRUST_PROXY).toEqual({ kind: 'hops', hops: 2 });
    expect(readEnv({}).TRUST_PROXY).toEqual({ kind: 'none' });
    expect(readEnv({ TRUST_PROXY: '10.0.0.0/8, fd00::/8' }).TRUST_PROXY).toMatchObject({
      kind: 'addresses',
      entries: ['10.0.0.0/8', 'fd00::/8'],
    });
  });
});
