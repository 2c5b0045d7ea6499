/**
 * Generates the capture SQL from the resolved audit config: shared helper functions, then for each audited table one
 * plpgsql function and three statement-level triggers with transition tables. The output is deterministic, carries
 * a hash in its header, and is idempotent (it first drops every capture trigger, so a model removed from the config
 * loses its triggers too).
 *
 * What makes it fast (measured, see docs/decisions/004-trigger-capture.md):
 * - one trigger call per statement, not per row; the context is parsed and the actor looked up once per statement;
 * - `changes` is built as JSON text from generated per-column expressions (never `to_jsonb(row)` and `jsonb_each`),
 *   only for the columns that changed, and parsed once per row; rows without a change are filtered out first;
 * - functions are planned once (`plan_cache_mode = force_generic_plan`);
 * - deep JSON redaction runs only on Json columns, after a cheap text pre-check.
 */
import { createHash } from 'node:crypto';
import { BINARY_DATA, REDACTED } from '../catalog.ts';
import { DEFAULT_SENSITIVE_NAMES, normalizeFieldName, SENSITIVE_AFFIX } from '../redact.ts';
import { AUDIT_COMMENT_KEY } from '../comments.ts';
import type { AuditedColumn, AuditedModel, ResolvedAuditConfig } from './config.ts';

export const AUDIT_SQL_MARKER = '-- audit-capture-hash:';
/** Trigger and function names start with this; the generated SQL drops every one of them before recreating. */
export const CAPTURE_PREFIX = 'audit_capture_';

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

export function captureFunctionName(model: AuditedModel): string {
  return `${CAPTURE_PREFIX}${model.table}`;
}

/**
 * The JSON text of a column's value on row alias `row` (SQL NULL when the column is null). `changes` is built as
 * text and parsed once per row: cheaper than nesting jsonb_build_object for every column.
 */
function jsonText(column: AuditedColumn, row: string): string {
  const ref = `${row}.${ident(column.column)}`;
  switch (column.encoding) {
    case 'json-native':
      return `to_json(${ref})::text`;
    case 'text':
      return `to_json(${ref}::text)::text`;
    case 'timestamp':
      return `'"' || to_char(${ref}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'`;
    case 'timestamptz':
      return `'"' || to_char(${ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"'`;
    case 'json':
      return `audit_redact_json(${ref}${column.isJsonType ? '::jsonb' : ''})::text`;
    case 'json-list':
      return `audit_redact_json(to_jsonb(${ref}))::text`;
    case 'text-list':
      return `to_json(${ref}::text[])::text`;
    case 'binary':
      return `CASE WHEN ${ref} IS NOT NULL THEN ${literal(JSON.stringify(BINARY_DATA))} END`;
    case 'redacted':
      return `CASE WHEN ${ref} IS NOT NULL THEN ${literal(JSON.stringify(REDACTED))} END`;
  }
}

function comparable(column: AuditedColumn, row: string): string {
  const ref = `${row}.${ident(column.column)}`;
  return column.isJsonType ? `${ref}::jsonb` : ref;
}

const changed = (c: AuditedColumn) => `${comparable(c, 'o')} IS DISTINCT FROM ${comparable(c, 'n')}`;

/**
 * `('{' || concat_ws(',', <member or NULL>, …) || '}')::jsonb`: concat_ws skips the NULL members, so only the
 * fields that changed are built at all. Keys are Prisma field names (identifiers: safe as JSON text).
 */
function changesObject(columns: AuditedColumn[], member: (c: AuditedColumn) => string): string {
  if (columns.length === 0) return `'{}'::jsonb`;
  const members = columns.map((c) => `\n        ${member(c)}`);
  return `('{' || concat_ws(',',${members.join(',')}) || '}')::jsonb`;
}

const side = (value: string) => `coalesce(${value}, 'null')`;
const key = (c: AuditedColumn) => literal(`${JSON.stringify(c.field)}:{"before":`);

