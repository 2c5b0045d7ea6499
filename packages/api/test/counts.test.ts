/**
 * Totals assembled from hourly counts and exact edges equal a plain count(*), for every filter and any date range,
 * before and after the counts are filled, and as new entries arrive.
 */
import { record, runAsSystem } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { describe, expect, it } from 'vitest';
import type { Prisma } from '@auditlog/db';
import { countAndLocate, countEntries, ensureDailyCounts } from '../src/services/audit-counts.ts';
import { allOf, entryConditions } from '../src/services/audit-filters.ts';
import type { AuditFilters as CountFilters } from '../src/services/audit-filters.ts';

const HOUR = 3_600_000;

describe.each(testEngines)('exact totals on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('equal count(*) for every filter and range, as hours are counted and entries keep coming', async () => {
    const prisma = db().prisma;
    const organization = await prisma.organization.create({ data: { name: 'Counts', slug: `counts-${Date.now()}` } });
    const other = await prisma.organization.create({ data: { name: 'Other', slug: `other-${Date.now()}` } });
    const now = Date.now();
    const actions = ['login', 'export', 'view', 'sync'];
    const types = ['user', 'ticket', 'invoice'];
    // 240 entries over the last ten days, at irregular minutes, plus noise in another organization.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    await runAsSystem({ name: 'Test' }, async () => {
      for (let i = 0; i < 240; i++) {
        const at = new Date(now - Math.floor(next() * 240 * HOUR));
        const org = next() < 0.85 ? organization.id : other.id;
        await withSeedClock(at, () =>
          record(prisma, {
            organizationId: org,
            action: actions[i % 4] ?? 'view',
            entityType: types[i % 3] ?? 'user',
            entityId: `e${i}`,
          }),
        );
      }
    });

    const brute = async (filters: CountFilters) => {
      const where = {
        organizationId: organization.id,
        ...(filters.action ? { action: filters.action } : {}),
        ...(filters.entityType ? { entityType: filters.entityType } : {}),
        createdAt: { ...(filters.start ? { gte: filters.start } : {}), ...(filters.end ? { lte: filters.end } : {}) },
      };
      return prisma.auditLog.count({ where });
    };
    const caseName = (filters: CountFilters) =>
      JSON.stringify({ ...filters, start: filters.start?.toISOString(), end: filters.end?.toISOString() });
    const cases: CountFilters[] = [{}];
    for (const action of [undefined, 'login', 'export']) {
      for (const entityType of [undefined, 'ticket']) {
        for (const [startHours, endHours] of [
          [null, null],
          [70.5, null],
          [null, 1.25],
          [48.1, 12.9],
          [30, 29.5],
          [0.4, null],
          [100, 0],
          [200.3, 50.7],
          [239, 25],
        ] as const) {
          cases.push({
            action,
            entityType,
            start: startHours === null ? undefined : new Date(now - startHours * HOUR),
            end: endHours === null ? undefined : new Date(now - endHours * HOUR),
          });
        }
      }
    }

    for (const filters of cases)
      expect(await countEntries(prisma, organization.id, filters), caseName(filters)).toBe(await brute(filters));
    const counted = await ensureDailyCounts(prisma, organization.id);
    expect(counted).toBeInstanceOf(Date);
    expect(await prisma.auditLogDailyCount.count({ where: { organizationId: organization.id } })).toBeGreaterThan(5);

    // New entries in the open hour are counted exactly, without touching the hourly counts.
    await runAsSystem({ name: 'Test' }, async () => {
      for (let i = 0; i < 5; i++)
        await record(prisma, {
          organizationId: organization.id,
          action: 'login',
          entityType: 'user',
          entityId: `late${i}`,
        });
    });
    for (const filters of cases)
      expect(await countEntries(prisma, organization.id, filters), `${caseName(filters)}, after filling`).toBe(
        await brute(filters),
      );
    // Filling is idempotent: a second call counts nothing twice.
    await ensureDailyCounts(prisma, organization.id);
    expect(await countEntries(prisma, organization.id, {})).toBe(await brute({}));
  }, 120_000);
});

