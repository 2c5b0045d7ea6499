/**
 * Monthly partitions of the audit table (docs/decisions/018-audit-table-shape.md). The table is partitioned by a
 * hand-written migration step (packages/db/prisma/steps/audit_partitions.sql); these functions keep it supplied:
 * `maintain_partitions()` creates the months ahead and moves any entry that landed in the DEFAULT partition (a month
 * nobody created) into its own month. Partitions live in the internal schema: Prisma's diff never sees them, and the
 * runtime role has no privilege on them (it reads the parent only). Each partition gets the append-only guard.
 * On a table that is not partitioned (another app's) every function here does nothing.
 */
import { APPEND_ONLY_TRIGGER, literal, PINNED_SEARCH_PATH, PRUNE_SETTING } from './names.ts';
import type { SqlNames } from './names.ts';

/** Name of a month's partition: `AuditLog_p2026_12`. */
export const PARTITION_PREFIX = 'AuditLog_p';
export const DEFAULT_PARTITION = 'AuditLog_default';

/** How many months ahead `maintain_partitions()` may be asked for (a bound, so no caller creates thousands). */
export const MAX_MONTHS_AHEAD = 24;

function guardSql(names: SqlNames): string {
  return `-- The append-only guard on one partition (a statement on a partition fires only the partition's triggers).
CREATE OR REPLACE FUNCTION ${names.fn('guard_partition')}(p_partition text) RETURNS void
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = format('%I.%I', ${literal(names.internalName)}, p_partition)::regclass
                 AND t.tgname = ${literal(APPEND_ONLY_TRIGGER)}) THEN
    EXECUTE format('CREATE TRIGGER ${APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE OR TRUNCATE ON %I.%I FOR EACH STATEMENT EXECUTE FUNCTION ${names.fn('reject_change')}()',
      ${literal(names.internalName)}, p_partition);
  END IF;
END;
$audit$;`;
}

/**
 * One month's partition, made as a plain table and attached (ATTACH takes a lighter lock on the parent than
 * CREATE … PARTITION OF, so writes to other months go on). Entries of that month already in the DEFAULT partition
 * are moved into it first, under an exclusive lock on the whole table (readers wait rather than miss them).
 */
function createPartitionSql(names: SqlNames): string {
  const schema = literal(names.internalName);
  return `CREATE OR REPLACE FUNCTION ${names.fn('create_partition')}(p_month timestamptz) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
SET lock_timeout = '10s'
AS $audit$
DECLARE
  m_from timestamptz := date_trunc('month', p_month, 'UTC');
  m_to timestamptz := (date_trunc('month', p_month, 'UTC') AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
  part text := ${literal(PARTITION_PREFIX)} || to_char(date_trunc('month', p_month, 'UTC') AT TIME ZONE 'UTC', 'YYYY_MM');
  lower_bound text := to_char(m_from AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' 00:00:00+00';
  upper_bound text := to_char(m_to AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' 00:00:00+00';
  moved bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table p WHERE p.partrelid = ${literal(names.auditTable)}::regclass) THEN
    RETURN false;
  END IF;
  IF to_regclass(format('%I.%I', ${schema}, part)) IS NOT NULL THEN RETURN false; END IF;
  EXECUTE format('CREATE TABLE %I.%I (LIKE ${names.auditTable} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', ${schema}, part);
  IF to_regclass(${literal(`${names.internal}."${DEFAULT_PARTITION}"`)}) IS NOT NULL
     AND EXISTS (SELECT 1 FROM ${names.internal}."${DEFAULT_PARTITION}" d WHERE d."createdAt" >= m_from AND d."createdAt" < m_to) THEN
    -- Moving rows: a reader planned before the ATTACH would scan DEFAULT only and, with a later snapshot, miss
    -- them. So readers and writers wait for the move (rare: only entries of a month nobody created).
    LOCK TABLE ${names.auditTable} IN ACCESS EXCLUSIVE MODE;
    LOCK TABLE ${names.internal}."${DEFAULT_PARTITION}" IN ACCESS EXCLUSIVE MODE;
    PERFORM set_config(${literal(PRUNE_SETTING)}, pg_current_xact_id()::text, true);
    EXECUTE format('WITH m AS (DELETE FROM ${names.internal}."${DEFAULT_PARTITION}" d WHERE d."createdAt" >= $1 AND d."createdAt" < $2 RETURNING d.*)
      INSERT INTO %I.%I SELECT * FROM m', ${schema}, part) USING m_from, m_to;
    GET DIAGNOSTICS moved = ROW_COUNT;
    PERFORM set_config(${literal(PRUNE_SETTING)}, '', true);
  END IF;
  PERFORM ${names.fn('guard_partition')}(part);
  EXECUTE format('ALTER TABLE ${names.auditTable} ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)', ${schema}, part, lower_bound, upper_bound);
  RETURN true;
END;
$audit$;`;
}

