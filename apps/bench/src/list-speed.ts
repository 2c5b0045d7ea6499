/**
 * List speed at scale: 1,000,000 entries in one organization among ten (the nine others hold 100,000 each), loaded
 * with set-based SQL over 90 days with a realistic mix of actions and entity types, then `audit.list` with its exact
 * total through the real router (validation, counts, entity labels), p50 and p95 per case.
 */
import { appRouter, createApiServices, createCallerFactory, createContextInner } from '@auditlog/api';
import type { ListInput } from '@auditlog/api';
import { auditRegistry } from '@auditlog/db';
import type { Database } from '@auditlog/db';
import type { Session, User } from 'lucia';
import { median, percentile, time } from './stats.ts';
import { ACTIONS, ENTITY_TYPES } from './log-vocabulary.ts';

export interface ListResult {
  case: string;
  p50: number;
  p95: number;
  total: number;
}

const DAY = 86_400_000;

/** `(ARRAY[…])[index]` picking by weight from a 0–99 bucket. */
function weighted(values: readonly (readonly [string, number])[], bucket: string): string {
  const cells: string[] = [];
  for (const [value, weight] of values) for (let i = 0; i < weight; i++) cells.push(`'${value}'`);
  return `(ARRAY[${cells.join(',')}])[1 + (${bucket})]`;
}

/** Inserts `count` entries for `organizationId`, evenly over the last 90 days, in one statement per 100,000. */
export async function loadEntries(
  sql: (text: string) => Promise<void>,
  organizationId: string,
  count: number,
  users: { id: string; name: string; email: string }[],
) {
  const chunk = 100_000;
  const span = 90 * DAY;
  for (let offset = 0; offset < count; offset += chunk) {
    const n = Math.min(chunk, count - offset);
    const user = (i: number) => users[i % users.length];
    const userCase = (field: 'id' | 'name' | 'email') =>
      `CASE g % ${users.length} ${users.map((_, i) => `WHEN ${i} THEN '${user(i)?.[field]}'`).join(' ')} END`;
    await sql(`
      INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType",
        "actorUserId", "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", changes)
      SELECT "${auditRegistry.internalSchema}".next_id(t), '${organizationId}', t,
        ${weighted(ACTIONS, '(g::bigint * 7919) % 100')}, ${weighted(ENTITY_TYPES, '(g::bigint * 104729) % 100')},
        'rec' || (g % 50000), CASE WHEN g % 20 = 0 THEN 'SYSTEM' ELSE 'USER' END::"AuditActorType",
        CASE WHEN g % 20 = 0 THEN NULL ELSE ${userCase('id')} END,
        CASE WHEN g % 20 = 0 THEN 'RMM sync' ELSE ${userCase('name')} END,
        CASE WHEN g % 20 = 0 THEN NULL ELSE ${userCase('email')} END,
        '203.0.113.' || (g % 250), 'Mozilla/5.0 (bench)', 'req_' || (g / 4), '{"status":{"before":"OPEN","after":"RESOLVED"}}'::jsonb
      FROM generate_series(${offset + 1}, ${offset + n}) AS g,
        LATERAL (SELECT date_trunc('milliseconds', now() - interval '1 hour' - (g * ${span / count}::float8 * interval '1 millisecond')) AS t) AS at`);
  }
}

/** Ten organizations (the first is measured) and the first one's admin, who reads its log. */
async function createOrganizations(prisma: Database['prisma']) {
  const organizations = [];
  for (let i = 0; i < 10; i++)
    organizations.push(
      await prisma.organization.create({ data: { name: `Bench ${i}`, slug: `bench-list-${i}-${Date.now()}` } }),
    );
  const [target] = organizations;
  if (!target) throw new Error('no organization');
  const admin = await prisma.user.create({
    data: {
      organizationId: target.id,
      name: 'List Admin',
      email: `list-admin-${Date.now()}@example.test`,
      passwordHash: 'x',
      role: 'ADMIN',
    },
  });
  return { organizations, target, admin };
}

/** The router called as the signed-in admin, with no HTTP in between. */
export async function callerFor(
  prisma: Database['prisma'],
  admin: { id: string; name: string; email: string; role: User['role'] },
  organizationId: string,
) {
  const user = { id: admin.id, name: admin.name, email: admin.email, role: admin.role, organizationId } satisfies User;
  const session = {
    id: 'bench',
    userId: admin.id,
    expiresAt: new Date(Date.now() + DAY),
    fresh: false,
    ipAddress: null,
    userAgent: null,
  } satisfies Session;
  return createCallerFactory(appRouter)(
    createContextInner(await createApiServices(prisma, { secureCookies: false }), {
      identity: { kind: 'user', user, session },
    }),
  );
}

export type Caller = Awaited<ReturnType<typeof callerFor>>;

/**
 * The investigation filters on this load's log: its three users each write about a third of it, System the rest;
 * 250 addresses of one /24 share every day; a record has about 20 entries, a request 4. The record and the request
 * are taken from the log itself, a month back.
 */
