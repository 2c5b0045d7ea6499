/**
 * The engine's shared SQL, installed once per database in the internal schema: the context parser, ids, `record()`,
 * the append-only guard, the DDL watch, and the grants that keep the runtime role away from the audit table. Every
 * function pins `search_path` and names every object with its schema.
 */
import { AUDIT_COMMENT_KEY, NAME_PATTERN, ROW_CHANGE_ACTIONS, SCHEMA_CHANGE_ACTION } from '@auditlog/audit';
import { contextValues, insertColumns, organizationValue, STRICT_MODE_MESSAGE } from './capture.ts';
import type { ResolvedAuditConfig } from './config.ts';
import { redactionSql } from './redaction-sql.ts';
import { partitionGrantsSql, partitionsSql } from './partitions-sql.ts';
import { PRUNE_SETTING, sealFunctionsSql, sealGrantsSql, sealStorageSql } from './seal-sql.ts';
import { valuesSql } from './values-sql.ts';
import {
  APPEND_ONLY_TRIGGER,
  CAPTURE_FUNCTION_PREFIX,
  ident,
  literal,
  PINNED_SEARCH_PATH,
  REKEY_FUNCTION_PREFIX,
  SETTINGS,
  TRIGGER_PREFIX,
} from './names.ts';
import type { SqlNames } from './names.ts';

/** The event triggers of the DDL watch (database-wide objects, so their names carry the engine's prefix). */
export const DDL_EVENT_TRIGGERS = { command: 'auditlog_ddl_command', drop: 'auditlog_sql_drop' } as const;

/** How far back in the statement text the context comment is looked for: twice the most the library ever writes. */
export const CONTEXT_TAIL_CHARS = 8192;

const like = (prefix: string) => literal(`${prefix.replaceAll('_', '\\_')}%`);

function storage(names: SqlNames): string {
  return `CREATE SCHEMA IF NOT EXISTS ${names.internal};

-- The order of entries: every entry's id carries the next value, so ids sort in the order entries were written.
CREATE SEQUENCE IF NOT EXISTS ${names.sequence};

-- Primary-key changes seen by the row triggers of the current statement (read and cleared by its statement trigger).
CREATE TABLE IF NOT EXISTS ${names.rekeyed} (tx xid8 NOT NULL, rel oid NOT NULL, old_id text NOT NULL, new_id text NOT NULL);

-- Roles the application runs as: \`${names.fn('grant_runtime')}(role)\` adds one, every install re-applies their grants.
CREATE TABLE IF NOT EXISTS ${names.internal}.runtime_roles (role_name name PRIMARY KEY, added_at timestamptz NOT NULL DEFAULT now());

-- DDL on audited tables and on this schema, collected per transaction and written as one entry at commit.
CREATE TABLE IF NOT EXISTS ${names.internal}.ddl_events (
  n bigint GENERATED ALWAYS AS IDENTITY, tx xid8 NOT NULL, command text NOT NULL, object_type text, identity text, statement text, role_name name NOT NULL DEFAULT session_user,
  actor_type text, user_id text, actor_name text, actor_email text, ip text, ua text, request_id text);

-- Which capture SQL is installed, by hash (the registry and \`pnpm db:check\` compare it).
CREATE TABLE IF NOT EXISTS ${names.internal}.installed (hash text NOT NULL, installed_at timestamptz NOT NULL DEFAULT now());`;
}

