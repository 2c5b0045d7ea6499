/**
 * Who may call what, and whose entries they see.
 *
 * The access matrix: every procedure × every kind of caller, over real HTTP, with the status code, the tRPC code and
 * the message each refusal must carry. Allowed calls are checked for their effect too (the entry written, the user
 * returned, the session ended), and refused writes for their absence.
 *
 * Tenant isolation: two organizations with entries of their own. Lists never show the other's entries, another
 * organization's entry cannot be told apart from one that does not exist, and recording always writes into the
 * caller's organization, whatever the input says.
 */
import { randomUUID } from 'node:crypto';
import { createAuditClient } from '@auditlog/client';
import type { AuditClient } from '@auditlog/client';
import { createApiKey, revokeApiKey, ROLES } from '@auditlog/auth';
import type { Role } from '@auditlog/db';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';
import { asSetup, bearer, rawMutation, rawQuery, storedEntries, withCookie } from './helpers.ts';
import type { RawResponse } from './helpers.ts';

const PROCEDURES = ['audit.list', 'audit.get', 'audit.record', 'auth.me', 'auth.logout'] as const;
type Procedure = (typeof PROCEDURES)[number];

const CALLERS = [
  ...ROLES,
  'anonymous',
  'API key [audit:read]',
  'API key [audit:write]',
  'API key [audit:read, audit:write]',
  'revoked API key',
  'expired API key',
  'garbage bearer token',
  'unknown well-formed API key',
] as const;
type Caller = (typeof CALLERS)[number];

type Outcome =
  | { kind: 'allowed' }
  | { kind: 'null' }
  | { kind: 'refused'; status: 401 | 403; code: 'UNAUTHORIZED' | 'FORBIDDEN'; message: string | RegExp };

const ALLOWED: Outcome = { kind: 'allowed' };
const NULL: Outcome = { kind: 'null' };
const refused = (status: 401 | 403, message: string | RegExp): Outcome => ({
  kind: 'refused',
  status,
  code: status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN',
  message,
});
/** The exact wording the product promises to users without access to the log. */
const ROLE_FORBIDDEN = refused(403, 'Audit Logs are restricted to the Owner and Admin roles.');
const NO_SESSION = refused(401, /sign in/i);
const BAD_KEY = refused(401, /invalid, revoked or expired/);
const NO_READ_SCOPE = refused(403, /audit:read/);
const NO_WRITE_SCOPE = refused(403, /audit:write/);
const USERS_ONLY = refused(403, /signed-in user/);

/** Columns in the order of CALLERS: 5 roles, anonymous, 3 valid keys, 4 invalid bearer tokens. */
const MATRIX: Record<Procedure, Outcome[]> = {
  'audit.list': [
    ALLOWED,
    ALLOWED,
    ROLE_FORBIDDEN,
    ROLE_FORBIDDEN,
    ROLE_FORBIDDEN,
    NO_SESSION,
    ALLOWED,
    NO_READ_SCOPE,
    ALLOWED,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
  ],
  'audit.get': [
    ALLOWED,
    ALLOWED,
    ROLE_FORBIDDEN,
    ROLE_FORBIDDEN,
    ROLE_FORBIDDEN,
    NO_SESSION,
    ALLOWED,
    NO_READ_SCOPE,
    ALLOWED,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
  ],
  'audit.record': [
    ALLOWED,
    ALLOWED,
    ALLOWED,
    ALLOWED,
    ALLOWED,
    NO_SESSION,
    NO_WRITE_SCOPE,
    ALLOWED,
    ALLOWED,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
  ],
  // `me` answers null to anyone who is not a signed-in user (a valid key included); a bad key is refused as everywhere.
  'auth.me': [ALLOWED, ALLOWED, ALLOWED, ALLOWED, ALLOWED, NULL, NULL, NULL, NULL, BAD_KEY, BAD_KEY, BAD_KEY, BAD_KEY],
  'auth.logout': [
    ALLOWED,
    ALLOWED,
    ALLOWED,
    ALLOWED,
    ALLOWED,
    NO_SESSION,
    USERS_ONLY,
    USERS_ONLY,
    USERS_ONLY,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
  ],
};