function createChanges(columns: AuditedColumn[]): string {
  return changesObject(
    columns,
    (c) => `CASE WHEN n.${ident(c.column)} IS NOT NULL THEN ${literal(`${JSON.stringify(c.field)}:{"before":null,"after":`)} || ${jsonText(c, 'n')} || '}' END`,
  );
}

function deleteChanges(columns: AuditedColumn[]): string {
  return changesObject(
    columns,
    (c) => `CASE WHEN o.${ident(c.column)} IS NOT NULL THEN ${key(c)} || ${jsonText(c, 'o')} || ',"after":null}' END`,
  );
}

function updateChanges(columns: AuditedColumn[]): string {
  return changesObject(
    columns,
    (c) => `CASE WHEN ${changed(c)} THEN ${key(c)} || ${side(jsonText(c, 'o'))} || ',"after":' || ${side(jsonText(c, 'n'))} || '}' END`,
  );
}

/** True when any audited column of the row changed: rows without a change get no entry and no JSON built. */
function anyChange(columns: AuditedColumn[]): string {
  return columns.length === 0 ? 'false' : columns.map((c) => `(${changed(c)})`).join('\n       OR ');
}

function insertColumns(config: ResolvedAuditConfig): string {
  const c = config.audit.columns;
  return [
    c.id,
    c.organizationId,
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
  ]
    .map(ident)
    .join(', ');
}

function contextValues(config: ResolvedAuditConfig): string {
  return `ctx.actor_type::${ident(config.audit.actorTypeEnum)}, ctx.user_id, ctx.actor_name, ctx.actor_email, ctx.ip, ctx.ua, ctx.request_id`;
}

function captureFunction(config: ResolvedAuditConfig, model: AuditedModel): string {
  const target = ident(config.audit.table);
  const columns = insertColumns(config);
  const id = ident(model.idColumn);
  const org = ident(model.organizationColumn);
  const entityType = literal(model.entityType);
  const context = contextValues(config);
  const values = (action: string, alias: string, changes: string) =>
    `audit_uuidv7(ctx.at), ${alias}.${org}, ctx.at, '${action}', ${entityType}, ${alias}.${id}::text,\n      ${context},\n      ${changes}`;
  // One plan per statement kind, made once; hash joins only, because the plan is made for the first statement's
  // row count and a nested loop chosen for one row would be quadratic for a 1,000-row updateMany.
  return `CREATE FUNCTION ${ident(captureFunctionName(model))}() RETURNS trigger
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_nestloop = off
SET enable_mergejoin = off
AS $audit$
DECLARE
  ctx record := audit_context();
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ${target} (${columns})
    SELECT ${values('create', 'n', createChanges(model.columns))}
    FROM audit_new n;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO ${target} (${columns})
    SELECT ${values('update', 'n', updateChanges(model.columns))}
    FROM audit_new n JOIN audit_old o ON o.${id} = n.${id}
    WHERE ${anyChange(model.columns)};
  ELSE
    INSERT INTO ${target} (${columns})
    SELECT ${values('delete', 'o', deleteChanges(model.columns))}
    FROM audit_old o;
  END IF;
  RETURN NULL;
END;
$audit$;`;
}

function captureTriggers(model: AuditedModel): string {
  const table = ident(model.table);
  const fn = ident(captureFunctionName(model));
  return [
    `CREATE TRIGGER ${CAPTURE_PREFIX}insert AFTER INSERT ON ${table}\n  REFERENCING NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${CAPTURE_PREFIX}update AFTER UPDATE ON ${table}\n  REFERENCING OLD TABLE AS audit_old NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
    `CREATE TRIGGER ${CAPTURE_PREFIX}delete AFTER DELETE ON ${table}\n  REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`,
  ].join('\n');
}

function sensitiveKeyCheck(key: string, extra: readonly string[]): string {
  // Same rule as isSensitiveField: the name ends with a secret word, starts or ends with "encrypted", or is one of
  // the config's own secret names.
  const patterns = [
    ...DEFAULT_SENSITIVE_NAMES.map((name) => `%${name}`),
    `${SENSITIVE_AFFIX}%`,
    `%${SENSITIVE_AFFIX}`,
    ...extra.map(normalizeFieldName).map((name) => name.replaceAll('%', '\\%').replaceAll('_', '\\_')),
  ];
  return `${key} LIKE ANY (ARRAY[${patterns.map(literal).join(', ')}])`;
}

function helpers(config: ResolvedAuditConfig): string {
  const actor = config.actor;
  // Every secret word contains one of these, so a JSON text without any of them holds no secret key.
  const words = ['pass', 'secret', 'token', 'key', 'encrypt', ...config.sensitive.map(normalizeFieldName)];
  const prefilter = literal(`(${words.map((word) => word.replace(/[^a-z0-9]/g, '')).filter(Boolean).join('|')})`);
  const c = config.audit.columns;
  return `-- UUIDv7 (RFC 9562) for a given time: 48 bits of Unix milliseconds, version 7, random rest.
-- PostgreSQL 15 has no uuidv7(), and Prisma generates uuid(7) defaults in the client, not for trigger-written rows.
CREATE OR REPLACE FUNCTION audit_uuidv7(ts timestamptz) RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $audit$
  SELECT encode(
    set_bit(set_bit(
      overlay(uuid_send(gen_random_uuid())
              PLACING substring(int8send(floor(extract(epoch FROM ts) * 1000)::bigint) FROM 3)
              FROM 1 FOR 6),
      52, 1), 53, 1),
    'hex')::uuid
$audit$;

-- Secrets at any depth of a JSON value become "${REDACTED}". The key test is redact.ts's rule on the normalized
-- name (lower case, without _ and -). A text pre-check skips values that cannot hold a sensitive key.
CREATE OR REPLACE FUNCTION audit_redact_json(value jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $audit$
DECLARE
  result jsonb;
  k text;
  v jsonb;
  normalized text;
BEGIN
  IF jsonb_typeof(value) = 'object' THEN
    IF translate(value::text, '_-', '') !~* ${prefilter} THEN RETURN value; END IF;
    result := '{}'::jsonb;
    FOR k, v IN SELECT * FROM jsonb_each(value) LOOP
      normalized := translate(lower(k), '_-', '');
      IF jsonb_typeof(v) <> 'null' AND (${sensitiveKeyCheck('normalized', config.sensitive)}) THEN
        result := result || jsonb_build_object(k, ${literal(REDACTED)});
      ELSE
        result := result || jsonb_build_object(k, audit_redact_json(v));
      END IF;
    END LOOP;
    RETURN result;
  ELSIF jsonb_typeof(value) = 'array' THEN
    IF translate(value::text, '_-', '') !~* ${prefilter} THEN RETURN value; END IF;
    SELECT coalesce(jsonb_agg(audit_redact_json(e) ORDER BY i), '[]'::jsonb) INTO result
      FROM jsonb_array_elements(value) WITH ORDINALITY AS a(e, i);
    RETURN result;
  END IF;
  RETURN value;
END;
$audit$;

-- The actor of the current statement, from the ${AUDIT_COMMENT_KEY}='<base64url JSON>' comment appended to every
-- query made inside an audit context (adapter.ts, or Prisma's comments plugin). Only the last such value counts, and
-- only inside a comment that ends the query. No comment: unattributed (a write made outside any audit context). The
-- user's name and email come with the context, or are read here once for the whole statement. String functions, not a
-- regex: this runs for every audited statement.
CREATE OR REPLACE FUNCTION audit_context(
  OUT actor_type text, OUT user_id text, OUT actor_name text, OUT actor_email text,
  OUT ip text, OUT ua text, OUT request_id text, OUT at timestamptz)
LANGUAGE plpgsql
AS $audit$
DECLARE
  tail text := right(current_query(), 4096);
  rest text := split_part(tail, '${AUDIT_COMMENT_KEY}=''', -1);
  encoded text := split_part(rest, '''', 1);
  payload jsonb;
BEGIN
  at := date_trunc('milliseconds', statement_timestamp());
  actor_type := 'UNATTRIBUTED';
  IF rest = tail OR strpos(rest, '/*') > 0 OR rtrim(rest, E' \\t\\r\\n;') NOT LIKE '%*/' OR encoded !~ '^[A-Za-z0-9_-]+$' THEN
    RETURN;
  END IF;
  payload := convert_from(decode(rpad(translate(encoded, '-_', '+/'), (length(encoded) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb;
  ip := payload->>'ip';
  ua := payload->>'ua';
  request_id := payload->>'r';
  IF payload ? 'at' THEN at := (payload->>'at')::timestamptz; END IF;
  user_id := payload->>'u';
  IF payload ? 'a' THEN
    actor_type := 'ANONYMOUS';
    user_id := NULL;
  ELSIF user_id IS NOT NULL THEN
    actor_type := 'USER';
    actor_name := payload->>'n';
    actor_email := payload->>'e';
    IF actor_name IS NULL AND actor_email IS NULL THEN
      SELECT a.${ident(actor.nameColumn)}, a.${ident(actor.emailColumn)} INTO actor_name, actor_email
        FROM ${ident(actor.table)} a WHERE a.${ident(actor.idColumn)} = user_id;
    END IF;
  ELSE
    actor_type := 'SYSTEM';
    actor_name := nullif(payload->>'s', '');
  END IF;
END;
$audit$;

-- A custom entry (login, export, …) written with the same context as the triggers' entries; record() calls it.
CREATE OR REPLACE FUNCTION audit_record(
  p_organization_id text, p_action text, p_entity_type text, p_entity_id text, p_changes jsonb, p_metadata jsonb,
  OUT id uuid, OUT created_at timestamptz)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $audit$
DECLARE
  ctx record;
BEGIN
  ctx := audit_context();
  id := audit_uuidv7(ctx.at);
  created_at := ctx.at;
  INSERT INTO ${ident(config.audit.table)} (${insertColumns(config)}, ${ident(c.metadata)})
  VALUES (id, p_organization_id, ctx.at, p_action, p_entity_type, p_entity_id,
    ${contextValues(config)},
    p_changes, p_metadata);
END;
$audit$;`;
}

const DROP_PREVIOUS = `-- Drop every capture trigger and function first: models may have left the config, columns may have changed.
DO $audit$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tgname, tgrelid::regclass AS rel FROM pg_trigger WHERE tgname LIKE '${CAPTURE_PREFIX.replaceAll('_', '\\_')}%' LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
  END LOOP;
  FOR t IN SELECT p.oid::regprocedure AS fn FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE '${CAPTURE_PREFIX.replaceAll('_', '\\_')}%' LOOP
    EXECUTE format('DROP FUNCTION %s', t.fn);
  END LOOP;
END;
$audit$;`;

/** The body of the generated SQL, without its header. */
function body(config: ResolvedAuditConfig): string {
  const parts = [helpers(config), DROP_PREVIOUS];
  for (const model of config.models) {
    parts.push(`-- ${model.model} → entity type "${model.entityType}"`, captureFunction(config, model), captureTriggers(model));
  }
  return `${parts.join('\n\n')}\n`;
}

export interface GeneratedAuditSql {
  sql: string;
  hash: string;
}

/** The full capture SQL, with a header naming its source and its hash (which `pnpm db:migrate` compares). */
export function generateAuditSql(config: ResolvedAuditConfig): GeneratedAuditSql {
  const text = body(config);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const header = [
    '-- Audit capture, generated by @auditlog/audit from the audit config and schema.prisma.',
    '-- Do not edit: change the config or the schema, then run `pnpm db:migrate --name <name>`.',
    `${AUDIT_SQL_MARKER} ${hash}`,
  ].join('\n');
  return { sql: `${header}\n\n${text}`, hash };
}

/** The plpgsql body PostgreSQL stores for a model's capture function (`pg_proc.prosrc`), to detect stale triggers. */
export function expectedFunctionSource(config: ResolvedAuditConfig, model: AuditedModel): string {
  const fn = captureFunction(config, model);
  const start = fn.indexOf('$audit$') + '$audit$'.length;
  return fn.slice(start, fn.lastIndexOf('$audit$'));
}
