/**
 * The capture SQL of one audited table: a statement-level function for INSERT, UPDATE, DELETE (transition tables)
 * and TRUNCATE (a BEFORE trigger, while the rows are still there), a row-level function for the rare primary-key
 * change, and their five triggers. Both functions run as the owner (SECURITY DEFINER), so the runtime role needs no
 * privilege on the audit table, and pin every setting their output depends on.
 *
 * What makes it fast (measured, see docs/decisions/004-trigger-capture.md): one call per statement, the context
 * parsed once per statement, `changes` built as JSON text for the changed columns only, rows without a change
 * filtered out first, one generic plan with hash joins only (a nested loop planned for one row was quadratic for a
 * 1,000-row updateMany).
 */
import type { AuditedColumn, AuditedModel, ResolvedAuditConfig } from './config.ts';
import { ident, literal, PINNED_SEARCH_PATH, SETTINGS, TRIGGERS } from './names.ts';
import type { SqlNames } from './names.ts';
import { anyChanged, changesObject, keyChangeMember, snapshotMember, updateMember } from './values.ts';
import type { ValueContext } from './values.ts';

/** The audit table's columns, in the order every INSERT of the engine writes them. */
export function insertColumns(config: ResolvedAuditConfig): string {
  const c = config.audit.columns;
  return [
    c.id,
    ...(c.organizationId === null ? [] : [c.organizationId]),
    c.createdAt,
    c.action,
    c.entityType,
    c.entityId,
    c.actorType,
    c.actorUserId,
    c.actorName,
    c.actorEmail,
    c.ipAddress,
    c.userAgent,
    c.requestId,
    c.changes,
    c.metadata,
  ]
    .map(ident)
    .join(', ');
}

/**
 * An entry's organization value and its comma, in the place `insertColumns` lists the column: nothing in a
 * single-tenant app, whose entries have no organization.
 */
export const organizationValue = (config: ResolvedAuditConfig, value: string): string =>
  config.audit.columns.organizationId === null ? '' : `${value}, `;

export function contextValues(names: SqlNames): string {
  return `ctx.actor_type::${names.actorType}, ctx.user_id, ctx.actor_name, ctx.actor_email, ctx.ip, ctx.ua, ctx.request_id`;
}

/**
 * A UUIDv7 whose 48-bit time is the entry's millisecond and whose other 62 bits are the next value of the engine's
 * sequence: ids sort in the order entries were written, inside one statement and across the statements of one
 * transaction alike, so "newest first" is the order of events. (`id_prefix` is computed once per statement.)
 */
export const newIdExpression = (names: SqlNames) =>
  `(id_prefix || to_hex((nextval(${literal(names.sequence)}::regclass) & 4611686018427387903) | id_variant))::uuid`;

/** What every capture function knows before its first statement. */
function declarations(names: SqlNames): string {
  return `DECLARE
  ctx record := ${names.context}();
  id_prefix text := lpad(to_hex(greatest(0, floor(extract(epoch FROM ctx.at) * 1000))::bigint), 12, '0') || '7000';
  id_variant constant bigint := 1::bigint << 63;
  ctx_meta jsonb := CASE WHEN ctx.issue IS NOT NULL THEN jsonb_build_object('auditContext', ctx.issue) END;
  moved_out jsonb := '{"moved":"out"}'::jsonb || coalesce(ctx_meta, '{}'::jsonb);
  moved_in jsonb := '{"moved":"in"}'::jsonb || coalesce(ctx_meta, '{}'::jsonb);
  written bigint := 0;`;
}

/**
 * Strict mode: a write that the application made outside any audit context is refused, naming what is missing.
 * A malformed context is not "outside any context": it never fails the business write (it is stored with a flag).
 */
export const STRICT_MODE_MESSAGE = 'audited write outside any audit context, refused by strict mode';
function strictCheck(): string {
  return `IF written > 0 AND ctx.strict_mode AND ctx.actor_type = 'UNATTRIBUTED' AND ctx.issue IS NULL THEN
    RAISE EXCEPTION '%.%: ${STRICT_MODE_MESSAGE}', TG_TABLE_SCHEMA, TG_TABLE_NAME
      USING HINT = 'Run the write inside withAuditContext() or runAsSystem(), or turn strict mode off for this session (SET ${SETTINGS.strict} = off).';
  END IF;`;
}

