/**
 * One record's history, oldest first, each entry with its changes: for a deleted record too (named from its last
 * snapshot), and with `includeRelated` for every record belonging to it (the roll-up, audit-rollup.ts). Also the
 * actors an admin can pick in the actor filter.
 */
import { renderLabel } from '@auditlog/audit';
import type { AuditedPrismaClient } from '@auditlog/db';
import { auditRegistry, Prisma } from '@auditlog/db';
import type { ActorsOutput, EntryDetail, HistoryInput, HistoryOutput } from '../contract/audit.ts';
import { countEntries } from './audit-counts.ts';
import { COLUMNS, summaries } from './audit-entries.ts';
import type { Row } from './audit-entries.ts';
import { allOf, entryConditions } from './audit-filters.ts';
import type { AuditFilters } from './audit-filters.ts';
import { resolveRollup } from './audit-rollup.ts';
import { decodeCursor, encodeCursor, filtersFingerprint } from './cursor.ts';
import { resolveEntityLabels, shortId } from './entity-labels.ts';
import { resolveEntryReferences } from './entry-references.ts';

type Changes = Record<string, { before?: unknown; after?: unknown }>;

const asChanges = (value: unknown): Changes | null =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Changes) : null;

/**
 * A deleted record's name, from the values its entries hold for the label's fields: the newest value of each (the
 * delete's Before, an update's After).
 */
export async function snapshotLabel(
  prisma: AuditedPrismaClient,
  organizationId: string,
  entityType: string,
  entityId: string,
): Promise<string | null> {
  const model = auditRegistry.models.find((candidate) => candidate.entityType === entityType);
  if (!model) return null;
  const fields = Object.keys(model.label.columns);
  const rows = await prisma.$queryRaw<{ changes: unknown }[]>`
    SELECT changes FROM "AuditLog"
    WHERE "organizationId" = ${organizationId} AND "entityType" = ${entityType} AND "entityId" = ${entityId}
      AND changes IS NOT NULL
    ORDER BY "createdAt" DESC, id DESC LIMIT 50`;
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    for (const row of rows) {
      const change = asChanges(row.changes)?.[field];
      const value = change?.after ?? change?.before;
      if (value !== undefined && value !== null) {
        values[field] = value;
        break;
      }
    }
  }
  return Object.keys(values).length ? renderLabel(model.label.template, values) || null : null;
}

/** Entries of deleted records named from their last snapshot (at most 50 distinct records a page). */
async function namedFromSnapshots<T extends { entity: HistoryOutput['record'] }>(
  prisma: AuditedPrismaClient,
  organizationId: string,
  items: T[],
): Promise<T[]> {
  const deleted = [
    ...new Set(items.filter((i) => i.entity.exists === false).map((i) => `${i.entity.type}:${i.entity.id}`)),
  ];
  const names = new Map<string, string>();
  for (const key of deleted.slice(0, 50)) {
    const [type = '', ...rest] = key.split(':');
    const label = await snapshotLabel(prisma, organizationId, type, rest.join(':'));
    if (label) names.set(key, label);
  }
  return items.map((item) => {
    const label = names.get(`${item.entity.type}:${item.entity.id}`);
    return label ? { ...item, entity: { ...item.entity, label } } : item;
  });
}

/** The record as the history names it: live, or from its last snapshot. */
async function recordOf(
  prisma: AuditedPrismaClient,
  organizationId: string,
  input: HistoryInput,
): Promise<HistoryOutput['record']> {
  const { entityType: type, entityId: id } = input;
  const live = (await resolveEntityLabels(prisma, organizationId, [{ type, id }])).get(`${type}:${id}`);
  if (live?.exists) return { type, id, label: live.label, exists: true };
  const label = await snapshotLabel(prisma, organizationId, type, id);
  return { type, id, label: label ?? shortId(id), exists: live?.exists ?? null };
}

/**
 * A page of a record's history, oldest first, at most `limit` entries after the cursor.
 * @throws InvalidCursorError for a cursor not made for this record and limit
 */
export async function recordHistory(
  prisma: AuditedPrismaClient,
  organizationId: string,
  input: HistoryInput,
  cursorKey: Uint8Array,
): Promise<HistoryOutput> {
  const scope = { organizationId, key: cursorKey };
  const fingerprint = filtersFingerprint({
    h: input.entityType,
    i: input.entityId,
    r: input.includeRelated,
    l: input.limit,
  });
  const cursor = input.cursor ? decodeCursor(input.cursor, fingerprint, scope) : undefined;
  const filters: AuditFilters = input.includeRelated
    ? { within: await resolveRollup(prisma, organizationId, input) }
    : { entityType: input.entityType, entityId: input.entityId };
  const conditions = entryConditions(organizationId, filters);
  if (cursor) conditions.push(Prisma.sql`("createdAt", id) > (${new Date(cursor.t)}, ${cursor.i}::uuid)`);

  const rows = await prisma.$queryRaw<(Row & { requestId: string | null; changes: unknown })[]>`
    SELECT ${COLUMNS}, "requestId", changes FROM "AuditLog" WHERE ${allOf(conditions)}
    ORDER BY "createdAt" ASC, id ASC LIMIT ${input.limit + 1}`;
  const more = rows.length > input.limit;
  const page = rows.slice(0, input.limit);
  const items = await namedFromSnapshots(prisma, organizationId, await summaries(prisma, organizationId, page));
  // Foreign keys named as they were when each entry was written, as in the details ("Client: Acme → Bolton"); only
  // entries that changed a foreign key ask the database anything.
  const references = await Promise.all(
    page.map((row) => resolveEntryReferences(prisma, organizationId, { ...row, changes: asChanges(row.changes) })),
  );
  const last = page[page.length - 1];
  return {
    record: await recordOf(prisma, organizationId, input),
    items: items.map((item, index) => ({
      ...item,
      requestId: page[index]?.requestId ?? null,
      changes: asChanges(page[index]?.changes) as EntryDetail['changes'],
      references: references[index] ?? {},
    })),
    total: await countEntries(prisma, organizationId, filters),
    nextCursor:
      more && last
        ? encodeCursor({ d: 'next', t: last.createdAt.toISOString(), i: last.id, p: 1, f: fingerprint }, scope)
        : null,
  };
}

/** The organization's users and API keys matching `query` (name or email), for the actor picker. */
export async function listActors(
  prisma: AuditedPrismaClient,
  organizationId: string,
  input: { query?: string | undefined; limit: number },
): Promise<ActorsOutput> {
  const contains = input.query ? { contains: input.query, mode: 'insensitive' as const } : undefined;
  const [users, keys] = await Promise.all([
    prisma.user.findMany({
      where: { organizationId, ...(contains ? { OR: [{ name: contains }, { email: contains }] } : {}) },
      select: { id: true, name: true, email: true, role: true, deactivatedAt: true },
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
      take: input.limit,
    }),
    prisma.apiKey.findMany({
      where: { organizationId, ...(contains ? { name: contains } : {}) },
      select: { id: true, name: true, revokedAt: true },
      orderBy: [{ name: 'asc' }, { id: 'asc' }],
      take: input.limit,
    }),
  ]);
  return {
    users: users.map((user) => ({
      id: user.id,
      name: user.name,
      email: user.email,
      role: user.role,
      deactivated: user.deactivatedAt !== null,
    })),
    apiKeys: keys.map((key) => ({ id: key.id, name: key.name, revoked: key.revokedAt !== null })),
  };
}
