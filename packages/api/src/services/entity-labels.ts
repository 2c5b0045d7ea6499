/**
 * Names records in the log: for each entity type on a page, one query for the live records' label fields, scoped to
 * the organization. A record that no longer exists is named from its last snapshot in the log (its delete's Before
 * values), and is "deleted" only when the log shows it existed: an export of `all` invoices names no record, so it is
 * never shown as a deleted one. Everything it knows about a model comes from the generated registry, so every audited
 * model (those audited by the default rule too) is named.
 */
import { quoteIdent, renderLabel } from '@auditlog/audit';
import type { AuditRegistry, RawQueryClient, RegistryModel } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';
import { snapshotLabelResolver } from './entity-snapshots.ts';
import type { EntityRef } from './entity-snapshots.ts';

export type { EntityRef } from './entity-snapshots.ts';

export interface EntityLabel {
  /** The record's name or number (a deleted one's as the log last recorded it), or a shortened id. */
  label: string;
  /**
   * `true`: the record exists; `false`: it existed (the log holds its snapshot) and was deleted or moved away;
   * `null`: not a record the log knows: its type is not a model of this app, or the id names none (`all`).
   */
  exists: boolean | null;
}

/**
 * An id short enough for a cell that still tells records apart: its last 8 characters, the random part of a cuid or
 * a UUID (their first characters are a timestamp, shared by records made the same week). `cmx5g8rgv0001…k3j9x2qa` →
 * `…k3j9x2qa`.
 */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

/** What names a collection rather than a record, as `audit.record` callers write it (an export of `all` invoices). */
const COLLECTION_IDS = new Set(['all', '*']);

/** Where an entity type's labels live, as SQL over the registry's names: one query per type on a page. */
function labelQuery(registry: AuditRegistry, model: RegistryModel): string {
  const table = `${quoteIdent(registry.schema)}.${quoteIdent(model.table)}`;
  const fields = Object.entries(model.label.columns).map(
    ([field, column]) => `${quoteIdent(column)} AS ${quoteIdent(field)}`,
  );
  // A single-tenant registry (no tenant column) has every record in the one organization.
  const inOrganization = model.organizationColumn
    ? `${quoteIdent(model.organizationColumn)} = $2`
    : '$2::text IS NOT NULL';
  return `SELECT ${quoteIdent(model.idColumn)}::text AS "__id", ${fields.join(', ')} FROM ${table}
    WHERE ${quoteIdent(model.idColumn)}::text = ANY ($1::text[]) AND ${inOrganization}`;
}

export type EntityLabelResolver = (
  client: RawQueryClient,
  organizationId: string,
  refs: EntityRef[],
) => Promise<Map<string, EntityLabel>>;

/**
 * Names records by the registry alone (tables, columns and label templates), so every model it lists is named,
 * whether or not the generated Prisma client has a delegate for it.
 */
export function entityLabelResolver(registry: AuditRegistry): EntityLabelResolver {
  const snapshots = snapshotLabelResolver(registry);
  const models = new Map(
    registry.models.map((model) => [model.entityType, { model, sql: labelQuery(registry, model) }]),
  );
  return async (client, organizationId, refs) => {
    const key = (ref: EntityRef) => `${ref.type}:${ref.id}`;
    const byType = new Map<string, Set<string>>();
    for (const ref of refs) byType.set(ref.type, (byType.get(ref.type) ?? new Set()).add(ref.id));

    const labels = new Map<string, EntityLabel>();
    await Promise.all(
      [...byType].map(async ([type, ids]) => {
        const source = models.get(type);
        if (!source) {
          // An entry about the organization as a whole (the audit log's own `access`, `export`, `prune` entries
          // name the organization's id) says so rather than showing a short id.
          for (const id of ids)
            labels.set(key({ type, id }), {
              label: id === organizationId ? 'This organization' : shortId(id),
              exists: null,
            });
          return;
        }
        const rows = await client.$queryRawUnsafe<Record<string, unknown>[]>(source.sql, [...ids], organizationId);
        const live = new Map(rows.map((row) => [String(row.__id), row]));
        const gone = [...ids].filter((id) => !live.has(id) && !COLLECTION_IDS.has(id));
        const last = gone.length
          ? await snapshots(
              client,
              organizationId,
              gone.map((id) => ({ type, id })),
            )
          : new Map<string, string>();
        for (const id of ids) {
          const row = live.get(id);
          const snapshot = last.get(key({ type, id }));
          labels.set(
            key({ type, id }),
            row
              ? { label: renderLabel(source.model.label.template, row) || shortId(id), exists: true }
              : snapshot !== undefined
                ? { label: snapshot, exists: false }
                : { label: COLLECTION_IDS.has(id) ? 'All records' : shortId(id), exists: null },
          );
        }
      }),
    );
    return labels;
  };
}

/** This build's labels: from the registry generated with its capture SQL. */
export const resolveEntityLabels = entityLabelResolver(auditRegistry);
