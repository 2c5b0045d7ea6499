/**
 * Names records from the log itself: a record's label fields as its own entries last recorded them (a create's or an
 * update's After, a delete's Before), at any moment of its history. Deleted records keep their name this way, and a
 * foreign key is shown with the label its target had when the entry was written (decision "labels frozen at write
 * time"), at no cost to the write path. Everything it knows about a model comes from the generated registry.
 */
import { quoteIdent, renderLabel, TRUNCATED_PATTERN } from '@auditlog/audit';
import type { AuditRegistry, RawQueryClient, RegistryModel } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';

/** A point in the log's order: the entry's time and id (UUIDv7, so ties are ordered as they were written). */
/** A record: its entity type and id. */
export interface EntityRef {
  type: string;
  id: string;
}

export interface LogPosition {
  createdAt: Date;
  id: string;
}

interface SnapshotRow {
  entityId: string;
  field: string;
  value: string | null;
}

/**
 * Per record and label field, the value of the latest entry (at or before `asOf`) that recorded the field. The
 * registry's identifiers are quoted; the values travel as parameters.
 */
function snapshotQuery(registry: AuditRegistry, bounded: boolean): string {
  const log = `${quoteIdent(registry.schema)}.${quoteIdent(registry.auditTable)}`;
  return `SELECT DISTINCT ON (e."entityId", f.field) e."entityId" AS "entityId", f.field AS field,
      CASE WHEN e.action = 'delete' THEN e.changes -> f.field ->> 'before' ELSE e.changes -> f.field ->> 'after' END AS value
    FROM ${log} AS e CROSS JOIN unnest($4::text[]) AS f(field)
    WHERE e."organizationId" = $1 AND e."entityType" = $2 AND e."entityId" = ANY ($3::text[]) AND e.changes ? f.field
      ${bounded ? 'AND (e."createdAt", e.id) <= ($5::timestamptz, $6::uuid)' : ''}
    ORDER BY e."entityId", f.field, e."createdAt" DESC, e.id DESC`;
}

/**
 * Per record, its latest entry (at or before `asOf`) when that is its delete: a delete records every field the record
 * still had (its Before), so its label fields are there, and a field it does not record was null. One step back
 * through the record index, where the query above reads the record's whole history: for a record of tens of
 * thousands of entries that was most of a page's time.
 */
function deletedQuery(registry: AuditRegistry, bounded: boolean): string {
  const log = `${quoteIdent(registry.schema)}.${quoteIdent(registry.auditTable)}`;
  return `SELECT r.id AS "entityId", f.field AS field, last.changes -> f.field ->> 'before' AS value
    FROM unnest($3::text[]) AS r(id)
    CROSS JOIN LATERAL (
      SELECT e.action, e.changes FROM ${log} AS e
      WHERE e."organizationId" = $1 AND e."entityType" = $2 AND e."entityId" = r.id
        ${bounded ? 'AND (e."createdAt", e.id) <= ($5::timestamptz, $6::uuid)' : ''}
      ORDER BY e."createdAt" DESC, e.id DESC LIMIT 1) AS last
    CROSS JOIN unnest($4::text[]) AS f(field)
    WHERE last.action = 'delete'`;
}

/** A capped text keeps its prefix: enough for a name. */
function labelValue(value: string | null): string | null {
  if (value === null) return null;
  const truncated = TRUNCATED_PATTERN.exec(value);
  return truncated ? `${truncated[3] ?? ''}…` : value;
}

export type SnapshotLabelResolver = (
  client: RawQueryClient,
  organizationId: string,
  refs: EntityRef[],
  asOf?: LogPosition,
) => Promise<Map<string, string>>;

/**
 * Labels of records as the log last recorded them (at or before `asOf` when given), keyed `type:id`. A record the
 * log holds no label field of (never created or updated through capture, or of a type that is not a model) is absent.
 * One query per entity type.
 */
export function snapshotLabelResolver(registry: AuditRegistry): SnapshotLabelResolver {
  const models = new Map<string, RegistryModel>(registry.models.map((model) => [model.entityType, model]));
  const queries = { bounded: snapshotQuery(registry, true), open: snapshotQuery(registry, false) };
  const deleted = { bounded: deletedQuery(registry, true), open: deletedQuery(registry, false) };
  const read = (
    client: RawQueryClient,
    sql: { bounded: string; open: string },
    params: unknown[],
    asOf?: LogPosition,
  ) =>
    asOf
      ? client.$queryRawUnsafe<SnapshotRow[]>(sql.bounded, ...params, asOf.createdAt, asOf.id)
      : client.$queryRawUnsafe<SnapshotRow[]>(sql.open, ...params);
  return async (client, organizationId, refs, asOf) => {
    const byType = new Map<string, Set<string>>();
    for (const ref of refs) byType.set(ref.type, (byType.get(ref.type) ?? new Set()).add(ref.id));
    const labels = new Map<string, string>();
    await Promise.all(
      [...byType].map(async ([type, ids]) => {
        const model = models.get(type);
        if (!model) return;
        const fields = Object.keys(model.label.columns);
        // Records last seen deleted first (one index step each); the others from their whole history.
        const rows = await read(client, deleted, [organizationId, type, [...ids], fields], asOf);
        const found = new Set(rows.map((row) => row.entityId));
        const rest = [...ids].filter((id) => !found.has(id));
        if (rest.length) rows.push(...(await read(client, queries, [organizationId, type, rest, fields], asOf)));
        const values = new Map<string, Record<string, string | null>>();
        for (const row of rows) {
          values.set(row.entityId, { ...values.get(row.entityId), [row.field]: labelValue(row.value) });
        }
        for (const [id, fieldValues] of values) {
          const label = renderLabel(model.label.template, fieldValues);
          if (label) labels.set(`${type}:${id}`, label);
        }
      }),
    );
    return labels;
  };
}

/** This build's snapshot labels, from the registry generated with its capture SQL. */
export const resolveSnapshotLabels = snapshotLabelResolver(auditRegistry);