/** Drops what a previous install made, and only that: capture triggers in the app's schema, functions in ours. */
function dropPrevious(config: ResolvedAuditConfig): string {
  return `-- Drop the previous capture first: models may have left the config, columns may have changed.
DO $audit$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tg.tgname, ns.nspname, c.relname
           FROM pg_catalog.pg_trigger tg
           JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
           JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
           WHERE ns.nspname = ${literal(config.schema)} AND NOT tg.tgisinternal AND tg.tgname LIKE ${like(TRIGGER_PREFIX)} LOOP
    EXECUTE pg_catalog.format('DROP TRIGGER %I ON %I.%I', t.tgname, t.nspname, t.relname);
  END LOOP;
  FOR t IN SELECT p.oid::pg_catalog.regprocedure AS fn
           FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace ns ON ns.oid = p.pronamespace
           WHERE ns.nspname = ${literal(config.internalSchema)}
             AND (p.proname LIKE ${like(CAPTURE_FUNCTION_PREFIX)} OR p.proname LIKE ${like(REKEY_FUNCTION_PREFIX)}) LOOP
    EXECUTE pg_catalog.format('DROP FUNCTION %s', t.fn);
  END LOOP;
  -- Earlier versions of this engine kept their functions in the app's schema.
  FOR t IN SELECT p.oid::pg_catalog.regprocedure AS fn
           FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace ns ON ns.oid = p.pronamespace
           WHERE ns.nspname = ${literal(config.schema)}
             AND (p.proname LIKE ${like('audit_capture_')} OR p.proname IN ('audit_context', 'audit_record', 'audit_uuidv7', 'audit_redact_json')) LOOP
    EXECUTE pg_catalog.format('DROP FUNCTION %s', t.fn);
  END LOOP;
END;
$audit$;`;
}

/**
 * The actor of the current statement, from the ${AUDIT_COMMENT_KEY}='<base64url JSON>' comment the library appends to every
 * query made inside an audit context. Only the last such value counts, and only inside a comment that ends the
 * query; none means unattributed. A comment that is ours but unreadable never fails the business write: the entry
 * is stored as unattributed with `issue` set. The seeding clock is honoured only for a session role granted
 * EXECUTE on seed_clock() (never the runtime role); otherwise it is ignored and flagged. String functions, not a
 * regex: this runs for every audited statement.
 */
function contextFunction(config: ResolvedAuditConfig, names: SqlNames): string {
  const actor = config.actor;
  return `CREATE OR REPLACE FUNCTION ${names.context}(
  OUT actor_type text, OUT user_id text, OUT actor_name text, OUT actor_email text,
  OUT ip text, OUT ua text, OUT request_id text, OUT at timestamptz, OUT issue text, OUT strict_mode boolean)
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  tail text := right(current_query(), ${CONTEXT_TAIL_CHARS});
  rest text := split_part(tail, '${AUDIT_COMMENT_KEY}=''', -1);
  encoded text := split_part(rest, '''', 1);
  payload jsonb;
BEGIN
  at := date_trunc('milliseconds', statement_timestamp());
  actor_type := 'UNATTRIBUTED';
  strict_mode := coalesce(current_setting(${literal(SETTINGS.strict)}, true), '') = 'on';
  IF rest = tail OR strpos(rest, '/*') > 0 OR rtrim(rest, E' \\t\\r\\n;') NOT LIKE '%*/' THEN
    -- No context comment ends this statement; one the tail does not reach is too long to be the library's.
    IF rest = tail AND strpos(current_query(), '/*${AUDIT_COMMENT_KEY}=''') > 0 THEN issue := 'malformed_context'; END IF;
    RETURN;
  END IF;
  IF encoded !~ '^[A-Za-z0-9_-]+$' OR length(encoded) % 4 = 1 THEN
    issue := 'malformed_context';
    RETURN;
  END IF;
  BEGIN
    payload := convert_from(decode(rpad(translate(encoded, '-_', '+/'), (length(encoded) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb;
  EXCEPTION WHEN OTHERS THEN
    issue := 'malformed_context';
    RETURN;
  END;
  IF jsonb_typeof(payload) IS DISTINCT FROM 'object' THEN
    issue := 'malformed_context';
    RETURN;
  END IF;
  ip := payload->>'ip';
  ua := payload->>'ua';
  request_id := payload->>'r';
  IF payload ? 'at' THEN
    IF has_function_privilege(session_user, ${literal(`${names.seedClock}()`)}, 'EXECUTE') THEN
      -- Only what toISOString() writes: PostgreSQL would also take 'now', 'epoch' or 'yesterday'.
      IF payload->>'at' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?Z$' THEN
        BEGIN
          at := (payload->>'at')::timestamptz;
        EXCEPTION WHEN OTHERS THEN
          issue := 'malformed_context';
        END;
      ELSE
        issue := 'malformed_context';
      END IF;
    ELSE
      issue := 'clock_refused';
    END IF;
  END IF;
  IF payload ? 'a' THEN
    actor_type := 'ANONYMOUS';
  ELSIF jsonb_typeof(payload->'u') = 'string' THEN
    actor_type := 'USER';
    user_id := payload->>'u';
    actor_name := payload->>'n';
    actor_email := payload->>'e';
    IF actor_name IS NULL AND actor_email IS NULL THEN
      SELECT a.${ident(actor.nameColumn)}, a.${ident(actor.emailColumn)} INTO actor_name, actor_email
        FROM ${names.actorTable} a WHERE a.${ident(actor.idColumn)}::text = user_id;
    END IF;
  ELSIF jsonb_typeof(payload->'s') = 'string' THEN
    actor_type := 'SYSTEM';
    actor_name := nullif(payload->>'s', '');
  ELSE
    issue := 'malformed_context';
  END IF;
END;
$audit$;`;
}

