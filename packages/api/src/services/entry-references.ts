/**
 * The foreign keys an entry changed, named as their targets were when the entry was written: "Client: Acme → Bolton"
 * stays true after Bolton is renamed or deleted. The labels are rebuilt from the targets' own entries up to the
 * entry's position in the log (entity-snapshots.ts); a target the log never captured is named by its current label,
 * and says so. The registry says which fields are foreign keys and to what.
 */
import type { AuditRegistry, RawQueryClient } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';
import type { EntryReference } from '../contract/audit.ts';
import { entityLabelResolver } from './entity-labels.ts';
import { snapshotLabelResolver } from './entity-snapshots.ts';
import type { EntityRef, LogPosition } from './entity-snapshots.ts';

type Changes = Record<string, { before?: unknown; after?: unknown }>;

export type ReferenceResolver = (
  client: RawQueryClient,
  organizationId: string,
  entry: LogPosition & { entityType: string; changes: Changes | null },
) => Promise<Record<string, EntryReference>>;

const asId = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);

export function referenceResolver(registry: AuditRegistry): ReferenceResolver {
  const snapshots = snapshotLabelResolver(registry);
  const live = entityLabelResolver(registry);
  const relations = new Map(registry.models.map((model) => [model.entityType, model.relations]));
  return async (client, organizationId, entry) => {
    const changed = (relations.get(entry.entityType) ?? []).flatMap((relation) => {
      const change = entry.changes?.[relation.field];
      return change && relation.targetEntityType
        ? [
            {
              field: relation.field,
              type: relation.targetEntityType,
              before: asId(change.before),
              after: asId(change.after),
            },
          ]
        : [];
    });
    if (changed.length === 0) return {};
    const refs: EntityRef[] = changed.flatMap(({ type, before, after }) =>
      [before, after].flatMap((id) => (id ? [{ type, id }] : [])),
    );
    const [then, now] = await Promise.all([
      snapshots(client, organizationId, refs, entry),
      live(client, organizationId, refs),
    ]);
    const named = (type: string, id: string | null) => {
      if (!id) return null;
      const key = `${type}:${id}`;
      const current = now.get(key);
      const frozen = then.get(key);
      return frozen !== undefined
        ? { id, label: frozen, exists: current?.exists ?? null, asOf: 'entry' as const }
        : { id, label: current?.label ?? id, exists: current?.exists ?? null, asOf: 'now' as const };
    };
    return Object.fromEntries(
      changed.map(({ field, type, before, after }) => [
        field,
        { entityType: type, before: named(type, before), after: named(type, after) },
      ]),
    );
  };
}

/** This build's references, from the registry generated with its capture SQL. */
export const resolveEntryReferences = referenceResolver(auditRegistry);