describe.each(testEngines)('exact totals of the investigation filters on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('equal count(*) per actor, IP address and request, and their spans hold every matching entry', async () => {
    const prisma = db().prisma;
    const organization = await prisma.organization.create({ data: { name: 'Facets', slug: `facets-${Date.now()}` } });
    const other = await prisma.organization.create({ data: { name: 'Other', slug: `facets-other-${Date.now()}` } });
    // 400 entries over the last ten days (and a few in another organization): users, integrations, anonymous and
    // unattributed callers; IPv4, IPv6, a mapped address, text that is no address and none; requests of 1–3 entries.
    const write = (organizationId: string, count: number, spreadHours: number) =>
      prisma.$executeRawUnsafe(
        `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType",
           "actorUserId", "actorName", "ipAddress", "requestId")
         SELECT auditlog.next_id(t.at), $1, t.at, 'update', 'ticket', 'tk_' || n, k.kind::"AuditActorType",
           CASE WHEN k.kind = 'USER' THEN 'u' || (n % 4) END,
           CASE WHEN k.kind = 'SYSTEM' THEN (ARRAY['RMM sync', 'Billing run'])[1 + n % 2] END,
           (ARRAY['203.0.113.' || (n % 3), '198.51.100.7', '2001:db8::' || (n % 2), '::ffff:203.0.113.1',
             'not an address', NULL, '203.0.114.9'])[1 + (n * 3) % 7],
           CASE WHEN n % 5 <> 0 THEN 'req_' || (n / 3) END
         FROM generate_series(1, $2) AS n,
           LATERAL (SELECT (ARRAY['USER', 'USER', 'USER', 'SYSTEM', 'ANONYMOUS', 'UNATTRIBUTED'])[1 + (n * 5) % 6] AS kind) k,
           LATERAL (SELECT date_trunc('milliseconds', now() - make_interval(secs => ((n * 7919) % $2) * $3::float8 * 3600.0 / $2)) AS at) t`,
        organizationId,
        count,
        spreadHours,
      );
    await write(organization.id, 400, 240);
    await write(other.id, 40, 240);

    const brute = async (filters: CountFilters, location?: Prisma.Sql | null) => {
      const conditions = [...entryConditions(organization.id, filters), ...(location ? [location] : [])];
      const [row] = await prisma.$queryRaw<
        { n: bigint }[]
      >`SELECT count(*) AS n FROM "AuditLog" WHERE ${allOf(conditions)}`;
      return Number(row?.n ?? 0);
    };
    const now = Date.now();
    const filterCases: CountFilters[] = [
      { actor: { type: 'user', ids: ['u1'] } },
      { actor: { type: 'user', ids: ['u0', 'u3'] } },
      { actor: { type: 'user', ids: ['nobody'] } },
      { actor: { type: 'system' } },
      { actor: { type: 'system', name: 'RMM sync' } },
      { actor: { type: 'anonymous' } },
      { actor: { type: 'unattributed' } },
      { ip: '203.0.113.1' },
      { ip: '203.0.113.0/24' },
      { ip: '203.0.0.0/16' },
      { ip: '2001:db8::1' },
      { ip: '2001:db8::/32' },
      { ip: '::ffff:203.0.113.1' },
      { requestId: 'req_10' },
      { requestId: 'req_100' },
      { requestId: 'req_none' },
    ];
    const cases: CountFilters[] = [];
    for (const filters of filterCases) {
      for (const [startHours, endHours] of [
        [null, null],
        [70.5, null],
        [null, 1.25],
        [200.3, 50.7],
        [30, 29.5],
      ] as const) {
        cases.push({
          ...filters,
          start: startHours === null ? undefined : new Date(now - startHours * HOUR),
          end: endHours === null ? undefined : new Date(now - endHours * HOUR),
        });
      }
    }
    const name = (filters: CountFilters) =>
      JSON.stringify({ ...filters, start: filters.start?.toISOString(), end: filters.end?.toISOString() });
    const check = async (when: string) => {
      for (const filters of cases) {
        const expected = await brute(filters);
        const { total, location } = await countAndLocate(prisma, organization.id, filters);
        expect(total, `${name(filters)}, ${when}`).toBe(expected);
        // Where the counts say the entries are, all of them are.
        expect(await brute(filters, location), `${name(filters)} in its spans, ${when}`).toBe(expected);
      }
    };

    await check('counts filled by the first total');
    const facets = ['AuditLogActorDailyCount', 'AuditLogIpDailyCount', 'AuditLogRequestDailyCount'] as const;
    for (const table of facets) {
      const [row] = await prisma.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT count(*) AS n FROM "${table}" WHERE "organizationId" = $1`,
        organization.id,
      );
      expect(Number(row?.n), table).toBeGreaterThan(5);
    }
    // A rare value's entries are looked for in its spans only; a value of every day is looked for everywhere.
    expect((await countAndLocate(prisma, organization.id, { requestId: 'req_10' })).location).not.toBeNull();
    const everyone: CountFilters = { actor: { type: 'user', ids: ['u0', 'u1', 'u2', 'u3'] } };
    expect((await countAndLocate(prisma, organization.id, everyone)).location).toBeNull();

    // Entries arriving after the counting, in today's open day, are counted from the entries.
    await write(organization.id, 60, 0.5);
    await check('after new entries');
    await ensureDailyCounts(prisma, organization.id);
    await check('after a second refresh');
  }, 180_000);
});
