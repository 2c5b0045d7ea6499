/**
 * Who may call what, and whose entries they see, through `createCaller` (moved from the server's HTTP suite; what
 * HTTP adds — status lines, cookies on the wire, the bearer header winning over a cookie — stays there).
 *
 * The access matrix: every procedure × every kind of caller, with the tRPC code, the HTTP status it maps to and the
 * message each refusal must carry. Credentials go through the same `resolveIdentity` as a request's headers. Allowed
 * calls are checked for their effect too (the entry written, the user returned, the session ended), and refused
 * writes for their absence.
 *
 * Tenant isolation: two organizations with entries of their own. Lists never show the other's entries, another
 * organization's entry cannot be told apart from one that does not exist, and recording always writes into the
 * caller's organization, whatever the input says.
 */
import { randomUUID } from 'node:crypto';
import { createApiKey, revokeApiKey, ROLES } from '@auditlog/auth';
import type { Role } from '@auditlog/db';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { asTestSetup, storedEntries } from '../src/testing.ts';
import type { TestOrganization } from '../src/testing.ts';
import { bearer, failureOf, sent, useTestApi } from './support/callers.ts';
import type { ApiCaller, CallerOptions } from './support/callers.ts';

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
const ROLE_FORBIDDEN = refused(403, 'Audit Logs are restricted to the Owner, Admin, and Auditor roles.');
/** The Auditor reads and exports the log and does nothing else: not even the custom actions every other role may record. */
const AUDITOR_RECORDS_NOTHING = refused(403, 'Your role (Auditor) may not record "export". Allowed: none.');
const NO_SESSION = refused(401, /sign in/i);
const BAD_KEY = refused(401, /invalid, revoked or expired/);
const NO_READ_SCOPE = refused(403, /audit:read/);
const NO_WRITE_SCOPE = refused(403, /audit:write/);
const USERS_ONLY = refused(403, /signed-in user/);

