/**
 * Reading the audit log of one organization: filtered, newest first, in pages reached by number or by cursor, with
 * the exact total and live entity labels. Plain functions over Prisma, tested without tRPC.
 */
import type { AuditedPrismaClient } from '@auditlog/db';
import { Prisma } from '@auditlog/db';
import type { AuditActorType } from '@auditlog/db';
import { MAX_SAME_REQUEST } from '../contract/audit.ts';
import type { ActorFilterInput, EntryDetail, EntrySummary, ListInput, ListOutput } from '../contract/audit.ts';
import { DomainError } from '../errors.ts';
import { countAndLocate } from './audit-counts.ts';
import type { EntryLocation } from './audit-counts.ts';
import { allOf, entryConditions, filtersOf } from './audit-filters.ts';
import type { ResolvedActor } from './audit-filters.ts';
import { resolveRollup } from './audit-rollup.ts';
import type { AuditFilters } from './audit-filters.ts';
import { decodeCursor, encodeCursor, filtersFingerprint, InvalidCursorError } from './cursor.ts';
import type { Cursor } from './cursor.ts';
import { resolveEntityLabels } from './entity-labels.ts';
import { getEntrySeal } from './audit-seal.ts';
import { resolveEntryReferences } from './entry-references.ts';

export interface Row {
  id: string;
  createdAt: Date;
  action: string;
  entityType: string;
  entityId: string;
  actorType: AuditActorType;
  actorUserId: string | null;
  actorName: string | null;
  actorEmail: string | null;
  /** What an anonymous caller claimed (a failed sign-in's email), from the metadata. */
  attemptedEmail: string | null;
  ipAddress: string | null;
  /** What the database noted about the context (`metadata.auditContext`), if anything. */
  contextIssue: string | null;
}

export const COLUMNS = Prisma.sql`id::text AS id, "createdAt", action, "entityType", "entityId", "actorType"::text AS "actorType",
  "actorUserId", "actorName", "actorEmail", "ipAddress", metadata->>'auditContext' AS "contextIssue",
  CASE WHEN "actorType" = 'ANONYMOUS' THEN metadata->>'attemptedEmail' END AS "attemptedEmail"`;

/**
 * The filters, where the matching entries lie when the counts know it (a rare value's spans), and for a cursor the
 * rows after (or before) it in list order.
 */
function whereClause(
  organizationId: string,
  filters: AuditFilters,
  location: EntryLocation,
  after?: Cursor,
): Prisma.Sql {
  const conditions = entryConditions(organizationId, filters);
  if (location) conditions.push(location);
  if (after) {
    const at = new Date(after.t);
    conditions.push(
      after.d === 'next'
        ? Prisma.sql`("createdAt", id) < (${at}, ${after.i}::uuid)`
        : Prisma.sql`("createdAt", id) > (${at}, ${after.i}::uuid)`,
    );
  }
  return allOf(conditions);
}

function toActor(
  row: Pick<Row, 'actorType' | 'actorUserId' | 'actorName' | 'actorEmail' | 'attemptedEmail' | 'contextIssue'>,
): EntrySummary['actor'] {
  switch (row.actorType) {
    case 'USER':
      return {
        type: 'user',
        id: row.actorUserId,
        name: row.actorName ?? row.actorEmail ?? 'Unknown user',
        email: row.actorEmail,
      };
    case 'SYSTEM':
      return { type: 'system', name: row.actorName };
    case 'ANONYMOUS':
      return { type: 'anonymous', attemptedEmail: row.attemptedEmail };
    case 'UNATTRIBUTED':
      return {
        type: 'unattributed',
        reason: row.contextIssue === 'malformed_context' ? 'malformed_context' : 'no_context',
      };
  }
}

export async function summaries(
  prisma: AuditedPrismaClient,
  organizationId: string,
  rows: Row[],
): Promise<EntrySummary[]> {
  const labels = await resolveEntityLabels(
    prisma,
    organizationId,
    rows.map((row) => ({ type: row.entityType, id: row.entityId })),
  );
  return rows.map((row) => {
    const label = labels.get(`${row.entityType}:${row.entityId}`);
    return {
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      action: row.action,
      actor: toActor(row),
      entity: {
        type: row.entityType,
        id: row.entityId,
        label: label?.label ?? row.entityId,
        exists: label?.exists ?? null,
      },
      ipAddress: row.ipAddress,
    };
  });
}