function ids(names: SqlNames): string {
  return `-- A UUIDv7 for \`at\` whose other 62 bits come from the sequence (the capture functions inline the same formula).
CREATE OR REPLACE FUNCTION ${names.nextId}(at timestamptz) RETURNS uuid
LANGUAGE sql VOLATILE
${PINNED_SEARCH_PATH}
AS $audit$
  SELECT (lpad(to_hex(greatest(0, floor(extract(epoch FROM at) * 1000))::bigint), 12, '0') || '7000'
          || to_hex((nextval(${literal(names.sequence)}::regclass) & 4611686018427387903) | (1::bigint << 63)))::uuid
$audit$;

-- Notes that a row changed organization in this transaction, so the statement trigger looks for moves (a hint: the
-- statement trigger finds the moves itself, so a forged hint only costs it a join).
CREATE OR REPLACE FUNCTION ${names.noteMove}() RETURNS trigger
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
BEGIN
  PERFORM set_config(${literal(SETTINGS.moveTx)}, pg_current_xact_id()::text, true);
  RETURN NULL;
END;
$audit$;

-- A marker, not a function to call: a session role granted EXECUTE on it may backdate entries (the demo seed).
CREATE OR REPLACE FUNCTION ${names.seedClock}() RETURNS boolean
LANGUAGE sql IMMUTABLE
${PINNED_SEARCH_PATH}
AS $audit$ SELECT true $audit$;`;
}

/**
 * Actions `record()` refuses: the database alone writes them. (Semantic actions such as `permission_change` stay
 * open: an app may record a permission change made elsewhere, in an identity provider say.)
 */
export const TRIGGER_ONLY_ACTIONS: readonly string[] = [...ROW_CHANGE_ACTIONS, SCHEMA_CHANGE_ACTION];

/** record()'s organization: required in a multi-tenant app, refused in a single-tenant one (entries have none). */
function recordTenantCheck(config: ResolvedAuditConfig): string {
  if (config.audit.columns.organizationId !== null) {
    return `IF coalesce(p_organization_id, '') = '' OR coalesce(p_entity_id, '') = '' THEN
    RAISE EXCEPTION 'record(): an entry needs an organization and an entity id' USING ERRCODE = 'invalid_parameter_value';
  END IF;`;
  }
  return `IF p_organization_id IS NOT NULL THEN
    RAISE EXCEPTION 'record(): this app is single-tenant (tenant: false), so an entry has no organization (got %)', p_organization_id USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(p_entity_id, '') = '' THEN
    RAISE EXCEPTION 'record(): an entry needs an entity id' USING ERRCODE = 'invalid_parameter_value';
  END IF;`;
}

