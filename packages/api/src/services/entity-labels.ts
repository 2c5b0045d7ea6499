/**
 * Names records in the log: for each entity type on a page, one query for the live records' label fields, scoped to
 * the organization. A record that no longer exists shows a shortened id instead.
 */
import type { AuditModelConfig } from '@auditlog/audit';
import type { AuditedPrismaClient } from '@auditlog/db';
import { auditConfig, auditRegistry } from '@auditlog/db';

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

interface LabelSource {
  delegate: string;
  fields: readonly string[];
  organizationField: string;
  format: (values: Record<string, unknown>) => string;
}

const joinFields = (fields: readonly string[]) => (values: Record<string, unknown>) =>
  fields
    .map((field) => values[field])
    .filter((value) => value !== null && value !== undefined && value !== '')
    .join(' ');

/**
 * entity type → where its labels live, from the resolved registry (every audited model, those audited by the
 * default rule included, with its label fields), formatted by the config's `formatLabel` where one is given.
 */
const configured = auditConfig.models as Record<string, AuditModelConfig | false | undefined>;
const sources = new Map<string, LabelSource>(
  auditRegistry.models.map((model) => {
    const settings = configured[model.model];
    const source: LabelSource = {
      delegate: model.model.charAt(0).toLowerCase() + model.model.slice(1),
      fields: model.labelFields,
      organizationField: model.organizationField,
      format: (settings && settings.formatLabel) || joinFields(model.labelFields),
    };
    return [model.entityType, source] as const;
  }),
);

/** The one dynamic access to Prisma: a delegate chosen by name from the config, used only with findMany. */
type FindMany = (args: { where: object; select: Record<string, true> }) => Promise<Record<string, unknown>[]>;
function delegate(prisma: AuditedPrismaClient, name: string): FindMany | undefined {
  const candidate = (prisma as unknown as Record<string, { findMany?: FindMany } | undefined>)[name];
  return candidate?.findMany?.bind(candidate);
}

export async function resolveEntityLabels(
  prisma: AuditedPrismaClient,
  organizationId: string,
  refs: EntityRef[],
): Promise<Map<string, EntityLabel>> {
  const key = (ref: EntityRef) => `${ref.type}:${ref.id}`;
  const byType = new Map<string, Set<string>>();
  for (const ref of refs) byType.set(ref.type, (byType.get(ref.type) ?? new Set()).add(ref.id));

  const labels = new Map<string, EntityLabel>();
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      const source = sources.get(type);
      const findMany = source ? delegate(prisma, source.delegate) : undefined;
      if (!source || !findMany) {
        for (const id of ids) labels.set(key({ type, id }), { label: shortId(id), exists: null });
        return;
      }
      const rows = await findMany({
        where: { AND: [{ id: { in: [...ids] } }, { [source.organizationField]: organizationId }] },
        select: Object.fromEntries([['id', true], ...source.fields.map((field) => [field, true])]) as Record<
          string,
          true
        >,
      });
      const live = new Map(rows.map((row) => [String(row.id), row]));
      for (const id of ids) {
        const row = live.get(id);
        labels.set(
          key({ type, id }),
          row ? { label: source.format(row) || shortId(id), exists: true } : { label: shortId(id), exists: false },
        );
      }
    }),
  );
  return labels;
}