async function investigationCases(
  prisma: Database['prisma'],
  organizationId: string,
  userId: string,
): Promise<[string, ListInput][]> {
  const [sample] = await prisma.$queryRaw<{ entityType: string; entityId: string; requestId: string }[]>`
    SELECT "entityType", "entityId", "requestId" FROM "AuditLog" WHERE "organizationId" = ${organizationId}
      AND "createdAt" < now() - interval '30 days' AND "requestId" IS NOT NULL
    ORDER BY "createdAt" DESC, id DESC LIMIT 1`;
  if (!sample) throw new Error('no entry to take a record and a request from');
  const page = { page: 1, pageSize: 25 };
  return [
    ['actor = a user (≈32%)', { actor: { type: 'user', id: userId }, ...page }],
    ['actor = System (RMM sync, 5%)', { actor: { type: 'system', name: 'RMM sync' }, ...page }],
    ['IP exact (0.4%)', { ip: '203.0.113.7', ...page }],
    ['IP CIDR 203.0.113.0/24 (every entry)', { ip: '203.0.113.0/24', ...page }],
    ['record (≈20 entries)', { entityType: sample.entityType, entityId: sample.entityId, ...page }],
    ['request id (4 entries, a month ago)', { requestId: sample.requestId, ...page }],
  ];
}

/** The measured inputs: each filter alone, all together, and page 2,000 by number and by cursor. */
async function listCases(caller: Caller): Promise<[string, ListInput][]> {
  const now = Date.now();
  const page1999 = await caller.audit.list({ page: 1999 });
  const deepCursor = page1999.nextCursor ?? undefined;
  return [
    ['no filter', { page: 1, pageSize: 25 }],
    ['action = delete', { action: 'delete', page: 1, pageSize: 25 }],
    ['entity type = ticket', { entityType: 'ticket', page: 1, pageSize: 25 }],
    ['start date (last 7 days)', { startDate: new Date(now - 7 * DAY).toISOString(), page: 1, pageSize: 25 }],
    ['end date (older than 30 days)', { endDate: new Date(now - 30 * DAY).toISOString(), page: 1, pageSize: 25 }],
    [
      'all filters together',
      {
        action: 'update',
        entityType: 'invoice',
        startDate: new Date(now - 45 * DAY).toISOString(),
        endDate: new Date(now - 15 * DAY).toISOString(),
        page: 1,
        pageSize: 25,
      },
    ],
    ['page 2,000 by page number', { page: 2000, pageSize: 25 }],
    ['page 2,000 by cursor', { page: 1, pageSize: 25, cursor: deepCursor }],
  ];
}

/** One warm-up call, then `samples` timed calls of one case. */
async function measureCase(caller: Caller, name: string, input: ListInput, samples: number): Promise<ListResult> {
  await caller.audit.list(input); // warm
  const timings: number[] = [];
  let total = 0;
  for (let i = 0; i < samples; i++) {
    timings.push(
      await time(async () => {
        const page = await caller.audit.list(input);
        total = page.total;
        if (name.includes('2,000') && page.page !== 2000) throw new Error(`expected page 2000, got ${page.page}`);
      }),
    );
  }
  return { case: name, p50: median(timings), p95: percentile(timings, 95), total };
}

export async function measureListSpeed(
  db: Database,
  sql: (text: string) => Promise<void>,
  options: { entries: number; others: number; samples: number },
  log: (line: string) => void,
): Promise<{ results: ListResult[]; loadSeconds: number; firstCountMs: number }> {
  const prisma = db.prisma;
  const { organizations, target, admin } = await createOrganizations(prisma);
  const users = [
    admin,
    { id: 'u2', name: 'Tara Chen', email: 'tara@example.test' },
    { id: 'u3', name: 'Ben Okafor', email: 'ben@example.test' },
  ];

  const started = performance.now();
  log(
    `  loading ${options.entries.toLocaleString('en-US')} entries, and ${options.others.toLocaleString('en-US')} in each of 9 other organizations…`,
  );
  await loadEntries(sql, target.id, options.entries, users);
  for (const other of organizations.slice(1)) await loadEntries(sql, other.id, options.others, users);
  await sql('VACUUM ANALYZE "AuditLog"');
  const loadSeconds = (performance.now() - started) / 1000;

  const caller = await callerFor(prisma, admin, target.id);
  // The first total after the load counts the final hours once (lazily, by the first reader): measured apart.
  const firstCountMs = await time(() => caller.audit.list({}));

  const results: ListResult[] = [];
  const cases = [...(await listCases(caller)), ...(await investigationCases(prisma, target.id, admin.id))];
  for (const [name, input] of cases) {
    const result = await measureCase(caller, name, input, options.samples);
    results.push(result);
    log(`  ${name}: p95 ${result.p95.toFixed(1)} ms`);
  }
  return { results, loadSeconds, firstCountMs };
}