function recordFunction(config: ResolvedAuditConfig, names: SqlNames): string {
  const reserved = TRIGGER_ONLY_ACTIONS;
  const name = literal(NAME_PATTERN.source);
  return `-- A custom entry (login, export, …) with the same context, clock and ids as the triggers' entries; record() calls it.
-- Row changes are the triggers' alone: a caller may add events, never forge a change.
CREATE OR REPLACE FUNCTION ${names.record}(
  p_organization_id text, p_action text, p_entity_type text, p_entity_id text, p_changes jsonb, p_metadata jsonb,
  OUT id uuid, OUT created_at timestamptz)
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
SET plan_cache_mode = force_generic_plan
AS $audit$
DECLARE
  ctx record := ${names.context}();
BEGIN
  IF p_action = ANY (ARRAY[${reserved.map(literal).join(', ')}]) THEN
    RAISE EXCEPTION 'record(): "%" entries are written by the capture triggers only', p_action USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_action IS NULL OR p_action !~ ${name} OR p_entity_type IS NULL OR p_entity_type !~ ${name} THEN
    RAISE EXCEPTION 'record(): action and entity type must be lower-case names (got % and %)', p_action, p_entity_type USING ERRCODE = 'invalid_parameter_value';
  END IF;
  ${recordTenantCheck(config)}
  IF ctx.strict_mode AND ctx.actor_type = 'UNATTRIBUTED' AND ctx.issue IS NULL THEN
    RAISE EXCEPTION 'record(): ${STRICT_MODE_MESSAGE}' USING HINT = 'Call it inside withAuditContext() or runAsSystem().';
  END IF;
  id := ${names.nextId}(ctx.at);
  created_at := ctx.at;
  INSERT INTO ${names.auditTable} (${insertColumns(config)})
  VALUES (id, ${organizationValue(config, 'p_organization_id')}ctx.at, p_action, p_entity_type, p_entity_id,
    ${contextValues(names)}, p_changes,
    CASE WHEN ctx.issue IS NULL THEN p_metadata ELSE coalesce(p_metadata, '{}'::jsonb) || jsonb_build_object('auditContext', ctx.issue) END);
END;
$audit$;`;
}

/** record_many()'s organization: the same rule as record()'s, for the whole batch. */
function recordManyTenantCheck(config: ResolvedAuditConfig): string {
  if (config.audit.columns.organizationId !== null) {
    return `IF coalesce(p_organization_id, '') = '' THEN
    RAISE EXCEPTION 'record_many(): entries need an organization' USING ERRCODE = 'invalid_parameter_value';
  END IF;`;
  }
  return `IF p_organization_id IS NOT NULL THEN
    RAISE EXCEPTION 'record_many(): this app is single-tenant (tenant: false), so entries have no organization (got %)', p_organization_id USING ERRCODE = 'invalid_parameter_value';
  END IF;`;
}

/** The most entries one record_many() call takes (the API takes fewer: MAX_RECORD_MANY_ENTRIES). */
export const RECORD_MANY_LIMIT = 1000;

/**
 * Many custom entries in one statement: the same checks as record(), each naming the entry's index (from 0, as the
 * API's `entries.3.action` does), then one set-based INSERT, all or nothing. `p_entries` is a JSON array of
 * `{ action, entityType, entityId, changes?, metadata? }`; the ids follow the array's order.
 */
