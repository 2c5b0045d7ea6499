/**
 * Exact totals for the list, fast at millions of entries. Counting a million rows costs over 100 ms even from an index,
 * so totals are assembled from counts of the time that can no longer change, plus an exact count of the rows outside
 * it: the partial days at the edges of the date range and the open hour.
 *
 * An hour is final when no transaction that could still add an entry to it is running: entries are stamped with their
 * statement's time, so none can arrive before the start of the oldest running transaction. The counts are filled
 * lazily, by the first list that needs them, one organization at a time (docs/decisions/007-exact-totals.md): one row
 * per key and day for the days that are over, per hour for today's final hours (hourly counts kept for every day held
 * nearly as many rows as entries, with every combination of action and entity type), so a range's whole days are
 * sums and today costs a scan of the open hour only.
 *
 * The investigation's actor, IP and request filters have daily counts of their own (per actor, address and request
 * id, filled with the others), which also say in which spans of time a value's entries lie: the list then reads only
 * those spans and the uncounted edges, so a rare value is found without reading the whole log
 * (docs/decisions/020-facet-counts.md).
 */
import type { AuditedPrismaClient } from '@auditlog/db';
import { Prisma } from '@auditlog/db';
import { parseIpFilter } from '@auditlog/audit/search';
import { allOf, entryConditions, hasEntryOnlyFilters, sharedConditions } from './audit-filters.ts';
import type { AuditFilters, ResolvedActor } from './audit-filters.ts';

const DAY = 86_400_000;
const floorDay = (date: Date) => new Date(Math.floor(date.getTime() / DAY) * DAY);
const ceilDay = (date: Date) => new Date(Math.ceil(date.getTime() / DAY) * DAY);

/**
 * At most this many spans of a facet's value are turned into time ranges for the list query; a value seen on more
 * days is common enough that reading the log newest first finds a page of it quickly.
 */
const MAX_SPANS = 32;

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

/** A count table that can answer the filters, and the conditions on its rows (organization included). */
interface CountSource {
  table: Prisma.Sql;
  where: Prisma.Sql[];
  /** Whether its rows carry the first and last entry's time (the facets), so they can locate the entries. */
  spans: boolean;
}

function actorFacet(actor: ResolvedActor): Prisma.Sql | null {
  switch (actor.type) {
    case 'user':
      // '' is the key of a user entry without a user id, which no id filter matches.
      return actor.ids.every((id) => id !== '')
        ? Prisma.sql`"actorType" = 'USER' AND "actorKey" = ANY(${actor.ids}::text[])`
        : null;
    case 'user-email':
      return null; // an email no user of the organization has now: the entries' own emails are not counted
    case 'system':
      if (actor.name === undefined) return Prisma.sql`"actorType" = 'SYSTEM'`;
      return actor.name === '' ? null : Prisma.sql`"actorType" = 'SYSTEM' AND "actorKey" = ${actor.name}`;
    case 'anonymous':
      return Prisma.sql`"actorType" = 'ANONYMOUS'`;
    case 'unattributed':
      return Prisma.sql`"actorType" = 'UNATTRIBUTED'`;
  }
}

/** The same entries as the list's IP filter: one IPv4 address by its text, anything else by its `inet` form. */
function ipFacet(text: string): Prisma.Sql {
  const parsed = parseIpFilter(text);
  if (!parsed.ok) throw new Error(`unparsed IP filter ${text}`);
  const { version, prefix, address } = parsed.value;
  if (version === 4 && prefix === 32) return Prisma.sql`"ipAddress" = ${address}`;
  return Prisma.sql`network <<= ${parsed.value.text}::inet`;
}

/**
 * Which daily counts hold the total of `filters`, or null when none does (one record, a roll-up, or an investigation
 * filter combined with another filter the facet does not have): those totals are counted from the entries.
 */
function countSource(organizationId: string, filters: AuditFilters): CountSource | null {
  if (!hasEntryOnlyFilters(filters)) {
    return { table: Prisma.sql`"AuditLogDailyCount"`, where: sharedConditions(organizationId, filters), spans: false };
  }
  const set = [filters.actor, filters.ip, filters.requestId].filter((value) => value !== undefined).length;
  if (set !== 1 || filters.action || filters.entityType || filters.entityId !== undefined || filters.within)
    return null;
  const org = Prisma.sql`"organizationId" = ${organizationId}`;
  if (filters.actor) {
    const where = actorFacet(filters.actor);
    return where ? { table: Prisma.sql`"AuditLogActorDailyCount"`, where: [org, where], spans: true } : null;
  }
  if (filters.ip) return { table: Prisma.sql`"AuditLogIpDailyCount"`, where: [org, ipFacet(filters.ip)], spans: true };
  return {
    table: Prisma.sql`"AuditLogRequestDailyCount"`,
    where: [org, Prisma.sql`"requestId" = ${filters.requestId}`],
    spans: true,
  };
}

