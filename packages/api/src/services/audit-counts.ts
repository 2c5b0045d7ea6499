/**
 * Exact totals for the list, fast at millions of entries. Counting a million rows costs over 100 ms even from an index,
 * so totals are assembled from daily counts for the days that can no longer change, plus an exact count of the rows
 * outside them: the partial days at the edges of the date range and today.
 *
 * A day is final when no transaction that could still add an entry to it is running: entries are stamped with their
 * statement's time, so none can arrive before the start of the oldest running transaction. The counts are filled
 * lazily, by the first list that needs them, one organization at a time (docs/decisions/007-exact-totals.md). Days,
 * not hours: with every combination of action and entity type, hourly counts held nearly as many rows as entries.
 */
import { createHash } from 'node:crypto';
import type { AuditedPrismaClient } from '@auditlog/db';
import { Prisma } from '@auditlog/db';

export interface CountFilters {
  action?: string;
  entityType?: string;
  /** Inclusive bounds. */
  start?: Date;
  end?: Date;
}

const DAY = 86_400_000;
const floorDay = (date: Date) => new Date(Math.floor(date.getTime() / DAY) * DAY);
const ceilDay = (date: Date) => new Date(Math.ceil(date.getTime() / DAY) * DAY);

/** A 64-bit advisory lock key per organization, so that one reader at a time counts its new days. */
function lockKey(organizationId: string): bigint {
  return createHash('sha256').update(`audit-rollup:${organizationId}`).digest().readBigInt64BE(0);
}

/**
 * The start of the UTC day before which every entry is final: today, or the day in which the oldest running
 * transaction began. `pg_stat_activity` shows other roles' transactions only to roles with pg_read_all_stats; the
 * one-minute margin covers clock rounding.
 */
const FINAL_BEFORE = Prisma.sql`date_trunc('day', least(
  now() - interval '1 minute',
  coalesce((SELECT min(xact_start) FROM pg_stat_activity
            WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()), now())
))`;

/** Counts the organization's newly final days, if any; returns the day up to which counts exist. */
export async function ensureDailyCounts(prisma: AuditedPrismaClient, organizationId: string): Promise<Date | null> {
  const [state] = await prisma.$queryRaw<{ counted: Date | null; final: Date }[]>`
    SELECT (SELECT "countedUntil" FROM "AuditLogRollup" WHERE "organizationId" = ${organizationId}) AS counted,
           ${FINAL_BEFORE} AS final`;
  if (!state) return null;
  if (state.counted && state.counted >= state.final) return state.counted;

  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${lockKey(organizationId)})`;
      const [locked] = await tx.$queryRaw<{ counted: Date | null; final: Date }[]>`
        SELECT (SELECT "countedUntil" FROM "AuditLogRollup" WHERE "organizationId" = ${organizationId}) AS counted,
               ${FINAL_BEFORE} AS final`;
      if (!locked) return null;
      if (locked.counted && locked.counted >= locked.final) return locked.counted; // another reader just did it
      const from = locked.counted ? Prisma.sql`AND "createdAt" >= ${locked.counted}` : Prisma.empty;
      await tx.$executeRaw`
        INSERT INTO "AuditLogDailyCount" ("organizationId", day, action, "entityType", count)
        SELECT "organizationId", date_trunc('day', "createdAt" AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', action, "entityType", count(*)
        FROM "AuditLog"
        WHERE "organizationId" = ${organizationId} ${from} AND "createdAt" < ${locked.final}
        GROUP BY 1, 2, 3, 4`;
      await tx.$executeRaw`
        INSERT INTO "AuditLogRollup" ("organizationId", "countedUntil") VALUES (${organizationId}, ${locked.final})
        ON CONFLICT ("organizationId") DO UPDATE SET "countedUntil" = EXCLUDED."countedUntil"`;
      return locked.final;
    },
    { timeout: 120_000 },
  );
}

function conditions(organizationId: string, filters: CountFilters): Prisma.Sql[] {
  const where = [Prisma.sql`"organizationId" = ${organizationId}`];
  if (filters.action) where.push(Prisma.sql`action = ${filters.action}`);
  if (filters.entityType) where.push(Prisma.sql`"entityType" = ${filters.entityType}`);
  return where;
}

/** The exact number of the organization's entries matching `filters`. */
export async function countEntries(prisma: AuditedPrismaClient, organizationId: string, filters: CountFilters): Promise<number> {
  const countedUntil = await ensureDailyCounts(prisma, organizationId);
  const base = conditions(organizationId, filters);
  const inRange = [
    ...base,
    ...(filters.start ? [Prisma.sql`"createdAt" >= ${filters.start}`] : []),
    ...(filters.end ? [Prisma.sql`"createdAt" <= ${filters.end}`] : []),
  ];

  // The whole days inside the range that are counted already: [from, to).
  const from = filters.start ? ceilDay(filters.start) : null;
  const endBound = filters.end ? floorDay(new Date(filters.end.getTime() + 1)) : null;
  const to = countedUntil && endBound ? (endBound < countedUntil ? endBound : countedUntil) : countedUntil;
  if (!to || (from && from >= to)) {
    const [row] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "AuditLog" WHERE ${Prisma.join(inRange, ' AND ')}`;
    return Number(row?.n ?? 0);
  }

  const days = [...base, ...(from ? [Prisma.sql`day >= ${from}`] : []), Prisma.sql`day < ${to}`];
  const outside = from
    ? Prisma.sql`("createdAt" < ${from} OR "createdAt" >= ${to})`
    : Prisma.sql`"createdAt" >= ${to}`;
  const [row] = await prisma.$queryRaw<{ counted: bigint | null; rest: bigint }[]>`
    SELECT (SELECT sum(count) FROM "AuditLogDailyCount" WHERE ${Prisma.join(days, ' AND ')})::bigint AS counted,
           (SELECT count(*) FROM "AuditLog" WHERE ${Prisma.join([...inRange, outside], ' AND ')}) AS rest`;
  return Number(row?.counted ?? 0) + Number(row?.rest ?? 0);
}