function recordManyFunction(config: ResolvedAuditConfig, names: SqlNames): string {
  const reserved = `ARRAY[${TRIGGER_ONLY_ACTIONS.map(literal).join(', ')}]`;
  const name = literal(NAME_PATTERN.source);
  const text = (key: string) => `e.value->>${literal(key)}`;
  const isText = (key: string) => `jsonb_typeof(e.value->${literal(key)}) = 'string'`;
  const objectOrNull = (key: string) =>
    `coalesce(jsonb_typeof(e.value->${literal(key)}), 'null') IN ('object', 'null')`;
  return `-- Many custom entries in one statement, with record()'s checks per entry and one INSERT for all of them.
CREATE OR REPLACE FUNCTION ${names.fn('record_many')}(p_organization_id text, p_entries jsonb)
RETURNS TABLE (id uuid, created_at timestamptz)
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
SET plan_cache_mode = force_generic_plan
AS $audit$
#variable_conflict use_column
DECLARE
  ctx record := ${names.context}();
  bad record;
BEGIN
  IF jsonb_typeof(p_entries) IS DISTINCT FROM 'array' OR jsonb_array_length(p_entries) > ${RECORD_MANY_LIMIT} THEN
    RAISE EXCEPTION 'record_many(): entries must be a JSON array of at most ${RECORD_MANY_LIMIT} entries' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  ${recordManyTenantCheck(config)}
  IF ctx.strict_mode AND ctx.actor_type = 'UNATTRIBUTED' AND ctx.issue IS NULL THEN
    RAISE EXCEPTION 'record_many(): ${STRICT_MODE_MESSAGE}' USING HINT = 'Call it inside withAuditContext() or runAsSystem().';
  END IF;
  SELECT e.ord - 1 AS i, ${text('action')} AS action,
    CASE
      WHEN jsonb_typeof(e.value) IS DISTINCT FROM 'object' THEN 'must be an object'
      WHEN ${text('action')} = ANY (${reserved}) THEN 'reserved'
      WHEN NOT ${isText('action')} OR ${text('action')} !~ ${name} OR NOT ${isText('entityType')} OR ${text('entityType')} !~ ${name}
        THEN 'action and entity type must be lower-case names'
      WHEN NOT ${isText('entityId')} OR ${text('entityId')} = '' THEN 'needs an entity id'
      WHEN NOT ${objectOrNull('changes')} OR NOT ${objectOrNull('metadata')} THEN 'changes and metadata must be objects'
    END AS problem
  INTO bad
  FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS e(value, ord)
  WHERE jsonb_typeof(e.value) IS DISTINCT FROM 'object' OR ${text('action')} = ANY (${reserved})
     OR NOT ${isText('action')} OR ${text('action')} !~ ${name} OR NOT ${isText('entityType')} OR ${text('entityType')} !~ ${name}
     OR NOT ${isText('entityId')} OR ${text('entityId')} = '' OR NOT ${objectOrNull('changes')} OR NOT ${objectOrNull('metadata')}
  ORDER BY e.ord
  LIMIT 1;
  IF FOUND AND bad.problem = 'reserved' THEN
    RAISE EXCEPTION 'record_many(): entry %: "%" entries are written by the capture triggers only', bad.i, bad.action USING ERRCODE = 'insufficient_privilege';
  ELSIF FOUND THEN
    RAISE EXCEPTION 'record_many(): entry %: %', bad.i, bad.problem USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Volatile expressions are evaluated after the sort: the ids follow the entries' order.
  RETURN QUERY
  WITH numbered AS MATERIALIZED (
    SELECT e.ord, ${names.nextId}(ctx.at) AS entry_id, e.value
    FROM jsonb_array_elements(p_entries) WITH ORDINALITY AS e(value, ord)
    ORDER BY e.ord),
  written AS (
    INSERT INTO ${names.auditTable} (${insertColumns(config)})
    SELECT n.entry_id, ${organizationValue(config, 'p_organization_id')}ctx.at, n.value->>'action', n.value->>'entityType', n.value->>'entityId',
      ${contextValues(names)}, nullif(n.value->'changes', 'null'::jsonb),
      CASE WHEN ctx.issue IS NULL THEN nullif(n.value->'metadata', 'null'::jsonb)
           ELSE coalesce(nullif(n.value->'metadata', 'null'::jsonb), '{}'::jsonb) || jsonb_build_object('auditContext', ctx.issue) END
    FROM numbered n
    RETURNING 1)
  SELECT n.entry_id, ctx.at FROM numbered n ORDER BY n.ord;
END;
$audit$;`;
}

function appendOnly(config: ResolvedAuditConfig, names: SqlNames): string {
  const fn = names.fn('reject_change');
  return `-- Audit entries are append-only in the database itself, whoever connects: UPDATE, DELETE and TRUNCATE raise an
-- error naming the table. Statement-level, so it fires even when no row matches; row triggers never see TRUNCATE.
CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
BEGIN
  -- The one exception: prune_months() (owner only, decision 015) deletes whole months in its own transaction.
  IF TG_OP = 'DELETE' AND current_setting(${literal(PRUNE_SETTING)}, true) = pg_current_xact_id()::text THEN
    RETURN NULL;
  END IF;
  RAISE EXCEPTION 'The audit table "%" is append-only: % is not allowed.', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'Audit entries can be added, never changed or removed.';
END;
$audit$;
DROP TRIGGER IF EXISTS "AuditLog_append_only" ON ${names.auditTable};
DROP FUNCTION IF EXISTS ${names.app}.audit_log_reject_change();
DROP TRIGGER IF EXISTS ${APPEND_ONLY_TRIGGER} ON ${names.auditTable};
CREATE TRIGGER ${APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE OR TRUNCATE ON ${names.auditTable}
  FOR EACH STATEMENT EXECUTE FUNCTION ${fn}();`;
}

