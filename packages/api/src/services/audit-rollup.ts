/**
 * Roll-ups: a record and every record that belongs to it ("everything for client Acme": its contacts, tickets,
 * invoices and their lines, quotes, assets, contracts, projects …). Which models belong to which comes from the
 * generated registry's relations (every foreign key of an audited table), never from a list kept by hand, and
 * membership is read from the log itself as well as from the live tables, so it stays right for records since
 * deleted (their last snapshot holds the key) and for records moved from one parent to another: a record belongs
 * to a parent from the entry that set its key to that parent up to the entry that changed it away (both included),
 * so a moved ticket's entries are split between its old and new client at the move.
 *
 * Queries, per child model and level (docs/decisions/0XX-investigation-filters.md):
 *   1. candidates from the log: the model's entries whose changes hold the key with a parent's id, before or after;
 *   2. candidates from the live table: rows whose key is a parent's id now;
 *   3. the candidates' timelines: their entries whose changes hold the key, in list order (by type and id).
 */
import { quoteIdent } from '@auditlog/audit';
import type { AuditRegistry, RegistryModel, RegistryRelation } from '@auditlog/audit';
import type { AuditedPrismaClient } from '@auditlog/db';
import { auditRegistry } from '@auditlog/db';
import { DomainError } from '../errors.ts';
import type { ListPosition, RollupMember } from './audit-filters.ts';

/** The deepest chain of belonging followed (client → invoice → invoice line is 2). */
export const MAX_ROLLUP_DEPTH = 4;
/** The most records one roll-up may hold. */
export const MAX_ROLLUP_MEMBERS = 20_000;

interface ChildLink {
  model: RegistryModel;
  relation: RegistryRelation;
}

/** The models that belong to `parentType`: every relation to it, but the tenant's own column. */
export function childLinks(registry: AuditRegistry, parentType: string): ChildLink[] {
  return registry.models.flatMap((model) =>
    model.relations
      .filter((relation) => relation.targetEntityType === parentType && relation.column !== model.organizationColumn)
      .map((relation) => ({ model, relation })),
  );
}

interface Span {
  from?: ListPosition | undefined;
  to?: ListPosition | undefined;
}

const before = (a: ListPosition, b: ListPosition) => a.at < b.at || (a.at.getTime() === b.at.getTime() && a.id < b.id);
const later = (a?: ListPosition, b?: ListPosition) => (!a ? b : !b ? a : before(a, b) ? b : a);
const earlier = (a?: ListPosition, b?: ListPosition) => (!a ? b : !b ? a : before(a, b) ? a : b);

/** Where two spans overlap, or null. */
export function intersectSpans(a: Span, b: Span): Span | null {
  const from = later(a.from, b.from);
  const to = earlier(a.to, b.to);
  return from && to && before(to, from) ? null : { from, to };
}

export interface KeyChange extends ListPosition {
  before: string | null;
  after: string | null;
}

/**
 * The spans in which a record's key held each value, from its entries that changed the key (in list order): the
 * value before the first change held since ever, the value after the last holds still.
 */
export function keySpans(changes: KeyChange[]): { parentId: string; span: Span }[] {
  const spans: { parentId: string; span: Span }[] = [];
  let current: string | null | undefined;
  let since: ListPosition | undefined;
  for (const change of changes) {
    const held = current === undefined ? change.before : current;
    const position = { at: change.at, id: change.id };
    if (held !== null) spans.push({ parentId: held, span: { from: since, to: position } });
    current = change.after;
    since = position;
  }
  if (current) spans.push({ parentId: current, span: { from: since } });
  return spans;
}