/**
 * Function attributes: owner rights, pinned search_path, one plan per statement kind, hash joins only, and no JIT:
 * the lateral join of an UPDATE must be a nested loop, whose disabled-plan cost would otherwise cross jit_above_cost
 * and compile every plan to machine code (measured: 430 ms for a one-row update on PostgreSQL 15).
 */
function functionAttributes(model: AuditedModel): string {
  const floats = model.columns.some((column: AuditedColumn) => column.isFloat) ? '\nSET extra_float_digits = 1' : '';
  return `LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
SET plan_cache_mode = force_generic_plan
SET enable_nestloop = off
SET enable_mergejoin = off
SET jit = off${floats}`;
}

function groupedByAction(model: AuditedModel): { action: string; columns: AuditedColumn[] }[] {
  const regular = model.columns.filter((column) => !(column.field in model.actions));
  const groups = [{ action: 'update', columns: regular }];
  for (const action of new Set(Object.values(model.actions))) {
    groups.push({ action, columns: model.columns.filter((column) => model.actions[column.field] === action) });
  }
  return groups.filter((group) => group.columns.length > 0);
}

/**
 * A model whose tenant column is its id (the organization itself) cannot move: a change of it is a key change. Nor
 * can a model of a single-tenant app, which has no tenant column.
 */
export const movable = (model: AuditedModel) =>
  model.organizationColumn !== null && model.organizationColumn !== model.idColumn;
// Read only where the config has an organization column (`organizationValue`).
const tenantOf = (model: AuditedModel, row: string) =>
  model.organizationColumn === null ? 'NULL' : `${row}.${ident(model.organizationColumn)}`;
const sameTenant = (model: AuditedModel) =>
  movable(model) ? `${tenantOf(model, 'o')} IS NOT DISTINCT FROM ${tenantOf(model, 'n')}` : 'true';

const valueContext = (model: AuditedModel, names: SqlNames): ValueContext => ({
  names,
  entityType: model.entityType,
  idColumn: model.idColumn,
});

const snapshot = (model: AuditedModel, row: 'o' | 'n', names: SqlNames) =>
  changesObject(model.columns.map((column) => snapshotMember(column, row, valueContext(model, names))));

interface EntryKind {
  organization: string;
  action: string;
  entityId: string;
  changes: string;
  metadata: string;
  /** When a pair of rows gets this entry. */
  wanted: string;
}

/**
 * One INSERT writing up to one entry of each kind per pair of rows. The kinds are a constant VALUES list joined to
 * the pairs, and every per-kind expression sits in the target list behind `CASE k.kind`: PostgreSQL compiles a
 * lateral VALUES row's expressions again for every row it emits, which cost 0.2 ms a row with these.
 */
function entriesStatement(
  config: ResolvedAuditConfig,
  model: AuditedModel,
  names: SqlNames,
  from: string,
  kinds: EntryKind[],
  extraWhere = '',
): string {
  const pick = (part: (kind: EntryKind) => string) =>
    kinds.length === 1
      ? part(kinds[0] as EntryKind)
      : `CASE k.kind ${kinds.map((kind, i) => `WHEN ${i + 1} THEN ${part(kind)}`).join(' ')} END`;
  const wanted =
    kinds.length === 1
      ? `(${(kinds[0] as EntryKind).wanted})`
      : `(${kinds.map((kind, i) => `(k.kind = ${i + 1} AND ${kind.wanted})`).join('\n       OR ')})`;
  const join =
    kinds.length === 1 ? '' : `\n    CROSS JOIN (VALUES ${kinds.map((_, i) => `(${i + 1})`).join(', ')}) AS k(kind)`;
  return `INSERT INTO ${names.auditTable} (${insertColumns(config)})
    SELECT ${newIdExpression(names)}, ${organizationValue(
      config,
      pick((k) => k.organization),
    )}ctx.at, ${pick((k) => k.action)}, ${literal(model.entityType)},
      ${pick((k) => k.entityId)}, ${contextValues(names)},
      ${pick((k) => k.changes)},
      ${pick((k) => k.metadata)}
    FROM ${from}${join}
    WHERE ${wanted}${extraWhere};`;
}

/**
 * The entries of an UPDATE's changed rows: one `update` (and one per semantic action, e.g. `permission_change`) in
 * the record's organization, or, when the organization column changed, a `delete` in the old organization (the
 * record leaves, with its last values) and a `create` in the new one (it arrives).
 */
