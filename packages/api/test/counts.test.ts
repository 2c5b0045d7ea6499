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

    // Entries arriving after the counting, in the open hour, are counted from the entries. (Written within the last
    // 36 s: the finality rule keeps a minute's margin, and an entry backdated further could fall in a counted hour,
    // which no real write can.)
    await write(organization.id, 60, 0.01);
    await check('after new entries');
    await ensureDailyCounts(prisma, organization.id);
    await check('after a second refresh');
  }, 180_000);
});

describe.each(testEngines)('count buckets on %s', (engine) => {
  const db = useTestDatabase(engine);
  const DAY = 24 * HOUR;
  const tables = [
    'AuditLogDailyCount',
    'AuditLogActorDailyCount',
    'AuditLogIpDailyCount',
    'AuditLogRequestDailyCount',
  ] as const;

  it('counts the open day by the hour and a closed day as one row per key, its hours merged once it is over', async () => {
    const prisma = db().prisma;
    const organization = await prisma.organization.create({ data: { name: 'Buckets', slug: `buckets-${Date.now()}` } });
    const org = organization.id;
    // Entries every 20 minutes over the last 50 hours (all but the last hour are final): users, addresses, requests.
    await prisma.$executeRawUnsafe(
      `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType",
         "actorUserId", "ipAddress", "requestId")
       SELECT auditlog.next_id(t.at), $1, t.at, (ARRAY['update', 'view'])[1 + n % 2], 'ticket', 'tk_' || (n % 7),
         'USER', 'u' || (n % 3), '203.0.113.' || (n % 4), 'req_' || (n / 2)
       FROM generate_series(1, 150) AS n,
         LATERAL (SELECT date_trunc('milliseconds', now() - make_interval(mins => n * 20)) AS at) t`,
      org,
    );
    const entriesBefore = async (until: Date) => {
      const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM "AuditLog" WHERE "organizationId" = ${org} AND "createdAt" < ${until}`;
      return Number(row?.n ?? 0);
    };
    const rows = (table: (typeof tables)[number]) =>
      prisma.$queryRawUnsafe<{ day: Date; count: number }[]>(
        `SELECT day, count FROM "${table}" WHERE "organizationId" = $1 ORDER BY day`,
        org,
      );
    const expectBuckets = async (when: string) => {
      const counted = await ensureDailyCounts(prisma, org);
      if (!counted) throw new Error('nothing counted');
      const openDay = Math.floor(counted.getTime() / DAY) * DAY;
      const expected = await entriesBefore(counted);
      for (const table of tables) {
        const found = await rows(table);
        for (const { day } of found) {
          const at = day.getTime();
          // Before the open day, whole days; in it, hours, all before the horizon.
          if (at < openDay) expect(at % DAY, `${table} ${day.toISOString()}, ${when}`).toBe(0);
          else expect(at % HOUR === 0 && at < counted.getTime(), `${table} ${day.toISOString()}, ${when}`).toBe(true);
        }
        const sum = found.reduce((total, row) => total + Number(row.count), 0);
        expect(sum, `${table}, ${when}`).toBe(expected);
        // The open day's final hours are counted, not left to a scan of today's entries.
        if (counted.getTime() > openDay)
          expect(
            found.some((row) => row.day.getTime() >= openDay),
            `${table} has hours, ${when}`,
          ).toBe(true);
      }
      return { counted, openDay };
    };

    const { openDay } = await expectBuckets('first count');
    const [yesterday] = await prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "AuditLogDailyCount" WHERE "organizationId" = ${org} AND day = ${new Date(openDay - DAY)}`;
    expect(Number(yesterday?.n)).toBeGreaterThan(0);

    // As if the last count had been made at 10:00 of the day before the open one, while that day was open: its
    // first ten hours by the hour, nothing after. The next count must merge that day into whole-day rows.
    const closed = new Date(openDay - DAY);
    const tenAm = new Date(openDay - DAY + 10 * HOUR);
    for (const table of tables)
      await prisma.$executeRawUnsafe(
        `DELETE FROM "${table}" WHERE "organizationId" = $1 AND day >= $2`,
        org,
        closed.toISOString(),
      );
    await prisma.$executeRaw`
      INSERT INTO "AuditLogDailyCount" ("organizationId", day, action, "entityType", count)
      SELECT "organizationId", date_trunc('hour', "createdAt", 'UTC'), action, "entityType", count(*)
      FROM "AuditLog" WHERE "organizationId" = ${org} AND "createdAt" >= ${closed} AND "createdAt" < ${tenAm}
      GROUP BY 1, 2, 3, 4`;
    await prisma.$executeRaw`
      INSERT INTO "AuditLogRequestDailyCount" ("organizationId", "requestId", day, "firstAt", "lastAt", count)
      SELECT "organizationId", "requestId", date_trunc('hour', "createdAt", 'UTC'), min("createdAt"), max("createdAt"), count(*)
      FROM "AuditLog" WHERE "organizationId" = ${org} AND "createdAt" >= ${closed} AND "createdAt" < ${tenAm}
      GROUP BY 1, 2, 3`;
    await prisma.$executeRaw`UPDATE "AuditLogRollup" SET "countedUntil" = ${tenAm} WHERE "organizationId" = ${org}`;
    expect((await rows('AuditLogDailyCount')).some((row) => row.day.getTime() === tenAm.getTime() - HOUR)).toBe(true);

    await expectBuckets('after the day closed');
    for (const filters of [
      {},
      { requestId: 'req_40' },
      { ip: '203.0.113.0/24' },
      { actor: { type: 'user', ids: ['u1'] } },
    ] as CountFilters[]) {
      const [row] = await prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM "AuditLog" WHERE ${allOf(entryConditions(org, filters))}`;
      expect(await countEntries(prisma, org, filters), JSON.stringify(filters)).toBe(Number(row?.n ?? 0));
    }
  }, 120_000);
});
