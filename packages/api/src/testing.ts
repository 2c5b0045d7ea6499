/**
 * Fixtures shared by the procedure tests of this package and the HTTP tests of the server: an organization with one
 * user per role and API keys, written as the named system actor of test setup (servers and test databases run in
 * strict mode, as in production), limits loose enough that tests which are not about throttling never meet them,
 * entries seeded at chosen times, and the order the API promises (newest first, ties by id descending).
 */
import { runAsSystem, withAuditContext } from '@auditlog/audit';
import type { SystemAuditContext, UserAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { createApiKey, hashPassword, ROLE_LABELS, ROLES } from '@auditlog/auth';
import type { ApiKeyScope } from '@auditlog/auth';
import type { AuditedPrismaClient, Role } from '@auditlog/db';

export const TEST_PASSWORD = 'correct horse battery staple';

/** The system actor of test setup writes (organizations, users, keys). */
export const TEST_SETUP = 'Test setup';

/** Every test signs in from the same address: these limits keep tests that are not about throttling clear of them. */
export const LAX_LOGIN_POLICY = {
  freeAttempts: 1_000,
  accountAttackThreshold: 100_000,
  addressThreshold: 100_000,
} as const;
export const LAX_RECORD_POLICY = { limit: 100_000 } as const;

let counter = 0;
/** A name no other test of the run picks: prefix, time and a counter. */
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

export interface TestUser {
  id: string;
  name: string;
  email: string;
  role: Role;
}

export interface TestOrganization {
  id: string;
  name: string;
  /** One user per role, all with TEST_PASSWORD, named "<Role label> of <organization>". */
  users: Record<Role, TestUser>;
  /** Creates an API key of the organization and returns its secret. */
  createApiKey(scopes: ApiKeyScope[], name?: string): Promise<string>;
}

/** Runs test setup as the named system actor. */
export function asTestSetup<T>(fn: () => PromiseLike<T>): Promise<T> {
  return runAsSystem({ name: TEST_SETUP }, fn);
}

// Hashed once per process: scrypt at production parameters takes a noticeable time.
let passwordHash: Promise<string> | undefined;

export async function createTestOrganization(
  prisma: AuditedPrismaClient,
  name = unique('Org'),
): Promise<TestOrganization> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const hash = await passwordHash;
  const { organization, users } = await asTestSetup(async () => {
    const organization = await prisma.organization.create({ data: { name, slug: unique('org') } });
    const users = {} as Record<Role, TestUser>;
    for (const role of ROLES) {
      const user = await prisma.user.create({
        data: {
          organizationId: organization.id,
          role,
          passwordHash: hash,
          name: `${ROLE_LABELS[role]} of ${name}`,
          email: `${unique(role.toLowerCase())}@example.test`,
        },
      });
      users[role] = { id: user.id, name: user.name, email: user.email, role };
    }
    return { organization, users };
  });
  return {
    id: organization.id,
    name,
    users,
    async createApiKey(scopes, keyName = unique('Service')) {
      return (await asTestSetup(() => createApiKey(prisma, organization.id, { name: keyName, scopes }))).key;
    },
  };
}

export interface SeedEntry {
  action: string;
  entityType: string;
  entityId: string;
  at: Date;
  metadata?: Record<string, unknown>;
}

export interface SeededEntry extends SeedEntry {
  id: string;
  /** ISO 8601 as the API returns it. */
  createdAt: string;
}

/**
 * Writes `entries` into `organizationId`'s log, each stamped at its `at` with the seed clock, as `actor`, with the
 * context the triggers would read. Inserted as the owner (the tests' superuser), not through `record()`: list
 * fixtures need row-change actions, which `record()` refuses to anyone. Returns them with their ids, in order.
 */
export async function seedEntries(
  prisma: AuditedPrismaClient,
  organizationId: string,
  actor: UserAuditContext | SystemAuditContext,
  entries: SeedEntry[],
): Promise<SeededEntry[]> {
  const seeded: SeededEntry[] = [];
  for (const entry of entries) {
    const [row] = await withAuditContext(actor, () =>
      withSeedClock(entry.at, () =>
        prisma.$queryRawUnsafe<{ id: string; createdAt: Date }[]>(
          `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType", "actorUserId",
             "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", metadata)
           SELECT auditlog.next_id(c.at), $1, c.at, $2, $3, $4, c.actor_type::"AuditActorType", c.user_id,
             c.actor_name, c.actor_email, c.ip, c.ua, c.request_id, $5::jsonb
           FROM auditlog.context() c
           RETURNING id::text AS id, "createdAt"`,
          organizationId,
          entry.action,
          entry.entityType,
          entry.entityId,
          entry.metadata ? JSON.stringify(entry.metadata) : null,
        ),
      ),
    );
    if (!row) throw new Error('the fixture entry was not written');
    seeded.push({ ...entry, id: row.id, createdAt: row.createdAt.toISOString() });
  }
  return seeded;
}

/** The API's order: newest first, ties broken by id descending (UUIDs compare as their lower-case hex text). */
export function newestFirst<E extends { id: string; createdAt: string }>(a: E, b: E): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  return 0;
}

/** Every entry of an organization as stored, in the API's order (for building expectations, never for the API). */
export async function storedEntries(prisma: AuditedPrismaClient, organizationId: string) {
  const rows = await prisma.auditLog.findMany({
    where: { organizationId },
    select: { id: true, createdAt: true, action: true, entityType: true, entityId: true, organizationId: true },
  });
  return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })).sort(newestFirst);
}

/**
 * Notes this hour's and the next `hours` hours' reads of the log as recorded for every API key and session the
 * organization has now, so that a test comparing the log with a model of it is not changed by its own reads (each
 * reader's first read of an hour writes an `access` entry, also when the test runs across the hour).
 */
export async function muteAccessEntries(prisma: AuditedPrismaClient, organizationId: string, hours = 3): Promise<void> {
  await prisma.$executeRaw`
    INSERT INTO "AuditAccessMark" (key, hour)
    SELECT reader, date_trunc('hour', now()) + n * interval '1 hour'
    FROM (SELECT 'api-key:' || id AS reader FROM "ApiKey" WHERE "organizationId" = ${organizationId}
          UNION ALL
          SELECT 'session:' || s.id FROM "Session" s JOIN "User" u ON u.id = s."userId"
          WHERE u."organizationId" = ${organizationId}) AS readers, generate_series(0, ${hours}) AS n
    ON CONFLICT DO NOTHING`;
}