function updateStatements(
  config: ResolvedAuditConfig,
  model: AuditedModel,
  names: SqlNames,
): { changes: string; moves: string | null } {
  const id = ident(model.idColumn);
  const same = sameTenant(model);
  const context = valueContext(model, names);
  const kinds: EntryKind[] = groupedByAction(model).map(({ action, columns }) => ({
    organization: tenantOf(model, 'n'),
    action: literal(action),
    entityId: `n.${id}::text`,
    changes: changesObject(columns.map((column) => updateMember(column, context))),
    metadata: 'ctx_meta',
    wanted: `${same} AND (${anyChanged(columns)})`,
  }));
  const rekeyedIds = (side: 'old_id' | 'new_id') =>
    `SELECT r.${side} FROM ${names.rekeyed} r WHERE r.tx = pg_current_xact_id() AND r.rel = TG_RELID`;
  // Rows whose key changed were written by the row trigger; pairing them by id here would invent changes.
  const notRekeyed = `\n      AND (NOT rekeyed OR (n.${id}::text NOT IN (${rekeyedIds('new_id')}) AND o.${id}::text NOT IN (${rekeyedIds('old_id')})))`;
  const pairs = `audit_new n JOIN audit_old o ON o.${id} = n.${id}`;
  return {
    changes: entriesStatement(config, model, names, pairs, kinds, notRekeyed),
    // Moves are rare: their snapshots are compiled and run only in a transaction where a row changed organization.
    moves: movable(model)
      ? entriesStatement(
          config,
          model,
          names,
          pairs,
          moveKinds(model, names, `n.${id}::text`, `n.${id}::text`),
          notRekeyed,
        )
      : null,
  };
}

/** A move: the record leaves the old organization (a delete there) and arrives in the new one (a create). */
function moveKinds(model: AuditedModel, names: SqlNames, oldId: string, newId: string): EntryKind[] {
  const moved = `NOT (${sameTenant(model)})`;
  return [
    {
      organization: tenantOf(model, 'o'),
      action: `'delete'`,
      entityId: oldId,
      changes: snapshot(model, 'o', names),
      metadata: 'moved_out',
      wanted: moved,
    },
    {
      organization: tenantOf(model, 'n'),
      action: `'create'`,
      entityId: newId,
      changes: snapshot(model, 'n', names),
      metadata: 'moved_in',
      wanted: moved,
    },
  ];
}

function captureFunction(config: ResolvedAuditConfig, model: AuditedModel, names: SqlNames): string {
  const update = updateStatements(config, model, names);
  const columns = insertColumns(config);
  const id = ident(model.idColumn);
  const org = (row: 'n' | 'o') => organizationValue(config, tenantOf(model, row));
  const entityType = literal(model.entityType);
  const context = contextValues(names);
  const newId = newIdExpression(names);
  return `CREATE FUNCTION ${names.captureFunction(model)}() RETURNS trigger
${functionAttributes(model)}
AS $audit$
${declarations(names)}
  rekeyed boolean := false;
  moved bigint := 0;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ${names.auditTable} (${columns})
    SELECT ${newId}, ${org('n')}ctx.at, 'create', ${entityType}, n.${id}::text,
      ${context}, ${snapshot(model, 'n', names)}, ctx_meta
    FROM audit_new n;
    GET DIAGNOSTICS written = ROW_COUNT;
  ELSIF TG_OP = 'UPDATE' THEN
    rekeyed := current_setting(${literal(SETTINGS.rekeyTx)}, true) = pg_current_xact_id()::text;
    ${update.changes}
    GET DIAGNOSTICS written = ROW_COUNT;${
      update.moves
        ? `
    IF current_setting(${literal(SETTINGS.moveTx)}, true) = pg_current_xact_id()::text THEN
      ${update.moves}
      GET DIAGNOSTICS moved = ROW_COUNT;
      written := written + moved;
    END IF;`
        : ''
    }
    IF rekeyed THEN
      DELETE FROM ${names.rekeyed} WHERE tx = pg_current_xact_id() AND rel = TG_RELID;
    END IF;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO ${names.auditTable} (${columns})
    SELECT ${newId}, ${org('o')}ctx.at, 'delete', ${entityType}, o.${id}::text,
      ${context}, ${snapshot(model, 'o', names)}, ctx_meta
    FROM audit_old o;
    GET DIAGNOSTICS written = ROW_COUNT;
  ELSE
    -- TRUNCATE, before it happens: every row still there leaves as a delete entry, as if deleted one by one.
    INSERT INTO ${names.auditTable} (${columns})
    SELECT ${newId}, ${org('o')}ctx.at, 'delete', ${entityType}, o.${id}::text,
      ${context}, ${snapshot(model, 'o', names)}, '{"via":"truncate"}'::jsonb || coalesce(ctx_meta, '{}'::jsonb)
    FROM ONLY ${names.table(model)} o;
    GET DIAGNOSTICS written = ROW_COUNT;
  END IF;
  ${strictCheck()}
  RETURN NULL;
END;
$audit$;`;
}

