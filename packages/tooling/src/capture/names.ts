/**
 * Names in the generated SQL. Every object is schema-qualified, so no session can shadow one with a temporary table
 * or function of the same name, and every function pins `search_path` to `pg_catalog, pg_temp` (`pg_temp` last) so
 * that even unqualified built-ins resolve to the catalog.
 */
import { AUDIT_SETTINGS, quoteIdent } from '@auditlog/audit';
import type { AuditedModel, ResolvedAuditConfig } from './config.ts';

export const ident = quoteIdent;
export const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** `search_path` for every generated function: built-ins only, temporary objects never first. */
export const PINNED_SEARCH_PATH = 'SET search_path = pg_catalog, pg_temp';

/** The triggers on each audited table. Only these names are ever dropped, and only in the app's schema. */
export const TRIGGERS = {
  insert: 'audit_capture_insert',
  update: 'audit_capture_update',
  delete: 'audit_capture_delete',
  truncate: 'audit_capture_truncate',
  rekey: 'audit_capture_rekey',
  move: 'audit_capture_move',
} as const;
export const TRIGGER_PREFIX = 'audit_capture_';

/** Per-table functions in the internal schema start with these. */
export const CAPTURE_FUNCTION_PREFIX = 'capture_';
export const REKEY_FUNCTION_PREFIX = 'rekey_';

/** Set by prune_months() to its transaction id: the append-only guard lets that transaction's DELETEs through. */
export const PRUNE_SETTING = 'auditlog.prune_tx';

/** The append-only trigger on the audit table. */
export const APPEND_ONLY_TRIGGER = 'audit_append_only';

/** The custom settings the engine reads (see settings.ts). */
export const SETTINGS = AUDIT_SETTINGS;

export function captureFunctionName(model: AuditedModel): string {
  return `${CAPTURE_FUNCTION_PREFIX}${model.table}`;
}

export function rekeyFunctionName(model: AuditedModel): string {
  return `${REKEY_FUNCTION_PREFIX}${model.table}`;
}

/** Qualified SQL names of one config. */
export function sqlNames(config: ResolvedAuditConfig) {
  const internal = ident(config.internalSchema);
  const app = ident(config.schema);
  const fn = (name: string) => `${internal}.${ident(name)}`;
  return {
    /** The internal schema's name, unquoted (for the redaction SQL helpers). */
    internalName: config.internalSchema,
    internal,
    app,
    /** A function of the internal schema, e.g. `"auditlog"."apply_grants"`. */
    fn,
    auditTable: `${app}.${ident(config.audit.table)}`,
    actorTable: `${app}.${ident(config.actor.table)}`,
    table: (model: AuditedModel) => `${app}.${ident(model.table)}`,
    captureFunction: (model: AuditedModel) => fn(captureFunctionName(model)),
    rekeyFunction: (model: AuditedModel) => fn(rekeyFunctionName(model)),
    context: fn('context'),
    record: fn('record'),
    nextId: fn('next_id'),
    sequence: fn('entry_seq'),
    rekeyed: fn('rekeyed'),
    seedClock: fn('seed_clock'),
    noteMove: fn('note_move'),
    auditJson: fn('audit_json'),
    capJson: fn('cap_json'),
    fingerprint: fn('fingerprint'),
    actorType: `${app}.${ident(config.audit.actorTypeEnum)}`,
  };
}

export type SqlNames = ReturnType<typeof sqlNames>;