const describeOutcome = (outcome: Outcome) =>
  outcome.kind === 'allowed'
    ? 'allowed'
    : outcome.kind === 'null'
      ? '200 with null'
      : `${outcome.status} ${outcome.code}`;

const ROWS = PROCEDURES.flatMap((procedure) =>
  CALLERS.map((caller, column) => {
    const expected = MATRIX[procedure][column];
    if (!expected) throw new Error(`MATRIX['${procedure}'] has no column for ${caller}`);
    return { name: `${procedure} as ${caller} → ${describeOutcome(expected)}`, procedure, caller, expected };
  }),
);

const isRole = (caller: Caller): caller is Role => (ROLES as readonly string[]).includes(caller);
const KEY_NAMES = {
  'API key [audit:read]': 'Reader service',
  'API key [audit:write]': 'Writer service',
  'API key [audit:read, audit:write]': 'Reader-writer service',
} as const;

describe.each(testEngines)('access and tenant isolation on %s', { timeout: 30_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let knownEntryId: string;
  const cookies = {} as Record<Role, string>;
  /** A second session per role, for the logout rows (logging out ends the session). */
  const logoutCookies = {} as Record<Role, string>;
  const bearerTokens = {} as Record<Exclude<Caller, Role | 'anonymous'>, string>;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const prisma = server.db.prisma;
    org = await server.createOrganization('Matrix Org');
    await Promise.all(
      ROLES.map(async (role) => {
        cookies[role] = await server.signIn(org.users[role].email);
        logoutCookies[role] = await server.signIn(org.users[role].email);
      }),
    );

    bearerTokens['API key [audit:read]'] = await org.createApiKey(['audit:read'], KEY_NAMES['API key [audit:read]']);
    bearerTokens['API key [audit:write]'] = await org.createApiKey(['audit:write'], KEY_NAMES['API key [audit:write]']);
    bearerTokens['API key [audit:read, audit:write]'] = await org.createApiKey(
      ['audit:read', 'audit:write'],
      KEY_NAMES['API key [audit:read, audit:write]'],
    );

    // The revoked key works before it is revoked, so the refusals below are the revocation's doing.
    const revoked = await asSetup(() =>
      createApiKey(prisma, org.id, { name: 'Revoked service', scopes: ['audit:read', 'audit:write'] }),
    );
    expect((await rawQuery(server.url, 'audit.list', {}, bearer(revoked.key))).status).toBe(200);
    expect(await asSetup(() => revokeApiKey(prisma, org.id, revoked.id))).toBe(true);
    bearerTokens['revoked API key'] = revoked.key;

    const expired = await asSetup(() =>
      createApiKey(prisma, org.id, {
        name: 'Expired service',
        scopes: ['audit:read', 'audit:write'],
        expiresAt: new Date(Date.now() - 60_000),
      }),
    );
    bearerTokens['expired API key'] = expired.key;
    bearerTokens['garbage bearer token'] = 'not-a-key';
    bearerTokens['unknown well-formed API key'] = `alk_${'A'.repeat(12)}_${'a'.repeat(43)}`;

    const [first] = (await storedEntries(prisma, org.id)).filter((entry) => entry.entityType === 'organization');
    if (!first) throw new Error('creating an organization should have written its own entry');
    knownEntryId = first.id;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  function headersFor(caller: Caller, procedure: Procedure): Record<string, string> {
    if (caller === 'anonymous') return {};
    if (isRole(caller)) return withCookie(procedure === 'auth.logout' ? logoutCookies[caller] : cookies[caller]);
    return bearer(bearerTokens[caller]);
  }

  function send(procedure: Procedure, headers: Record<string, string>, entityId: string): Promise<RawResponse> {
    switch (procedure) {
      case 'audit.list':
        return rawQuery(server.url, 'audit.list', { pageSize: 100 }, headers);
      case 'audit.get':
        return rawQuery(server.url, 'audit.get', { id: knownEntryId }, headers);
      case 'audit.record':
        return rawMutation(server.url, 'audit.record', { action: 'export', entityType: 'report', entityId }, headers);
      case 'auth.me':
        return rawQuery(server.url, 'auth.me', undefined, headers);
      case 'auth.logout':
        return rawMutation(server.url, 'auth.logout', undefined, headers);
    }
  }

  it.each(ROWS)('$name', async ({ procedure, caller, expected }) => {
    const prisma = server.db.prisma;
    const headers = headersFor(caller, procedure);
    const entityId = `matrix-${caller.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const response = await send(procedure, headers, entityId);

    if (expected.kind === 'refused') {
      expect(response.status, response.text).toBe(expected.status);
      expect(response.error?.data.code).toBe(expected.code);
      expect(response.error?.data.httpStatus).toBe(expected.status);
      if (typeof expected.message === 'string') expect(response.error?.message).toBe(expected.message);
      else expect(response.error?.message).toMatch(expected.message);
      expect(response.data).toBeUndefined();
      if (procedure === 'audit.record') {
        expect(await prisma.auditLog.count({ where: { entityId } })).toBe(0);
      }
      return;
    }

    expect(response.status, response.text).toBe(200);
    if (expected.kind === 'null') {
      expect(response.body).toEqual({ result: { data: null } });
      return;
    }

    switch (procedure) {
      case 'audit.list': {
        const data = response.data as { items: { id: string }[]; total: number };
        expect(data.total).toBeGreaterThan(0);
        expect(data.items.map((item) => item.id)).toContain(knownEntryId);
        break;
      }
      case 'audit.get': {
        expect(response.data).toMatchObject({
          id: knownEntryId,
          action: 'create',
          entity: { type: 'organization', id: org.id },
        });
        break;
      }
      case 'audit.record': {
        const { id } = response.data as { id: string };
        const row = await prisma.auditLog.findUniqueOrThrow({ where: { id } });
        expect(row).toMatchObject({ organizationId: org.id, action: 'export', entityType: 'report', entityId });
        if (isRole(caller)) {
          expect(row).toMatchObject({
            actorType: 'USER',
            actorUserId: org.users[caller].id,
            actorName: org.users[caller].name,
          });
        } else {
          expect(row).toMatchObject({
            actorType: 'SYSTEM',
            actorUserId: null,
            actorName: KEY_NAMES[caller as keyof typeof KEY_NAMES],
          });
        }
        break;
      }
      case 'auth.me': {
        if (!isRole(caller)) throw new Error(`auth.me cannot be allowed for ${caller}`);
        const user = org.users[caller];
        const roleLabel = {
          OWNER: 'Owner',
          ADMIN: 'Admin',
          TECHNICIAN: 'Technician',
          BILLING: 'Billing',
          READ_ONLY: 'Read-only',
        }[caller];
        // The page shows the link to the log from this flag alone: it must say what audit.list would answer.
        const canReadAuditLog = caller === 'OWNER' || caller === 'ADMIN';
        expect(response.data).toEqual({
          id: user.id,
          name: user.name,
          email: user.email,
          role: caller,
          roleLabel,
          canReadAuditLog,
          organizationId: org.id,
        });
        break;
      }
      case 'auth.logout': {
        expect(response.data).toEqual({ ok: true });
        // The session is over: the same cookie no longer identifies anyone.
        expect((await rawQuery(server.url, 'auth.me', undefined, headers)).data).toBeNull();
        break;
      }
    }
  });

  describe('beyond the matrix', () => {
    let other: TestOrganization;
    beforeAll(async () => {
      other = await server.createOrganization('Changing Org');
    }, 60_000);

    it('applies a role change to the next request of an existing session', async () => {
      const cookie = await server.signIn(other.users.ADMIN.email);
      expect((await rawQuery(server.url, 'audit.list', {}, withCookie(cookie))).status).toBe(200);

      await asSetup(() =>
        server.db.prisma.user.update({ where: { id: other.users.ADMIN.id }, data: { role: 'READ_ONLY' } }),
      );
      try {
        const demoted = await rawQuery(server.url, 'audit.list', {}, withCookie(cookie));
        expect(demoted.status).toBe(403);
        expect(demoted.error?.message).toBe('Audit Logs are restricted to the Owner and Admin roles.');
        expect(
          (await rawQuery<{ role: string }>(server.url, 'auth.me', undefined, withCookie(cookie))).data?.role,
        ).toBe('READ_ONLY');
      } finally {
        await asSetup(() =>
          server.db.prisma.user.update({ where: { id: other.users.ADMIN.id }, data: { role: 'ADMIN' } }),
        );
      }
    });

    it("ends a deactivated user's sessions at once and clears the cookie", async () => {
      const cookie = await server.signIn(other.users.BILLING.email);
      expect((await rawQuery(server.url, 'auth.me', undefined, withCookie(cookie))).data).not.toBeNull();

      await asSetup(() =>
        server.db.prisma.user.update({ where: { id: other.users.BILLING.id }, data: { deactivatedAt: new Date() } }),
      );
      const me = await rawQuery(server.url, 'auth.me', undefined, withCookie(cookie));
      expect(me.data).toBeNull();
      expect(me.headers.getSetCookie().some((c) => /^auditlog_session=;/.test(c) && /Max-Age=0/i.test(c))).toBe(true);
      const write = await rawMutation(
        server.url,
        'audit.record',
        { action: 'export', entityType: 'report', entityId: 'x' },
        withCookie(cookie),
      );
      expect(write.status).toBe(401);
      expect(write.error?.data.code).toBe('UNAUTHORIZED');
    });

    it('refuses to create an API key without scopes', async () => {
      await expect(
        asSetup(() => createApiKey(server.db.prisma, other.id, { name: 'No scopes', scopes: [] })),
      ).rejects.toThrow(/at least one scope/);
      expect(await server.db.prisma.apiKey.count({ where: { organizationId: other.id, name: 'No scopes' } })).toBe(0);
    });

    it('lets a bearer token decide even next to a valid session cookie: a bad one is refused', async () => {
      const cookie = await server.signIn(other.users.OWNER.email);
      const response = await rawQuery(server.url, 'audit.list', {}, { ...withCookie(cookie), ...bearer('not-a-key') });
      expect(response.status).toBe(401);
      expect(response.error?.message).toMatch(/invalid, revoked or expired/);
    });
  });

  describe('tenant isolation', () => {
    const orgs = {} as Record<
      'A' | 'B',
      { org: TestOrganization; key: string; client: AuditClient; seeded: { id: string; entityId: string }[] }
    >;
    let ownerCookieA: string;

    beforeAll(async () => {
      // A is the matrix's organization; B is a second one. Each records export entries of its own, through the API.
      const b = await server.createOrganization('Tenant B');
      const keyA = bearerTokens['API key [audit:read, audit:write]'];
      const keyB = await b.createApiKey(['audit:read', 'audit:write'], 'Tenant B service');
      for (const [name, tenant, key, count] of [
        ['A', org, keyA, 4],
        ['B', b, keyB, 6],
      ] as const) {
        const client = createAuditClient({ url: server.url, apiKey: key });
        const seeded = [];
        for (let i = 0; i < count; i++) {
          const entityId = `${name}-invoice-${i}`;
          const { id } = await client.audit.record.mutate({ action: 'export', entityType: 'invoice', entityId });
          seeded.push({ id, entityId });
        }
        orgs[name] = { org: tenant, key, client, seeded };
      }
      ownerCookieA = cookies.OWNER;
    }, 60_000);

    it.each(['A', 'B'] as const)('lists only the entries of organization %s: items and totals', async (name) => {
      const own = orgs[name];
      const other = orgs[name === 'A' ? 'B' : 'A'];
      const stored = await storedEntries(server.db.prisma, own.org.id);
      const otherIds = new Set((await storedEntries(server.db.prisma, other.org.id)).map((entry) => entry.id));

      const all = await own.client.audit.list.query({ pageSize: 100 });
      expect(all.total).toBe(stored.length);
      expect(all.items.map((item) => item.id)).toEqual(stored.map((entry) => entry.id));
      expect(all.items.filter((item) => otherIds.has(item.id))).toEqual([]);

      const filtered = await own.client.audit.list.query({ action: 'export', entityType: 'invoice', pageSize: 100 });
      expect(filtered.total).toBe(own.seeded.length);
      expect(filtered.items.map((item) => item.entity.id).sort()).toEqual(
        own.seeded.map((entry) => entry.entityId).sort(),
      );
    });

    it("lists only the caller's organization for a signed-in Owner too", async () => {
      const { items, total } = await createAuditClient({ url: server.url, cookie: ownerCookieA }).audit.list.query({
        pageSize: 100,
      });
      expect(total).toBe((await storedEntries(server.db.prisma, orgs.A.org.id)).length);
      const rows = await server.db.prisma.auditLog.findMany({ where: { id: { in: items.map((item) => item.id) } } });
      expect(rows).toHaveLength(items.length);
      expect(rows.every((row) => row.organizationId === orgs.A.org.id)).toBe(true);
    });

    it.each([
      { caller: 'an API key', headers: () => bearer(orgs.A.key) },
      { caller: 'an Owner session', headers: () => withCookie(ownerCookieA) },
    ])(
      "answers get of another organization's entry exactly like a random id (404 NOT_FOUND) for $caller",
      async ({ headers }) => {
        const foreignId = orgs.B.seeded[0]?.id ?? '';
        // The entry exists, for its own organization.
        expect((await rawQuery(server.url, 'audit.get', { id: foreignId }, bearer(orgs.B.key))).status).toBe(200);

        const foreign = await rawQuery(server.url, 'audit.get', { id: foreignId }, headers());
        const missing = await rawQuery(server.url, 'audit.get', { id: randomUUID() }, headers());
        expect(foreign.status).toBe(404);
        expect(foreign.error?.data.code).toBe('NOT_FOUND');
        expect(foreign.error).toEqual(missing.error);
        expect(foreign.status).toBe(missing.status);
        expect(foreign.text).not.toContain(orgs.B.org.id);
      },
    );

    it.each([
      { caller: 'an API key', headers: () => bearer(orgs.A.key) },
      { caller: 'an Owner session', headers: () => withCookie(ownerCookieA) },
    ])(
      'records into the caller’s organization when the input names another one ($caller): extra keys are stripped',
      async ({ caller, headers }) => {
        const entityId = `smuggled-${caller.replace(/\W+/g, '-')}`;
        const response = await rawMutation<{ id: string; createdAt: string }>(
          server.url,
          'audit.record',
          {
            action: 'export',
            entityType: 'report',
            entityId,
            organizationId: orgs.B.org.id,
            actorUserId: orgs.B.org.users.OWNER.id,
            ipAddress: '6.6.6.6',
            createdAt: '2001-01-01T00:00:00Z',
          },
          headers(),
        );
        // Stripped, not refused: the call succeeds and none of the extra keys has any effect.
        expect(response.status, response.text).toBe(200);
        const id = response.data?.id ?? '';
        const row = await server.db.prisma.auditLog.findUniqueOrThrow({ where: { id } });
        expect(row.organizationId).toBe(orgs.A.org.id);
        expect(row.actorUserId).not.toBe(orgs.B.org.users.OWNER.id);
        expect(row.ipAddress).toBe('127.0.0.1');
        expect(row.createdAt.getUTCFullYear()).toBeGreaterThan(2001);

        expect((await rawQuery(server.url, 'audit.get', { id }, bearer(orgs.B.key))).status).toBe(404);
        expect((await rawQuery(server.url, 'audit.get', { id }, bearer(orgs.A.key))).status).toBe(200);
        const inB = await orgs.B.client.audit.list.query({ entityType: 'report', pageSize: 100 });
        expect(inB.items.map((item) => item.entity.id)).not.toContain(entityId);
      },
    );
  });
});
