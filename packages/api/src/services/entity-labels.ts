/**
 * Names records in the log: for each entity type on a page, one query for the live records' label fields, scoped to
 * the organization. A record that no longer exists shows a shortened id instead. Everything it knows about a model
 * comes from the generated registry, so every audited model (those audited by the default rule too) is named.
 */
import { quoteIdent, renderLabel } from '@auditlog/audit';
import type { AuditRegistry, RawQueryClient, RegistryModel } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';

export interface EntityRef {
  type: string;
  id: string;
}

export interface EntityLabel {
  /** The record's name or number, or a shortened id when it no longer exists (or its type has no model). */
  label: string;
  /** `false` when the record was deleted; `null` when the type is not a model of this app (a custom action's entity). */
  exists: boolean | null;
}

/** `c7f3e2a1-…-9a1e` → `c7f3…a91e`. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}

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
          for (const id of ids) labels.set(key({ type, id }), { label: shortId(id), exists: null });
          return;
        }
        const rows = await client.$queryRawUnsafe<Record<string, unknown>[]>(source.sql, [...ids], organizationId);
        const live = new Map(rows.map((row) => [String(row.__id), row]));
        for (const id of ids) {
          const row = live.get(id);
          labels.set(
            key({ type, id }),
            row
              ? { label: renderLabel(source.model.label.template, row) || shortId(id), exists: true }
              : { label: shortId(id), exists: false },
          );
        }
      }),
    );
    return labels;
  };
}

/** This build's labels: from the registry generated with its capture SQL. */
export const resolveEntityLabels = entityLabelResolver(auditRegistry);