/** An actor filter as SQL can use it: an email becomes the organization's user of that email, when there is one. */
async function resolveActor(
  prisma: AuditedPrismaClient,
  organizationId: string,
  actor: ActorFilterInput,
): Promise<ResolvedActor> {
  if (actor.type !== 'user') return actor;
  if (actor.id !== undefined) return { type: 'user', ids: [actor.id] };
  const email = (actor.email ?? '').toLowerCase();
  const users = await prisma.user.findMany({
    where: { organizationId, email: { equals: email, mode: 'insensitive' } },
    select: { id: true },
  });
  return users.length ? { type: 'user', ids: users.map((user) => user.id) } : { type: 'user-email', email };
}

/** Every filter of `input`, with actor emails and roll-ups looked up. */
export async function resolveFilters(
  prisma: AuditedPrismaClient,
  organizationId: string,
  input: Omit<ListInput, 'page' | 'pageSize'>,
): Promise<AuditFilters> {
  const filters = filtersOf({ ...input, page: 1, pageSize: 1 });
  if (input.actor) filters.actor = await resolveActor(prisma, organizationId, input.actor);
  if (input.within) filters.within = await resolveRollup(prisma, organizationId, input.within);
  return filters;
}

/** What a cursor is bound to: every filter and the page size. */
const listFingerprint = (input: ListInput) =>
  filtersFingerprint({
    a: input.action,
    e: input.entityType,
    s: input.startDate,
    n: input.endDate,
    z: input.pageSize,
    ...(input.entityId !== undefined ? { r: input.entityId } : {}),
    ...(input.actor ? { u: input.actor } : {}),
    ...(input.ip ? { ip: input.ip } : {}),
    ...(input.requestId !== undefined ? { q: input.requestId } : {}),
    ...(input.within ? { w: input.within } : {}),
  });

/** A page number past the last page: refused with the last page's number, so a client can go there. */
export class PageOutOfRangeError extends DomainError {
  override name = 'PageOutOfRangeError';
  constructor(page: number, pageCount: number) {
    super(
      'BAD_REQUEST',
      `page ${page} is past the last page: the last page is ${pageCount} (pageSize and filters as given).`,
    );
  }
}

/**
 * One page of the organization's entries. `cursorKey` signs the cursors handed out and verifies those given.
 * @throws InvalidCursorError for a cursor that is not this API's for this organization and filters
 * @throws PageOutOfRangeError for a page after the last
 */
export async function listAuditEntries(
  prisma: AuditedPrismaClient,
  organizationId: string,
  input: ListInput,
  cursorKey: Uint8Array,
): Promise<ListOutput> {
  const { pageSize } = input;
  const scope = { organizationId, key: cursorKey };
  const fingerprint = listFingerprint(input);
  const cursor = input.cursor ? decodeCursor(input.cursor, fingerprint, scope) : undefined;
  const page = cursor?.p ?? input.page;

  const filters = await resolveFilters(prisma, organizationId, input);
  const { total, location } = await countAndLocate(prisma, organizationId, filters);
  const pageCount = Math.ceil(total / pageSize);
  if (page > Math.max(pageCount, 1)) {
    if (cursor) throw new InvalidCursorError('The cursor leads past the last page: start again from page 1.');
    throw new PageOutOfRangeError(page, pageCount);
  }

  let rows: Row[];
  if (cursor?.d === 'prev') {
    rows = await prisma.$queryRaw<Row[]>`
      SELECT ${COLUMNS} FROM "AuditLog" WHERE ${whereClause(organizationId, filters, location, cursor)}
      ORDER BY "createdAt" ASC, id ASC LIMIT ${pageSize}`;
    rows.reverse();
  } else if (cursor) {
    rows = await prisma.$queryRaw<Row[]>`
      SELECT ${COLUMNS} FROM "AuditLog" WHERE ${whereClause(organizationId, filters, location, cursor)}
      ORDER BY "createdAt" DESC, id DESC LIMIT ${pageSize}`;
  } else {
    // A page by number skips its offset in the index alone (an index-only scan), then reads just the page's rows by
    // the list key (organization, time, id): the primary key of a table partitioned by month, where `id` alone is
    // indexed in no partition (`id IN (…)` read every partition: 1.5 s at 1M entries).
    rows = await prisma.$queryRaw<Row[]>`
      SELECT ${COLUMNS} FROM "AuditLog" WHERE "organizationId" = ${organizationId} AND ("createdAt", id) IN (
        SELECT "createdAt", id FROM "AuditLog" WHERE ${whereClause(organizationId, filters, location)}
        ORDER BY "createdAt" DESC, id DESC LIMIT ${pageSize} OFFSET ${(page - 1) * pageSize})
      ORDER BY "createdAt" DESC, id DESC`;
  }

  const first = rows[0];
  const last = rows[rows.length - 1];
  const cursorAt = (row: Row, d: 'next' | 'prev', p: number) =>
    encodeCursor({ d, t: row.createdAt.toISOString(), i: row.id, p, f: fingerprint }, scope);
  return {
    items: await summaries(prisma, organizationId, rows),
    total,
    page,
    pageSize,
    pageCount,
    nextCursor: last && page < pageCount ? cursorAt(last, 'next', page + 1) : null,
    prevCursor: first && page > 1 ? cursorAt(first, 'prev', page - 1) : null,
  };
}