/** Columns in the order of CALLERS: 6 roles (the Auditor last), anonymous, 3 valid keys, 4 invalid bearer tokens. */
const MATRIX: Record<Procedure, Outcome[]> = {
  'audit.list': [
    ALLOWED,
    ALLOWED,
    ROLE_FORBIDDEN,
    ROLE_FORBIDDEN,
    ROLE_FORBIDDEN,
    ALLOWED,
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
    ALLOWED,
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
    AUDITOR_RECORDS_NOTHING,
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
  'auth.me': [
    ALLOWED,
    ALLOWED,
    ALLOWED,
    ALLOWED,
    ALLOWED,
    ALLOWED,
    NULL,
    NULL,
    NULL,
    NULL,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
    BAD_KEY,
  ],
  'auth.logout': [
    ALLOWED,
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
  outcome.kind === 'allowed' ? 'allowed' : outcome.kind === 'null' ? 'null' : `${outcome.status} ${outcome.code}`;

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
  const api = useTestApi(engine);
  let org: TestOrganization;
  let knownEntryId: string;
  const cookies = {} as Record<Role, string>;
  /** A second session per role, for the logout rows (logging out ends the session). */
  const logoutCookies = {} as Record<Role, string>;
  const bearerTokens = {} as Record<Exclude<Caller, Role | 'anonymous'>, string>;

  beforeAll(async () => {
    const { prisma, createOrganization, sessionOf, callerWithKey } = api();
    org = await createOrganization('Matrix Org');
    for (const role of ROLES) {
      cookies[role] = await sessionOf(org.users[role]);
      logoutCookies[role] = await sessionOf(org.users[role]);
    }

    bearerTokens['API key [audit:read]'] = await org.createApiKey(['audit:read'], KEY_NAMES['API key [audit:read]']);
    bearerTokens['API key [audit:write]'] = await org.createApiKey(['audit:write'], KEY_NAMES['API key [audit:write]']);
    bearerTokens['API key [audit:read, audit:write]'] = await org.createApiKey(
      ['audit:read', 'audit:write'],
      KEY_NAMES['API key [audit:read, audit:write]'],
    );

    // The revoked key works before it is revoked, so the refusals below are the revocation's doing.
    const revoked = await asTestSetup(() =>
      createApiKey(prisma, org.id, { name: 'Revoked service', scopes: ['audit:read', 'audit:write'] }),
    );
    expect((await (await callerWithKey(revoked.key)).audit.list({})).total).toBeGreaterThan(0);
    expect(await asTestSetup(() => revokeApiKey(prisma, org.id, revoked.id))).toBe(true);
    bearerTokens['revoked API key'] = revoked.key;

    const expired = await asTestSetup(() =>
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

  function credentialsFor(caller: Caller, procedure: Procedure): CallerOptions {
    if (caller === 'anonymous') return {};
    if (isRole(caller)) return { cookie: procedure === 'auth.logout' ? logoutCookies[caller] : cookies[caller] };
    return { authorization: bearer(bearerTokens[caller]) };
  }

  function send(procedure: Procedure, caller: ApiCaller, entityId: string): Promise<unknown> {
    switch (procedure) {
      case 'audit.list':
        return caller.audit.list({ pageSize: 100 });
      case 'audit.get':
        return caller.audit.get({ id: knownEntryId });
      case 'audit.record':
        return caller.audit.record({ action: 'export', entityType: 'report', entityId });
      case 'auth.me':
        return caller.auth.me();
      case 'auth.logout':
        return caller.auth.logout();
    }
  }

  it.each(ROWS)('$name', async ({ procedure, caller, expected }) => {
    const { prisma } = api();
    const credentials = credentialsFor(caller, procedure);
    const entityId = `matrix-${caller.replace(/[^A-Za-z0-9]+/g, '-')}`;
    const response = sent();
    const call = send(procedure, await api().caller(credentials, response), entityId);

    if (expected.kind === 'refused') {
      const failure = await failureOf(call);
      expect(failure.code, failure.message).toBe(expected.code);
      expect(failure.httpStatus).toBe(expected.status);
      if (typeof expected.message === 'string') expect(failure.message).toBe(expected.message);
      else expect(failure.message).toMatch(expected.message);
      expect(failure.issues).toBeNull();
      expect(response.cookies, 'a refusal sets no cookie').toEqual([]);
      if (procedure === 'audit.record') {
        expect(await prisma.auditLog.count({ where: { entityId } })).toBe(0);
      }
      return;
    }

    const data = await call;
    // Only signing out touches the session cookie: no other call signs anyone in or out.
    if (procedure !== 'auth.logout') expect(response.cookies, 'no cookie set').toEqual([]);
    if (expected.kind === 'null') {
      expect(data).toBeNull();
      return;
    }

    switch (procedure) {
      case 'audit.list': {
        const page = data as { items: { id: string }[]; total: number };
        expect(page.total).toBeGreaterThan(0);
        expect(page.items.map((item) => item.id)).toContain(knownEntryId);
        break;
      }
      case 'audit.get': {
        expect(data).toMatchObject({
          id: knownEntryId,
          action: 'create',
          entity: { type: 'organization', id: org.id },
        });
        break;
      }
      case 'audit.record': {
        const { id } = data as { id: string };
        const row = await prisma.auditLog.findFirstOrThrow({ where: { id } });
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
          AUDITOR: 'Auditor',
        }[caller];
        // The page shows the link to the log from this flag alone: it must say what audit.list would answer.
        const canReadAuditLog = caller === 'OWNER' || caller === 'ADMIN' || caller === 'AUDITOR';
        expect(data).toEqual({
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
        expect(data).toEqual({ ok: true });
        // The response clears the cookie, and the session is over: the same cookie no longer identifies anyone.
        expect(response.cookies.map((cookie) => [cookie.value, cookie.attributes.maxAge])).toEqual([['', 0]]);
        expect(await (await api().caller(credentials)).auth.me()).toBeNull();
        break;
      }
    }
  });

  describe('beyond the matrix', () => {
    let other: TestOrganization;
    beforeAll(async () => {
      other = await api().createOrganization('Changing Org');
    }, 60_000);

    it('applies a role change to the next call of an existing session', async () => {
      const { prisma, caller, sessionOf } = api();
      const cookie = await sessionOf(other.users.ADMIN);
      expect((await (await caller({ cookie })).audit.list({})).total).toBeGreaterThan(0);

      await asTestSetup(() => prisma.user.update({ where: { id: other.users.ADMIN.id }, data: { role: 'READ_ONLY' } }));
      try {
        const demoted = await failureOf((await caller({ cookie })).audit.list({}));
        expect(demoted).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
        expect(demoted.message).toBe('Audit Logs are restricted to the Owner, Admin, and Auditor roles.');
        expect((await (await caller({ cookie })).auth.me())?.role).toBe('READ_ONLY');
      } finally {
        await asTestSetup(() => prisma.user.update({ where: { id: other.users.ADMIN.id }, data: { role: 'ADMIN' } }));
      }
    });

    it("ends a deactivated user's sessions at once: the next call is anonymous and the cookie is cleared", async () => {
      const { prisma, caller, sessionOf } = api();
      const cookie = await sessionOf(other.users.BILLING);
      expect(await (await caller({ cookie })).auth.me()).not.toBeNull();

      await asTestSetup(() =>
        prisma.user.update({ where: { id: other.users.BILLING.id }, data: { deactivatedAt: new Date() } }),
      );
      const response = sent();
      expect(await (await caller({ cookie }, response)).auth.me()).toBeNull();
      expect(response.cookies.map((c) => [c.value, c.attributes.maxAge])).toEqual([['', 0]]);
      const write = await failureOf(
        (await caller({ cookie })).audit.record({ action: 'export', entityType: 'report', entityId: 'x' }),
      );
      expect(write).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
    });

    it('refuses to create an API key without scopes', async () => {
      const { prisma } = api();
      await expect(
        asTestSetup(() => createApiKey(prisma, other.id, { name: 'No scopes', scopes: [] })),
      ).rejects.toThrow(/at least one scope/);
      expect(await prisma.apiKey.count({ where: { organizationId: other.id, name: 'No scopes' } })).toBe(0);
    });

    it('lets the bearer token decide even next to a valid session: a bad one is refused', async () => {
      const { caller, sessionOf } = api();
      const cookie = await sessionOf(other.users.OWNER);
      const failure = await failureOf((await caller({ cookie, authorization: bearer('not-a-key') })).audit.list({}));
      expect(failure).toMatchObject({ code: 'UNAUTHORIZED', httpStatus: 401 });
      expect(failure.message).toMatch(/invalid, revoked or expired/);
    });
  });

  describe('tenant isolation', () => {
    const orgs = {} as Record<
      'A' | 'B',
      { org: TestOrganization; key: string; client: ApiCaller; seeded: { id: string; entityId: string }[] }
    >;
    let ownerA: ApiCaller;

    beforeAll(async () => {
      // A is the matrix's organization; B is a second one. Each records export entries of its own, through the API.
      const b = await api().createOrganization('Tenant B');
      const keyA = bearerTokens['API key [audit:read, audit:write]'];
      const keyB = await b.createApiKey(['audit:read', 'audit:write'], 'Tenant B service');
      for (const [name, tenant, key, count] of [
        ['A', org, keyA, 4],
        ['B', b, keyB, 6],
      ] as const) {
        const client = await api().callerWithKey(key);
        const seeded = [];
        for (let i = 0; i < count; i++) {
          const entityId = `${name}-invoice-${i}`;
          const { id } = await client.audit.record({ action: 'export', entityType: 'invoice', entityId });
          seeded.push({ id, entityId });
        }
        orgs[name] = { org: tenant, key, client, seeded };
      }
      ownerA = await api().caller({ cookie: cookies.OWNER });
    }, 60_000);

    it.each(['A', 'B'] as const)('lists only the entries of organization %s: items and totals', async (name) => {
      const { prisma } = api();
      const own = orgs[name];
      const other = orgs[name === 'A' ? 'B' : 'A'];
      // Listed first: a key's first read of the hour writes its access entry, which the list then holds.
      const all = await own.client.audit.list({ pageSize: 100 });
      const stored = await storedEntries(prisma, own.org.id);
      const otherIds = new Set((await storedEntries(prisma, other.org.id)).map((entry) => entry.id));

      expect(all.total).toBe(stored.length);
      expect(all.items.map((item) => item.id)).toEqual(stored.map((entry) => entry.id));
      expect(all.items.filter((item) => otherIds.has(item.id))).toEqual([]);

      const filtered = await own.client.audit.list({ action: 'export', entityType: 'invoice', pageSize: 100 });
      expect(filtered.total).toBe(own.seeded.length);
      expect(filtered.items.map((item) => item.entity.id).sort()).toEqual(
        own.seeded.map((entry) => entry.entityId).sort(),
      );
    });

    it("lists only the caller's organization for a signed-in Owner too", async () => {
      const { prisma } = api();
      const { items, total } = await ownerA.audit.list({ pageSize: 100 });
      expect(total).toBe((await storedEntries(prisma, orgs.A.org.id)).length);
      const rows = await prisma.auditLog.findMany({ where: { id: { in: items.map((item) => item.id) } } });
      expect(rows).toHaveLength(items.length);
      expect(rows.every((row) => row.organizationId === orgs.A.org.id)).toBe(true);
    });

    it.each([
      { caller: 'an API key', make: () => orgs.A.client },
      { caller: 'an Owner session', make: () => ownerA },
    ])(
      "answers get of another organization's entry exactly like a random id (NOT_FOUND) for $caller",
      async ({ make }) => {
        const foreignId = orgs.B.seeded[0]?.id ?? '';
        // The entry exists, for its own organization.
        expect((await orgs.B.client.audit.get({ id: foreignId })).id).toBe(foreignId);

        const foreign = await failureOf(make().audit.get({ id: foreignId }));
        const missing = await failureOf(make().audit.get({ id: randomUUID() }));
        expect(foreign.httpStatus).toBe(404);
        expect(foreign.code).toBe('NOT_FOUND');
        expect(foreign).toEqual(missing);
        expect(foreign.httpStatus).toBe(missing.httpStatus);
        expect(JSON.stringify(foreign)).not.toContain(orgs.B.org.id);
      },
    );

    it.each([
      { caller: 'an API key', make: () => orgs.A.client },
      { caller: 'an Owner session', make: () => ownerA },
    ])(
      'records into the caller’s organization when the input names another one ($caller): extra keys are stripped',
      async ({ caller, make }) => {
        const { prisma } = api();
        const entityId = `smuggled-${caller.replace(/\W+/g, '-')}`;
        const input = {
          action: 'export',
          entityType: 'report',
          entityId,
          organizationId: orgs.B.org.id,
          actorUserId: orgs.B.org.users.OWNER.id,
          ipAddress: '6.6.6.6',
          createdAt: '2001-01-01T00:00:00Z',
        };
        // Stripped, not refused: the call succeeds and none of the extra keys has any effect.
        const { id } = await make().audit.record(input);
        expect(id).toEqual(expect.any(String));
        const row = await prisma.auditLog.findFirstOrThrow({ where: { id } });
        expect(row.organizationId).toBe(orgs.A.org.id);
        expect(row.actorUserId).not.toBe(orgs.B.org.users.OWNER.id);
        expect(row.ipAddress).toBe('127.0.0.1');
        expect(row.createdAt.getUTCFullYear()).toBeGreaterThan(2001);

        expect((await failureOf(orgs.B.client.audit.get({ id }))).httpStatus).toBe(404);
        expect((await orgs.A.client.audit.get({ id })).id).toBe(id);
        const inB = await orgs.B.client.audit.list({ entityType: 'report', pageSize: 100 });
        expect(inB.items.map((item) => item.entity.id)).not.toContain(entityId);
      },
    );
  });
});