/**
 * DDL that can change what is captured (on an audited table, its columns or triggers, the audit table, or this
 * schema) is collected per transaction by event triggers and written at commit as one `schema_change` entry in every
 * organization: disabling a capture trigger, dropping a column, reinstalling the capture SQL all leave a trace.
 * Event triggers need a superuser; without one the watch is not installed and `pnpm db:check` says so.
 */
/** The table the collectors fill and the flush empties, one row per DDL command of a transaction. */
const ddlEventsTable = (names: SqlNames) => `${names.internal}.${ident('ddl_events')}`;

/** The collectors: event triggers' functions that note each relevant DDL command or drop of the transaction. */
function ddlCollectors(config: ResolvedAuditConfig, names: SqlNames): string {
  const watched = [...config.models.map((model) => model.table), config.audit.table];
  const identities = `ARRAY[${watched.map((table) => `format('%I.%I', ${literal(config.schema)}, ${literal(table)})`).join(', ')}]`;
  const events = ddlEventsTable(names);
  return `CREATE OR REPLACE FUNCTION ${names.fn('ddl_relevant')}(p_schema text, p_identity text) RETURNS boolean
LANGUAGE sql STABLE
${PINNED_SEARCH_PATH}
AS $audit$
  SELECT p_schema = ${literal(config.internalSchema)} OR EXISTS (
    SELECT 1 FROM unnest(${identities}) AS w(table_identity)
    WHERE p_identity = w.table_identity OR starts_with(p_identity, w.table_identity || '.')
       OR right(p_identity, length(w.table_identity) + 4) = ' on ' || w.table_identity)
$audit$;

CREATE OR REPLACE FUNCTION ${names.fn('on_ddl_command')}() RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  ctx record := ${names.context}();
BEGIN
  INSERT INTO ${events} (tx, command, object_type, identity, statement, actor_type, user_id, actor_name, actor_email, ip, ua, request_id)
  SELECT pg_current_xact_id(), d.command_tag, d.object_type, d.object_identity, ${names.fn('audit_text')}(left(current_query(), 1000)),
    ctx.actor_type, ctx.user_id, ctx.actor_name, ctx.actor_email, ctx.ip, ctx.ua, ctx.request_id
  FROM pg_event_trigger_ddl_commands() d
  WHERE ${names.fn('ddl_relevant')}(d.schema_name, d.object_identity);
END;
$audit$;

CREATE OR REPLACE FUNCTION ${names.fn('on_sql_drop')}() RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  ctx record := ${names.context}();
BEGIN
  IF to_regclass(${literal(events)}) IS NULL THEN RETURN; END IF;
  INSERT INTO ${events} (tx, command, object_type, identity, statement, actor_type, user_id, actor_name, actor_email, ip, ua, request_id)
  SELECT pg_current_xact_id(), tg_tag, d.object_type, d.object_identity, ${names.fn('audit_text')}(left(current_query(), 1000)),
    ctx.actor_type, ctx.user_id, ctx.actor_name, ctx.actor_email, ctx.ip, ctx.ua, ctx.request_id
  FROM pg_event_trigger_dropped_objects() d
  WHERE ${names.fn('ddl_relevant')}(d.schema_name, d.object_identity);
END;
$audit$;`;
}

/**
 * The flush at commit: the transaction's DDL events as one `schema_change` entry in every organization (one entry,
 * without an organization, in a single-tenant app).
 */