function maintainSql(names: SqlNames): string {
  return `-- The months from now through p_months_ahead, and every month an entry in the DEFAULT partition belongs to.
-- Run by every install (deploy), by pnpm db:deploy, and by the server's job; returns how many partitions it made.
CREATE OR REPLACE FUNCTION ${names.fn('maintain_partitions')}(p_months_ahead integer DEFAULT 3) RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  m timestamptz;
  made integer := 0;
BEGIN
  IF p_months_ahead IS NULL OR p_months_ahead < 0 OR p_months_ahead > ${MAX_MONTHS_AHEAD} THEN
    RAISE EXCEPTION 'maintain_partitions(): months ahead must be between 0 and ${MAX_MONTHS_AHEAD} (got %)', p_months_ahead
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_partitioned_table p WHERE p.partrelid = ${literal(names.auditTable)}::regclass) THEN
    RETURN 0;
  END IF;
  IF to_regclass(${literal(`${names.internal}."${DEFAULT_PARTITION}"`)}) IS NULL THEN
    EXECUTE 'CREATE TABLE ${names.internal}."${DEFAULT_PARTITION}" PARTITION OF ${names.auditTable} DEFAULT';
  END IF;
  PERFORM ${names.fn('guard_partition')}(${literal(DEFAULT_PARTITION)});
  FOR m IN SELECT DISTINCT date_trunc('month', d."createdAt", 'UTC') FROM ${names.internal}."${DEFAULT_PARTITION}" d
           UNION
           SELECT (date_trunc('month', now(), 'UTC') AT TIME ZONE 'UTC' + make_interval(months => g)) AT TIME ZONE 'UTC'
           FROM generate_series(0, p_months_ahead) g
           ORDER BY 1 LOOP
    IF ${names.fn('create_partition')}(m) THEN made := made + 1; END IF;
  END LOOP;
  RETURN made;
END;
$audit$;

SELECT ${names.fn('maintain_partitions')}();`;
}

export function partitionsSql(names: SqlNames): string {
  return [guardSql(names), createPartitionSql(names), maintainSql(names)].join('\n\n');
}

/** The runtime role may keep the months supplied (it can only create partitions ahead and file stray entries). */
export function partitionGrantsSql(names: SqlNames): string {
  return `    EXECUTE format(${literal(`GRANT EXECUTE ON FUNCTION ${names.fn('maintain_partitions')}(integer) TO %I`)}, r.role_name);`;
}

/**
 * For prune_months() only (its checks first): the monthly partitions wholly before p_before that hold this
 * organization's entries alone, detached and dropped; a month shared with another organization stays, and
 * prune_months() deletes this one's rows from it. Returns the number of entries dropped. Never granted.
 */
export function dropPartitionsSql(names: SqlNames): string {
  return `-- The monthly partitions wholly before p_before that hold entries of this organization only, detached and dropped
-- (a month shared with another organization stays, and prune_months() deletes this one's rows from it). Returns
-- the number of entries they held. Only for prune_months(), inside its checks; never granted.
CREATE OR REPLACE FUNCTION ${names.fn('drop_partitions_of')}(p_organization_id text, p_before timestamptz) RETURNS bigint
LANGUAGE plpgsql
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  part record;
  other boolean;
  n bigint;
  dropped bigint := 0;
BEGIN
  IF current_setting(${literal(PRUNE_SETTING)}, true) IS DISTINCT FROM pg_current_xact_id()::text THEN
    RAISE EXCEPTION 'drop_partitions_of() runs only inside prune_months()' USING ERRCODE = 'insufficient_privilege';
  END IF;
  FOR part IN SELECT c.relname FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
              JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
              WHERE i.inhparent = ${literal(names.auditTable)}::regclass AND ns.nspname = ${literal(names.internalName)}
                AND c.relname ~ '^${PARTITION_PREFIX}[0-9]{4}_[0-9]{2}$'
                AND (to_date(substr(c.relname, ${PARTITION_PREFIX.length + 1}) || '_01', 'YYYY_MM_DD')::timestamp + interval '1 month') AT TIME ZONE 'UTC' <= p_before
              ORDER BY c.relname LOOP
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %1$I.%2$I l WHERE l."organizationId" < $1) OR EXISTS (SELECT 1 FROM %1$I.%2$I l WHERE l."organizationId" > $1)',
      ${literal(names.internalName)}, part.relname) INTO other USING p_organization_id;
    CONTINUE WHEN other;
    -- Its entries are exactly its sealed blocks' (prune_months() checked the months are whole sealed blocks, and
    -- append_seal_block() that a block leaves no entry out): no count(*) of a million rows.
    SELECT coalesce(sum(b."entryCount"), 0) INTO n FROM ${names.internal}."AuditSealBlock" b
     WHERE b."organizationId" = p_organization_id
       AND b."firstCreatedAt" >= to_date(substr(part.relname, ${PARTITION_PREFIX.length + 1}) || '_01', 'YYYY_MM_DD')::timestamp AT TIME ZONE 'UTC'
       AND b."lastCreatedAt" < (to_date(substr(part.relname, ${PARTITION_PREFIX.length + 1}) || '_01', 'YYYY_MM_DD')::timestamp + interval '1 month') AT TIME ZONE 'UTC';
    EXECUTE format('ALTER TABLE ${names.auditTable} DETACH PARTITION %I.%I', ${literal(names.internalName)}, part.relname);
    EXECUTE format('DROP TABLE %I.%I', ${literal(names.internalName)}, part.relname);
    dropped := dropped + n;
  END LOOP;
  RETURN dropped;
END;
$audit$;`;
}