/**
 * A primary-key change, one row at a time (statement triggers pair old and new rows by key, which a key change
 * breaks): an `update` whose changes hold the id before and after, or a move when the organization changed too. The
 * pair is noted in the owner-only `rekeyed` table, which the statement trigger reads to leave those rows alone; a
 * session cannot write there, so it cannot hide a row from capture.
 */
function rekeyFunction(config: ResolvedAuditConfig, model: AuditedModel, names: SqlNames): string {
  const id = ident(model.idColumn);
  const context = valueContext(model, names);
  const changes = changesObject([
    keyChangeMember(model.idField, model.idColumn),
    ...model.columns.map((column) => updateMember(column, context)),
  ]);
  const kinds: EntryKind[] = [
    {
      organization: tenantOf(model, 'n'),
      action: `'update'`,
      entityId: `n.${id}::text`,
      changes,
      metadata: 'ctx_meta',
      wanted: sameTenant(model),
    },
  ];
  if (movable(model)) kinds.push(...moveKinds(model, names, `o.${id}::text`, `n.${id}::text`));
  return `CREATE FUNCTION ${names.rekeyFunction(model)}() RETURNS trigger
${functionAttributes(model)}
AS $audit$
${declarations(names)}
BEGIN
  INSERT INTO ${names.rekeyed} (tx, rel, old_id, new_id) VALUES (pg_current_xact_id(), TG_RELID, OLD.${id}::text, NEW.${id}::text);
  PERFORM set_config(${literal(SETTINGS.rekeyTx)}, pg_current_xact_id()::text, true);
  ${entriesStatement(config, model, names, '(SELECT OLD.*) o CROSS JOIN (SELECT NEW.*) n', kinds)}
  GET DIAGNOSTICS written = ROW_COUNT;
  ${strictCheck()}
  RETURN NULL;
END;
$audit$;`;
}

function captureTriggers(model: AuditedModel, names: SqlNames): string {
  const tenant = model.organizationColumn;
  const table = names.table(model);
  const fn = names.captureFunction(model);
  const id = ident(model.idColumn);
  return [
    `CREATE TRIGGER ${TRIGGERS.insert} AFTER INSERT ON ${table}\n  REFERENCING NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${TRIGGERS.update} AFTER UPDATE ON ${table}\n  REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${TRIGGERS.delete} AFTER DELETE ON ${table}\n  REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${TRIGGERS.truncate} BEFORE TRUNCATE ON ${table}\n  FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${TRIGGERS.rekey} AFTER UPDATE OF ${id} ON ${table}\n  FOR EACH ROW WHEN (OLD.${id} IS DISTINCT FROM NEW.${id}) EXECUTE FUNCTION ${names.rekeyFunction(model)}();`,
    ...(movable(model) && tenant !== null
      ? [
          `CREATE TRIGGER ${TRIGGERS.move} AFTER UPDATE OF ${ident(tenant)} ON ${table}\n  FOR EACH ROW WHEN (OLD.${ident(tenant)} IS DISTINCT FROM NEW.${ident(tenant)}) EXECUTE FUNCTION ${names.noteMove}();`,
        ]
      : []),
  ].join('\n');
}

/** Everything one audited table needs, in install order. */
export function modelCaptureSql(config: ResolvedAuditConfig, model: AuditedModel, names: SqlNames): string {
  return [
    `-- ${model.model} → entity type "${model.entityType}"`,
    captureFunction(config, model, names),
    rekeyFunction(config, model, names),
    captureTriggers(model, names),
  ].join('\n\n');
}

/** The plpgsql body PostgreSQL stores for a function (`pg_proc.prosrc`): what the registry fingerprints. */
export function functionBodies(
  config: ResolvedAuditConfig,
  model: AuditedModel,
  names: SqlNames,
): { capture: string; rekey: string } {
  const body = (sql: string) => sql.slice(sql.indexOf('$audit$') + '$audit$'.length, sql.lastIndexOf('$audit$'));
  return { capture: body(captureFunction(config, model, names)), rekey: body(rekeyFunction(config, model, names)) };
}