function ddlFlush(config: ResolvedAuditConfig, names: SqlNames): string {
  const events = ddlEventsTable(names);
  const tenant = config.tenant;
  // A single-tenant app gets one entry, without an organization.
  const singleTenant = config.audit.columns.organizationId === null;
  const organizations = tenant
    ? `SELECT t.${ident(tenant.idColumn)}::text AS id FROM ${names.app}.${ident(tenant.table)} t`
    : `SELECT NULL::text AS id${singleTenant ? '' : ' WHERE false'}`;
  return `-- Runs at commit (a deferred constraint trigger): the first call takes the transaction's events, later ones find none.
-- The actor is the first event's: the context of the statement that ran the DDL, else the database role.
CREATE OR REPLACE FUNCTION ${names.fn('flush_ddl_events')}() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  at timestamptz := date_trunc('milliseconds', statement_timestamp());
BEGIN
  WITH taken AS (DELETE FROM ${events} e WHERE e.tx = pg_current_xact_id() RETURNING e.*),
       numbered AS (SELECT t.tx, t.command, t.object_type, t.identity, t.statement, t.role_name, t.actor_type, t.user_id, t.actor_name,
                           t.actor_email, t.ip, t.ua, t.request_id, row_number() OVER (ORDER BY t.n) AS n FROM taken t),
       summary AS (
         SELECT jsonb_agg(jsonb_build_object('command', x.command, 'objectType', x.object_type, 'object', x.identity) ORDER BY x.n)
                  FILTER (WHERE x.n <= 100) AS commands,
                count(*) AS total
         FROM numbered x),
       first_event AS (SELECT * FROM numbered WHERE n = 1)
  INSERT INTO ${names.auditTable} (${insertColumns(config)})
  SELECT ${names.nextId}(at), ${organizationValue(config, 'o.id')}at, ${literal(SCHEMA_CHANGE_ACTION)}, 'database', current_database(),
    (CASE WHEN a.actor_type IS NULL OR a.actor_type = 'UNATTRIBUTED' THEN 'SYSTEM' ELSE a.actor_type END)::${names.actorType},
    a.user_id,
    CASE WHEN a.actor_type IS NULL OR a.actor_type = 'UNATTRIBUTED' THEN format('database role %s', a.role_name) ELSE a.actor_name END,
    a.actor_email, a.ip, a.ua, a.request_id, NULL,
    jsonb_build_object('role', a.role_name, 'commandCount', s.total, 'commands', s.commands, 'statement', a.statement)
  FROM (${organizations}) o CROSS JOIN first_event a CROSS JOIN summary s;
  RETURN NULL;
END;
$audit$;

DROP TRIGGER IF EXISTS audit_flush_ddl_events ON ${events};
CREATE CONSTRAINT TRIGGER audit_flush_ddl_events AFTER INSERT ON ${events}
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${names.fn('flush_ddl_events')}();`;
}

/** The event triggers, installed now when the installing role is a superuser. */
function ddlInstall(config: ResolvedAuditConfig, names: SqlNames): string {
  return `-- The event triggers themselves: only a superuser may create them.
CREATE OR REPLACE FUNCTION ${names.fn('install_ddl_watch')}() RETURNS void
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
BEGIN
  DROP EVENT TRIGGER IF EXISTS ${DDL_EVENT_TRIGGERS.command};
  DROP EVENT TRIGGER IF EXISTS ${DDL_EVENT_TRIGGERS.drop};
  CREATE EVENT TRIGGER ${DDL_EVENT_TRIGGERS.command} ON ddl_command_end EXECUTE FUNCTION ${names.fn('on_ddl_command')}();
  CREATE EVENT TRIGGER ${DDL_EVENT_TRIGGERS.drop} ON sql_drop EXECUTE FUNCTION ${names.fn('on_sql_drop')}();
END;
$audit$;

DO $audit$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    PERFORM ${names.fn('install_ddl_watch')}();
  ELSE
    RAISE NOTICE 'The DDL watch needs a superuser and is not installed: run SELECT ${config.internalSchema}.install_ddl_watch(); as one.';
  END IF;
END;
$audit$;`;
}

function ddlWatch(config: ResolvedAuditConfig, names: SqlNames): string {
  return [ddlCollectors(config, names), ddlFlush(config, names), ddlInstall(config, names)].join('\n\n');
}

/**
 * Least privilege for the application: DML on business tables (never TRUNCATE or TRIGGER), SELECT only on the
 * audit table and the read-only tables, and EXECUTE on record() and the app schema's functions. Capture runs as the
 * owner, so the runtime role never needs to write the audit table, and cannot disable its triggers (only an owner
 * can). Re-applied by every install, so new tables get their grants.
 */