/** Where the entries matching `filters` can be: a condition on `createdAt` for the list query, or null (anywhere). */
export type EntryLocation = Prisma.Sql | null;

interface Span {
  from: Date;
  to: Date;
}

/** The spans sorted and merged where they overlap, as one condition with the uncounted edges. */
function locationOf(spans: Span[], edges: Prisma.Sql[]): Prisma.Sql {
  const merged: Span[] = [];
  for (const span of [...spans].sort((a, b) => a.from.getTime() - b.from.getTime())) {
    const last = merged[merged.length - 1];
    if (last && span.from <= last.to) last.to = span.to > last.to ? span.to : last.to;
    else merged.push({ ...span });
  }
  const ranges = merged.map((span) => Prisma.sql`"createdAt" BETWEEN ${span.from} AND ${span.to}`);
  return Prisma.sql`(${Prisma.join([...ranges, ...edges], ' OR ')})`;
}

/** The exact number of the organization's entries matching `filters`, and where they lie when that is known. */
export async function countAndLocate(
  prisma: AuditedPrismaClient,
  organizationId: string,
  filters: AuditFilters,
): Promise<{ total: number; location: EntryLocation }> {
  const inRange = entryConditions(organizationId, filters);
  const countAll = async () => {
    const [row] = await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "AuditLog" WHERE ${allOf(inRange)}`;
    return { total: Number(row?.n ?? 0), location: null };
  };
  const source = countSource(organizationId, filters);
  if (!source) return countAll();
  const countedUntil = await ensureDailyCounts(prisma, organizationId);

  // The whole days inside the range that are counted already: [from, to).
  const from = filters.start ? ceilDay(filters.start) : null;
  const endBound = filters.end ? floorDay(new Date(filters.end.getTime() + 1)) : null;
  const to = countedUntil && endBound ? (endBound < countedUntil ? endBound : countedUntil) : countedUntil;
  if (!to || (from && from >= to)) return countAll();

  const days = [...source.where, ...(from ? [Prisma.sql`day >= ${from}`] : []), Prisma.sql`day < ${to}`];
  // The rows outside the counted days, as two ranges the index can seek to: [start, from) and [to, end]. One
  // condition `createdAt < from OR createdAt >= to` scans every row from the start on (the whole range).
  const before = from
    ? Prisma.sql`(SELECT count(*) FROM "AuditLog" WHERE ${allOf([...inRange, Prisma.sql`"createdAt" < ${from}`])})`
    : Prisma.sql`0`;
  const [row] = await prisma.$queryRaw<{ counted: bigint | null; rows: bigint; before: bigint; after: bigint }[]>`
    SELECT f.counted::bigint AS counted, f.rows AS rows, ${before}::bigint AS before,
           (SELECT count(*) FROM "AuditLog" WHERE ${allOf([...inRange, Prisma.sql`"createdAt" >= ${to}`])}) AS after
    FROM (SELECT sum(count) AS counted, count(*) AS rows FROM ${source.table} WHERE ${allOf(days)}) f`;
  const total = Number(row?.counted ?? 0) + Number(row?.before ?? 0) + Number(row?.after ?? 0);
  // A facet's spans, only for a value seen on few enough days to be worth it: the number of its rows comes with the
  // sum, and the spans are read after it. (Read beside the sum with a LIMIT, a hot value's rows were scanned twice:
  // an office range is 100,000 address-days at 10M entries, 25 ms of a 184 ms count.)
  if (!source.spans || Number(row?.rows ?? 0) > MAX_SPANS) return { total, location: null };
  const spans = await prisma.$queryRaw<{ firstAt: Date; lastAt: Date }[]>`
    SELECT "firstAt", "lastAt" FROM ${source.table} WHERE ${allOf(days)}`;
  const edges = [...(from ? [Prisma.sql`"createdAt" < ${from}`] : []), Prisma.sql`"createdAt" >= ${to}`];
  return {
    total,
    location: locationOf(
      spans.map((span) => ({ from: span.firstAt, to: span.lastAt })),
      edges,
    ),
  };
}

/** The exact number of the organization's entries matching `filters`. */
export async function countEntries(
  prisma: AuditedPrismaClient,
  organizationId: string,
  filters: AuditFilters,
): Promise<number> {
  return (await countAndLocate(prisma, organizationId, filters)).total;
}