async function candidates(
  prisma: AuditedPrismaClient,
  organizationId: string,
  link: ChildLink,
  parentIds: string[],
): Promise<Map<string, string | null>> {
  const { model, relation } = link;
  const field = relation.field;
  const logged = await prisma.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT "entityId" AS id FROM "AuditLog"
    WHERE "organizationId" = ${organizationId} AND "entityType" = ${model.entityType} AND (changes -> ${field}) IS NOT NULL
      AND (changes -> ${field} ->> 'before' = ANY(${parentIds}::text[]) OR changes -> ${field} ->> 'after' = ANY(${parentIds}::text[]))`;
  const table = `${quoteIdent(auditRegistry.schema)}.${quoteIdent(model.table)}`;
  const tenant = model.organizationColumn ? `${quoteIdent(model.organizationColumn)} = $2` : '$2::text IS NOT NULL';
  const live = await prisma.$queryRawUnsafe<{ id: string; parent: string }[]>(
    `SELECT ${quoteIdent(model.idColumn)}::text AS id, ${quoteIdent(relation.column)}::text AS parent FROM ${table}
     WHERE ${quoteIdent(relation.column)}::text = ANY ($1::text[]) AND ${tenant}`,
    parentIds,
    organizationId,
  );
  // Each candidate with the parent it has now, if it is still there and under one of them.
  const found = new Map<string, string | null>(logged.map((row) => [row.id, null]));
  for (const row of live) found.set(row.id, row.parent);
  return found;
}

async function timelines(
  prisma: AuditedPrismaClient,
  organizationId: string,
  link: ChildLink,
  ids: string[],
): Promise<Map<string, KeyChange[]>> {
  const field = link.relation.field;
  const rows = await prisma.$queryRaw<(KeyChange & { entityId: string })[]>`
    SELECT "entityId", "createdAt" AS at, id::text AS id,
      changes -> ${field} ->> 'before' AS before, changes -> ${field} ->> 'after' AS after
    FROM "AuditLog"
    WHERE "organizationId" = ${organizationId} AND "entityType" = ${link.model.entityType}
      AND "entityId" = ANY(${ids}::text[]) AND (changes -> ${field}) IS NOT NULL
    ORDER BY "createdAt", id`;
  const byId = new Map<string, KeyChange[]>();
  for (const row of rows) byId.set(row.entityId, [...(byId.get(row.entityId) ?? []), row]);
  return byId;
}

type Level = Map<string, Map<string, Span[]>>;

/** The members one link adds under `parents` (a type's records and their spans). */
async function membersOf(
  prisma: AuditedPrismaClient,
  organizationId: string,
  link: ChildLink,
  parents: Map<string, Span[]>,
): Promise<Map<string, Span[]>> {
  const found = new Map<string, Span[]>();
  const current = await candidates(prisma, organizationId, link, [...parents.keys()]);
  if (!current.size) return found;
  const ids = [...current.keys()];
  const changes = await timelines(prisma, organizationId, link, ids);
  for (const id of ids) {
    const spans = changes.has(id) ? keySpans(changes.get(id) ?? []) : [];
    // A live row whose key never changed in the log (its create pruned, or older than capture) belongs throughout.
    const liveParent = current.get(id);
    const own = spans.length || !liveParent ? spans : [{ parentId: liveParent, span: {} as Span }];
    for (const { parentId, span } of own) {
      for (const parentSpan of parents.get(parentId) ?? []) {
        const overlap = intersectSpans(span, parentSpan);
        if (overlap) found.set(id, [...(found.get(id) ?? []), overlap]);
      }
    }
  }
  return found;
}

/**
 * The records of `root`'s roll-up with the spans their entries count in: the root throughout, then each level of
 * belonging down to MAX_ROLLUP_DEPTH.
 * @throws DomainError (BAD_REQUEST) past MAX_ROLLUP_MEMBERS records
 */
export async function resolveRollup(
  prisma: AuditedPrismaClient,
  organizationId: string,
  root: { entityType: string; entityId: string },
  registry: AuditRegistry = auditRegistry,
): Promise<RollupMember[]> {
  const members: RollupMember[] = [{ entityType: root.entityType, entityId: root.entityId }];
  const seen = new Set([`${root.entityType}:${root.entityId}`]);
  let level: Level = new Map([[root.entityType, new Map([[root.entityId, [{}]]])]]);
  for (let depth = 0; depth < MAX_ROLLUP_DEPTH && level.size; depth += 1) {
    const next: Level = new Map();
    for (const [parentType, parents] of level) {
      for (const link of childLinks(registry, parentType)) {
        const found = await membersOf(prisma, organizationId, link, parents);
        for (const [id, spans] of found) {
          const key = `${link.model.entityType}:${id}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const type = link.model.entityType;
          for (const span of spans) members.push({ entityType: type, entityId: id, from: span.from, to: span.to });
          next.set(type, (next.get(type) ?? new Map<string, Span[]>()).set(id, spans));
        }
      }
    }
    if (members.length > MAX_ROLLUP_MEMBERS) {
      throw new DomainError(
        'BAD_REQUEST',
        `This record has more than ${MAX_ROLLUP_MEMBERS.toLocaleString('en-US')} records belonging to it: filter by entity type or dates instead.`,
      );
    }
    level = next;
  }
  return members;
}