function grants(config: ResolvedAuditConfig, names: SqlNames): string {
  const protectedTables = [config.audit.table, ...config.readOnlyTables];
  return `CREATE OR REPLACE FUNCTION ${names.fn('apply_grants')}() RETURNS void
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  r record;
  t record;
BEGIN
  FOR r IN SELECT role_name FROM ${names.internal}.runtime_roles LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I, %I TO %I', ${literal(config.schema)}, ${literal(config.internalSchema)}, r.role_name);
    FOR t IN SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
             WHERE ns.nspname = ${literal(config.schema)} AND c.relkind IN ('r', 'p') AND c.relname NOT LIKE '\\_prisma%' LOOP
      EXECUTE format('REVOKE ALL ON %I.%I FROM %I', ${literal(config.schema)}, t.relname, r.role_name);
      IF t.relname = ANY (ARRAY[${protectedTables.map(literal).join(', ')}]) THEN
        EXECUTE format('GRANT SELECT ON %I.%I TO %I', ${literal(config.schema)}, t.relname, r.role_name);
      ELSE
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I.%I TO %I', ${literal(config.schema)}, t.relname, r.role_name);
      END IF;
    END LOOP;
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO %I', ${literal(config.schema)}, r.role_name);
    EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA %I TO %I', ${literal(config.schema)}, r.role_name);
    EXECUTE format('GRANT EXECUTE ON FUNCTION ${names.record}(text, text, text, text, jsonb, jsonb) TO %I', r.role_name);
    EXECUTE format('GRANT EXECUTE ON FUNCTION ${names.fn('record_many')}(text, jsonb) TO %I', r.role_name);
    -- The start-up check compares this with the registry.
    EXECUTE format('GRANT SELECT ON ${names.internal}.installed TO %I', r.role_name);${sealed(config) ? `\n${sealGrantsSql(names)}\n${partitionGrantsSql(names)}` : ''}
  END LOOP;
END;
$audit$;

CREATE OR REPLACE FUNCTION ${names.fn('grant_runtime')}(role_name name) RETURNS void
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
BEGIN
  INSERT INTO ${names.internal}.runtime_roles (role_name) VALUES (grant_runtime.role_name) ON CONFLICT DO NOTHING;
  PERFORM ${names.fn('apply_grants')}();
END;
$audit$;

-- Backdating (the demo seed's clock) for one more role; never give it to the runtime role.
CREATE OR REPLACE FUNCTION ${names.fn('grant_seeder')}(role_name name) RETURNS void
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
BEGIN
  EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', ${literal(config.internalSchema)}, role_name);
  EXECUTE format('GRANT EXECUTE ON FUNCTION ${names.seedClock}() TO %I', role_name);
END;
$audit$;`;
}

/** Revokes what PostgreSQL grants to PUBLIC by default, then re-applies the runtime roles' grants. */
function privileges(names: SqlNames): string {
  return `REVOKE ALL ON SCHEMA ${names.internal} FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA ${names.internal} FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${names.internal} FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA ${names.internal} FROM PUBLIC;
SELECT ${names.fn('apply_grants')}();`;
}

export interface SupportSql {
  /** Schema, sequence, private tables, and the drop of the previous capture: before the models' SQL. */
  before: string;
  /** Functions the models' SQL calls. */
  functions: string;
  /** DDL watch and privileges: after the models' SQL. */
  after: string;
}

/**
 * The seal (decision 015) is installed only when the config asks for it (`seal: true`, which needs a tenant column
 * and this project's count tables): another app's capture gets none of its tables and functions.
 */
const sealed = (config: ResolvedAuditConfig) => config.seal;

export function supportSql(config: ResolvedAuditConfig, names: SqlNames): SupportSql {
  const seal = <T>(part: T): T[] => (sealed(config) ? [part] : []);
  return {
    before: [storage(names), ...seal(sealStorageSql(names)), dropPrevious(config)].join('\n\n'),
    functions: [
      ids(names),
      redactionSql({ schema: config.internalSchema, sensitive: config.sensitive }),
      valuesSql(names),
      contextFunction(config, names),
      recordFunction(config, names),
      recordManyFunction(config, names),
      appendOnly(config, names),
      ...seal(partitionsSql(names)),
      ...seal(sealFunctionsSql(names)),
    ].join('\n\n'),
    after: [ddlWatch(config, names), grants(config, names), privileges(names)].join('\n\n'),
  };
}