/**
 * How far from an entry the other entries of its request are looked for: a request's writes happen while it runs, so
 * the search stays within the list index's time range instead of reading every entry with a request id.
 */
const REQUEST_WINDOW_MS = 15 * 60_000;

/** The other entries of `requestId` around `at`, oldest first: their number and the first MAX_SAME_REQUEST. */
async function sameRequest(
  prisma: AuditedPrismaClient,
  organizationId: string,
  entry: { id: string; createdAt: Date; requestId: string | null },
): Promise<EntryDetail['sameRequest']> {
  if (!entry.requestId) return null;
  const from = new Date(entry.createdAt.getTime() - REQUEST_WINDOW_MS);
  const to = new Date(entry.createdAt.getTime() + REQUEST_WINDOW_MS);
  const where = Prisma.sql`"organizationId" = ${organizationId} AND "createdAt" BETWEEN ${from} AND ${to}
    AND "requestId" = ${entry.requestId} AND id <> ${entry.id}::uuid`;
  const [rows, counted] = await Promise.all([
    prisma.$queryRaw<Row[]>`SELECT ${COLUMNS} FROM "AuditLog" WHERE ${where}
      ORDER BY "createdAt" ASC, id ASC LIMIT ${MAX_SAME_REQUEST}`,
    prisma.$queryRaw<{ total: number }[]>`SELECT count(*)::int AS total FROM "AuditLog" WHERE ${where}`,
  ]);
  return { total: counted[0]?.total ?? rows.length, items: await summaries(prisma, organizationId, rows) };
}

/** The millisecond a UUIDv7 carries in its first 48 bits. */
function uuidv7Millis(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

/** One entry of the organization, or null: another organization's entry is as absent as a missing one. */
export async function getAuditEntry(
  prisma: AuditedPrismaClient,
  organizationId: string,
  id: string,
): Promise<EntryDetail | null> {
  // An id is a UUIDv7 of its entry's millisecond (decision 008): the time finds the primary key and the partition.
  const at = uuidv7Millis(id);
  const entry = await prisma.auditLog.findFirst({
    where: { id, organizationId, createdAt: { gte: new Date(at), lt: new Date(at + 1) } },
    select: {
      id: true,
      createdAt: true,
      action: true,
      entityType: true,
      entityId: true,
      actorType: true,
      actorUserId: true,
      actorName: true,
      actorEmail: true,
      ipAddress: true,
      userAgent: true,
      requestId: true,
      changes: true,
      metadata: true,
    } satisfies Prisma.AuditLogSelect,
  });
  if (!entry) return null;
  const asObject = <T>(value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : null;
  const noted = asObject<{ auditContext?: unknown; attemptedEmail?: unknown }>(entry.metadata);
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const [summary] = await summaries(prisma, organizationId, [
    {
      ...entry,
      contextIssue: text(noted?.auditContext),
      attemptedEmail: entry.actorType === 'ANONYMOUS' ? text(noted?.attemptedEmail) : null,
    },
  ]);
  if (!summary) return null;
  const changes = asObject<EntryDetail['changes']>(entry.changes);
  const [seal, references, related] = await Promise.all([
    getEntrySeal(prisma, organizationId, entry),
    resolveEntryReferences(prisma, organizationId, { ...entry, changes }),
    sameRequest(prisma, organizationId, entry),
  ]);
  return {
    ...summary,
    userAgent: entry.userAgent,
    requestId: entry.requestId,
    changes,
    metadata: asObject<EntryDetail['metadata']>(entry.metadata),
    seal,
    references,
    sameRequest: related,
  };
}
