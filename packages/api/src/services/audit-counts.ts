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
import type { AuditedPrismaClient } from '@auditlog/db';
import { Prisma } from '@auditlog/db';
import { allOf, entryConditions, hasEntryOnlyFilters, sharedConditions } from './audit-filters.ts';
import type { AuditFilters } from './audit-filters.ts';

const DAY = 86_400_000;
const floorDay = (date: Date) => new Date(Math.floor(date.getTime() / DAY) * DAY);
const ceilDay = (date: Date) => new Date(Math.ceil(date.getTime() / DAY) * DAY);

/**
 * Counts the organization's newly final days, if any; returns the day up to which counts exist. The database does
 * it (`audit_refresh_daily_counts`, owner rights): the runtime role may only read the count tables.
 */
export async function ensureDailyCounts(prisma: AuditedPrismaClient, organizationId: string): Promise<Date | null> {
  const [row] = await prisma.$queryRaw<
    { counted: Date | null }[]
  >`SELECT audit_refresh_daily_counts(${organizationId}) AS counted`;
  return row?.counted ?? null;
}

/** The exact number of the organization's entries matching `filters`. */
export async function countEntries(
  prisma: AuditedPrismaClient,
  organizationId: string,
  filters: AuditFilters,
): Promise<number> {
  const inRange = entryConditions(organizationId, filters);
  // The daily counts know actions and entity types only: the investigation's filters count the entries they match
  // (narrow by nature: one actor, record, request or address), from the index that serves the filter.
  if (hasEntryOnlyFilters(filters)) {
    const [row] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "AuditLog" WHERE ${allOf(inRange)}`;
    return Number(row?.n ?? 0);
  }
  const countedUntil = await ensureDailyCounts(prisma, organizationId);

  // The whole days inside the range that are counted already: [from, to).
  const from = filters.start ? ceilDay(filters.start) : null;
  const endBound = filters.end ? floorDay(new Date(filters.end.getTime() + 1)) : null;
  const to = countedUntil && endBound ? (endBound < countedUntil ? endBound : countedUntil) : countedUntil;
  if (!to || (from && from >= to)) {
    const [row] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "AuditLog" WHERE ${allOf(inRange)}`;
    return Number(row?.n ?? 0);
  }

  const days = [
    ...sharedConditions(organizationId, filters),
    ...(from ? [Prisma.sql`day >= ${from}`] : []),
    Prisma.sql`day < ${to}`,
  ];
  // The rows outside the counted days, as two ranges the index can seek to: [start, from) and [to, end]. One
  // condition `createdAt < from OR createdAt >= to` scans every row from the start on (the whole range).
  const before = from
    ? Prisma.sql`(SELECT count(*) FROM "AuditLog" WHERE ${allOf([...inRange, Prisma.sql`"createdAt" < ${from}`])})`
    : Prisma.sql`0`;
  const [row] = await prisma.$queryRaw<{ counted: bigint | null; before: bigint; after: bigint }[]>`
    SELECT (SELECT sum(count) FROM "AuditLogDailyCount" WHERE ${allOf(days)})::bigint AS counted,
           ${before}::bigint AS before,
           (SELECT count(*) FROM "AuditLog" WHERE ${allOf([...inRange, Prisma.sql`"createdAt" >= ${to}`])}) AS after`;
  return Number(row?.counted ?? 0) + Number(row?.before ?? 0) + Number(row?.after ?? 0);
}
