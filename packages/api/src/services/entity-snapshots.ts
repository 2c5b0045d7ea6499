/**
 * Names records from the log itself: a record's label fields as its own entries last recorded them (a create's or an
 * update's After, a delete's Before), at any moment of its history. Deleted records keep their name this way, and a
 * foreign key is shown with the label its target had when the entry was written (decision "labels frozen at write
 * time"), at no cost to the write path. Everything it knows about a model comes from the generated registry.
 */
import { quoteIdent, renderLabel, TRUNCATED_PATTERN } from '@auditlog/audit';
import type { AuditRegistry, RawQueryClient, RegistryModel } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';

/** A record: its entity type and id. */
export interface EntityRef {
  type: string;
  id: string;
}

/** A point in the log's order: the entry's time and id (UUIDv7, so ties are ordered as they were written). */
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
 * Per record and label field, its value as of the record's latest entry (at or before `asOf`). When that entry is
 * the record's delete, the delete's Before has every field the record still had, and a field it lacks was null.
 * Otherwise each field is taken from the latest entry that recorded it: one backward walk of the record index per
 * field, stopping at the first such entry. (A DISTINCT ON over the record's entries read its whole history, every
 * time: for a record of tens of thousands of entries that was most of a page's time.) The registry's identifiers
 * are quoted; the values travel as parameters.
 */
function snapshotQuery(registry: AuditRegistry, bounded: boolean): string {
  const log = `${quoteIdent(registry.schema)}.${quoteIdent(registry.auditTable)}`;
  const upTo = bounded ? 'AND (e."createdAt", e.id) <= ($5::timestamptz, $6::uuid)' : '';
  const ofRecord = `e."organizationId" = $1 AND e."entityType" = $2 AND e."entityId" = r.id ${upTo}`;
  return `SELECT r.id AS "entityId", f.field AS field,
      CASE WHEN last.action = 'delete' THEN last.changes -> f.field ->> 'before' ELSE recorded.value END AS value
    FROM unnest($3::text[]) AS r(id)
    CROSS JOIN LATERAL (
      SELECT e.action, e.changes FROM ${log} AS e WHERE ${ofRecord}
      ORDER BY e."createdAt" DESC, e.id DESC LIMIT 1) AS last
    CROSS JOIN unnest($4::text[]) AS f(field)
    LEFT JOIN LATERAL (
      SELECT CASE WHEN e.action = 'delete' THEN e.changes -> f.field ->> 'before'
                  ELSE e.changes -> f.field ->> 'after' END AS value
      FROM ${log} AS e WHERE last.action <> 'delete' AND ${ofRecord} AND e.changes ? f.field
      ORDER BY e."createdAt" DESC, e.id DESC LIMIT 1) AS recorded ON true`;
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
  const bounded = snapshotQuery(registry, true);
  const open = snapshotQuery(registry, false);
  const read = (client: RawQueryClient, params: unknown[], asOf?: LogPosition) =>
    asOf
      ? client.$queryRawUnsafe<SnapshotRow[]>(bounded, ...params, asOf.createdAt, asOf.id)
      : client.$queryRawUnsafe<SnapshotRow[]>(open, ...params);
  return async (client, organizationId, refs, asOf) => {
    const byType = new Map<string, Set<string>>();
    for (const ref of refs) byType.set(ref.type, (byType.get(ref.type) ?? new Set()).add(ref.id));
    const labels = new Map<string, string>();
    await Promise.all(
      [...byType].map(async ([type, ids]) => {
        const model = models.get(type);
        if (!model) return;
        const fields = Object.keys(model.label.columns);
        const rows = await read(client, [organizationId, type, [...ids], fields], asOf);
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
