/**
 * Storage and functions of the seal (docs/decisions/015-tamper-evidence.md): the blocks that chain an
 * organization's final entries, the record of verification runs, the finality horizon shared with the daily counts
 * (decision 007), and the one function through which a block is written. Both tables are append-only under the same
 * trigger as the audit table; the runtime role only reads them (grants in support.ts).
 */
import { APPEND_ONLY_TRIGGER, literal, PINNED_SEARCH_PATH, PRUNE_SETTING } from './names.ts';
import { IPV4_TEXT, IPV6_TEXT } from '@auditlog/audit/search';
import { dropPartitionsSql } from './partitions-sql.ts';
import type { SqlNames } from './names.ts';

/**
 * The count tables (decision 007 and its facets): a prune removes their days with the entries, and a refresh the hour
 * rows of a day that is over.
 */
const COUNT_TABLES = [
  'AuditLogDailyCount',
  'AuditLogActorDailyCount',
  'AuditLogIpDailyCount',
  'AuditLogRequestDailyCount',
];

export const SEAL_TABLES = {
  block: 'AuditSealBlock',
  verification: 'AuditSealVerification',
  retention: 'AuditRetention',
} as const;

export { PRUNE_SETTING } from './names.ts';

export function sealTableNames(names: SqlNames) {
  return {
    block: `${names.internal}."${SEAL_TABLES.block}"`,
    verification: `${names.internal}."${SEAL_TABLES.verification}"`,
    retention: `${names.internal}."${SEAL_TABLES.retention}"`,
  };
}

/** The tables, created before the functions that name them. */
export function sealStorageSql(names: SqlNames): string {
  const tables = sealTableNames(names);
  return `-- Sealed blocks of final entries, per organization, chained and signed (decision 015). \`leaves\` holds the block's
-- leaf hashes (32 bytes each, in order) so that a verifier can name the first entry that differs.
CREATE TABLE IF NOT EXISTS ${tables.block} (
  "organizationId" text NOT NULL, sequence bigint NOT NULL CHECK (sequence >= 1),
  "firstEntryId" uuid NOT NULL, "lastEntryId" uuid NOT NULL,
  "firstCreatedAt" timestamptz NOT NULL, "lastCreatedAt" timestamptz NOT NULL,
  "entryCount" integer NOT NULL CHECK ("entryCount" BETWEEN 1 AND 65536), "sealedThrough" timestamptz NOT NULL,
  "merkleRoot" bytea NOT NULL, "previousHash" bytea NOT NULL, "chainedHash" bytea NOT NULL,
  signature bytea NOT NULL, "keyId" text NOT NULL, leaves bytea NOT NULL,
  "sealedAt" timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY ("organizationId", sequence));

-- One row per verification run and organization: what the admin page shows as "last verified".
CREATE TABLE IF NOT EXISTS ${tables.verification} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "organizationId" text NOT NULL,
  "verifiedAt" timestamptz NOT NULL DEFAULT now(), ok boolean NOT NULL, entries bigint NOT NULL, blocks bigint NOT NULL,
  "sealedThrough" timestamptz, failure text);
CREATE INDEX IF NOT EXISTS "AuditSealVerification_org_idx" ON ${tables.verification} ("organizationId", id DESC);

-- How long each organization keeps its log, and whether a legal hold stops all removal (no row: 400 days, no hold).
CREATE TABLE IF NOT EXISTS ${tables.retention} (
  "organizationId" text PRIMARY KEY, "retentionDays" integer NOT NULL DEFAULT 400 CHECK ("retentionDays" >= 1),
  "legalHold" boolean NOT NULL DEFAULT false, "updatedAt" timestamptz NOT NULL DEFAULT now());`;
}

/**
 * Decision 007's finality rule, once: nothing can still be written before the start of the UTC `unit` (day or hour)
 * of the oldest running transaction's start (or of a minute ago). Read with owner rights: pg_stat_activity shows
 * other roles' transactions only to roles with pg_read_all_stats.
 */
const finalBeforeSql = (unit: 'day' | 'hour') => `date_trunc('${unit}', least(
    now() - interval '1 minute',
    coalesce((SELECT min(a.xact_start) FROM pg_catalog.pg_stat_activity a
              WHERE a.datname = current_database() AND a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()), now())
  ), 'UTC')`;

/** The seal's horizon: whole days (a block never covers part of a day that may still change). */
function finalBefore(names: SqlNames): string {
  return `CREATE OR REPLACE FUNCTION ${names.fn('final_before')}() RETURNS timestamptz
LANGUAGE sql STABLE
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
  SELECT ${finalBeforeSql('day')}
$audit$;

${refreshDailyCounts(names)}`;
}

/**
 * The daily counts and the per-facet daily counts (actor, IP address, request id), filled together for the same
 * newly final time, so that every count table covers exactly the time before the organization's `countedUntil`.
 * Each facet row keeps its first and last entry's time: the list finds a rare value's entries in those spans.
 *
 * The horizon is the hour (the same finality rule by the hour), so that what is left to count from the entries is
 * the open hour, not the whole of today: a row's `day` is the start of its bucket, a whole UTC day for the days that
 * were over when they were counted, an hour for the open day. When the day that was open at the last count is over,
 * its hour rows are dropped and the day is counted again as one bucket, so the tables keep one row per key and day.
 */
function refreshDailyCounts(names: SqlNames): string {
  const range = (alias: string) => `${alias}."organizationId" = p_organization_id
    AND ${alias}."createdAt" >= coalesce(counted, '-infinity') AND ${alias}."createdAt" < final`;
  const day = `CASE WHEN l."createdAt" < open_day THEN date_trunc('day', l."createdAt", 'UTC') ELSE date_trunc('hour', l."createdAt", 'UTC') END`;
  const span = `min(l."createdAt"), max(l."createdAt"), count(*)`;
  return `CREATE OR REPLACE FUNCTION ${names.app}.audit_refresh_daily_counts(p_organization_id text) RETURNS timestamptz
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $counts$
DECLARE
  counted timestamptz;
  final timestamptz := ${finalBeforeSql('hour')};
  open_day timestamptz := date_trunc('day', final, 'UTC');
BEGIN
  SELECT r."countedUntil" INTO counted FROM ${names.app}."AuditLogRollup" r WHERE r."organizationId" = p_organization_id;
  IF counted >= final THEN RETURN counted; END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('audit-rollup:' || p_organization_id, 0));
  SELECT r."countedUntil" INTO counted FROM ${names.app}."AuditLogRollup" r WHERE r."organizationId" = p_organization_id;
  IF counted >= final THEN RETURN counted; END IF; -- another reader just did it
  -- Counted by the hour up to part of a day that is now over: that day's rows are hours; count it again whole.
  IF counted < open_day AND counted <> date_trunc('day', counted, 'UTC') THEN
    counted := date_trunc('day', counted, 'UTC');
${COUNT_TABLES.map((table) => `    DELETE FROM ${names.app}."${table}" WHERE "organizationId" = p_organization_id AND day >= counted;`).join('\n')}
  END IF;
  INSERT INTO ${names.app}."AuditLogDailyCount" ("organizationId", day, action, "entityType", count)
  SELECT l."organizationId", ${day}, l.action, l."entityType", count(*)
  FROM ${names.auditTable} l WHERE ${range('l')}
  GROUP BY 1, 2, 3, 4;
  -- The actor filter's key: a user by id, an integration by name ('' for none, which no filter asks for). Each facet's
  -- rows are written in key order, so that one value's days share heap pages: its total reads a few pages, not one a day.
  INSERT INTO ${names.app}."AuditLogActorDailyCount" ("organizationId", "actorType", "actorKey", day, "firstAt", "lastAt", count)
  SELECT l."organizationId", l."actorType",
    CASE l."actorType" WHEN 'USER' THEN coalesce(l."actorUserId", '') WHEN 'SYSTEM' THEN coalesce(l."actorName", '') ELSE '' END,
    ${day}, ${span}
  FROM ${names.auditTable} l WHERE ${range('l')}
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4;
  -- Only text that is an address becomes inet, as in the list's CIDR filter: a stray value must not fail the count.
  INSERT INTO ${names.app}."AuditLogIpDailyCount" ("organizationId", "ipAddress", day, network, "firstAt", "lastAt", count)
  SELECT l."organizationId", l."ipAddress", ${day},
    CASE WHEN l."ipAddress" ~ ${literal(IPV4_TEXT)} OR l."ipAddress" ~ ${literal(IPV6_TEXT)} THEN l."ipAddress"::inet END, ${span}
  FROM ${names.auditTable} l WHERE ${range('l')} AND l."ipAddress" IS NOT NULL
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
  INSERT INTO ${names.app}."AuditLogRequestDailyCount" ("organizationId", "requestId", day, "firstAt", "lastAt", count)
  SELECT l."organizationId", l."requestId", ${day}, ${span}
  FROM ${names.auditTable} l WHERE ${range('l')} AND l."requestId" IS NOT NULL
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
  INSERT INTO ${names.app}."AuditLogRollup" ("organizationId", "countedUntil") VALUES (p_organization_id, final)
  ON CONFLICT ("organizationId") DO UPDATE SET "countedUntil" = EXCLUDED."countedUntil";
  RETURN final;
END;
$counts$;`;
}

/**
 * The one way a block is written. It checks what SQL can: the block continues the chain, covers final entries
 * only, leaves none out, and counts its rows right. Roots and signatures are the verifier's to check.
 */
function appendBlock(names: SqlNames): string {
  const tables = sealTableNames(names);
  return `CREATE OR REPLACE FUNCTION ${names.fn('append_seal_block')}(
  p_organization_id text, p_sequence bigint, p_first_id uuid, p_last_id uuid, p_first_at timestamptz, p_last_at timestamptz,
  p_count integer, p_sealed_through timestamptz, p_root bytea, p_previous bytea, p_chained bytea, p_signature bytea,
  p_key_id text, p_leaves bytea) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  prev record;
  found bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit-seal:' || p_organization_id, 0));
  SELECT b.sequence, b."chainedHash", b."lastCreatedAt", b."lastEntryId", b."sealedThrough" INTO prev
    FROM ${tables.block} b WHERE b."organizationId" = p_organization_id ORDER BY b.sequence DESC LIMIT 1;
  IF p_sequence IS DISTINCT FROM coalesce(prev.sequence, 0) + 1
     OR p_previous IS DISTINCT FROM coalesce(prev."chainedHash", '\\x${'00'.repeat(32)}'::bytea) THEN
    RAISE EXCEPTION 'append_seal_block(): block % does not continue the chain of %', p_sequence, p_organization_id
      USING ERRCODE = 'serialization_failure', HINT = 'Another sealer ran: read the last block again.';
  END IF;
  IF p_sealed_through > ${names.fn('final_before')}() OR p_last_at > p_sealed_through OR p_sealed_through < prev."sealedThrough"
     OR (p_first_at, p_first_id) > (p_last_at, p_last_id) OR length(p_leaves) <> 32 * p_count
     OR (prev.sequence IS NOT NULL AND (p_first_at, p_first_id) <= (prev."lastCreatedAt", prev."lastEntryId")) THEN
    RAISE EXCEPTION 'append_seal_block(): block % of % covers entries that are not final or already sealed', p_sequence, p_organization_id
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT count(*) INTO found FROM ${names.auditTable} l
   WHERE l."organizationId" = p_organization_id AND (l."createdAt", l.id) <= (p_last_at, p_last_id)
     AND (prev.sequence IS NULL OR (l."createdAt", l.id) > (prev."lastCreatedAt", prev."lastEntryId"));
  IF found <> p_count OR NOT EXISTS (SELECT 1 FROM ${names.auditTable} l
      WHERE l."organizationId" = p_organization_id AND l."createdAt" = p_first_at AND l.id = p_first_id) THEN
    RAISE EXCEPTION 'append_seal_block(): block % of % names % entries, the table holds % in its range', p_sequence, p_organization_id, p_count, found
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  INSERT INTO ${tables.block} ("organizationId", sequence, "firstEntryId", "lastEntryId", "firstCreatedAt", "lastCreatedAt",
    "entryCount", "sealedThrough", "merkleRoot", "previousHash", "chainedHash", signature, "keyId", leaves)
  VALUES (p_organization_id, p_sequence, p_first_id, p_last_id, p_first_at, p_last_at, p_count, p_sealed_through, p_root,
    p_previous, p_chained, p_signature, p_key_id, p_leaves);
END;
$audit$;`;
}

function recordVerification(names: SqlNames): string {
  const tables = sealTableNames(names);
  return `-- A verification run's outcome, for the admin page. A claim, not a proof: the proof is running the verifier.
CREATE OR REPLACE FUNCTION ${names.fn('record_seal_verification')}(
  p_organization_id text, p_ok boolean, p_entries bigint, p_blocks bigint, p_sealed_through timestamptz, p_failure text) RETURNS void
LANGUAGE sql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
  INSERT INTO ${tables.verification} ("organizationId", ok, entries, blocks, "sealedThrough", failure)
  VALUES (p_organization_id, p_ok, p_entries, p_blocks, p_sealed_through, left(p_failure, 2000))
$audit$;`;
}

/**
 * Retention (owner only, never granted to the runtime role): set_retention() changes an organization's period or
 * hold and records it; prune_months() deletes whole months before `p_before` (a month start) that are older than the
 * retention period, sealed, and under no hold, with their blocks and daily counts, and writes one `prune` entry
 * naming the range, the count and the last pruned block (its sequence, chained hash and the operator's signature
 * over them), from which the verifier accepts the chain that remains. Months held by the organization alone are
 * dropped as partitions; rows of a month shared with other organizations are deleted (decision 018).
 */
function retention(names: SqlNames): string {
  const tables = sealTableNames(names);
  const entry = (
    action: string,
    metadata: string,
  ) => `INSERT INTO ${names.auditTable} (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType", "actorName", metadata)
  VALUES (${names.nextId}(date_trunc('milliseconds', statement_timestamp())), p_organization_id, date_trunc('milliseconds', statement_timestamp()),
    '${action}', 'audit_log', p_organization_id, 'SYSTEM', 'database role ' || session_user, ${metadata});`;
  return `CREATE OR REPLACE FUNCTION ${names.fn('set_retention')}(p_organization_id text, p_days integer, p_legal_hold boolean) RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
AS $audit$
BEGIN
  INSERT INTO ${tables.retention} ("organizationId", "retentionDays", "legalHold") VALUES (p_organization_id, p_days, p_legal_hold)
  ON CONFLICT ("organizationId") DO UPDATE SET "retentionDays" = EXCLUDED."retentionDays", "legalHold" = EXCLUDED."legalHold", "updatedAt" = now();
  ${entry('retention_change', `jsonb_build_object('retentionDays', p_days, 'legalHold', p_legal_hold)`)}
END;
$audit$;

${dropPartitionsSql(names)}

CREATE OR REPLACE FUNCTION ${names.fn('prune_months')}(p_organization_id text, p_before timestamptz, p_through_sequence bigint,
  p_through_hash text, p_signature text, p_key_id text, OUT entries bigint, OUT blocks bigint)
LANGUAGE plpgsql
SECURITY DEFINER
${PINNED_SEARCH_PATH}
SET lock_timeout = '10s'
AS $audit$
DECLARE
  policy record;
  through record;
  found bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit-seal:' || p_organization_id, 0));
  SELECT coalesce(r."retentionDays", 400) AS days, coalesce(r."legalHold", false) AS hold INTO policy
    FROM (SELECT 1) one LEFT JOIN ${tables.retention} r ON r."organizationId" = p_organization_id;
  IF policy.hold THEN
    RAISE EXCEPTION 'prune_months(): % is under legal hold: nothing may be removed', p_organization_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_before IS DISTINCT FROM date_trunc('month', p_before, 'UTC') OR p_before > now() - make_interval(days => policy.days) THEN
    RAISE EXCEPTION 'prune_months(): % must be the start of a month at least % days ago', p_before, policy.days USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT b.sequence, encode(b."chainedHash", 'hex') AS hash INTO through FROM ${tables.block} b
   WHERE b."organizationId" = p_organization_id AND b."lastCreatedAt" < p_before ORDER BY b.sequence DESC LIMIT 1;
  IF through.sequence IS DISTINCT FROM p_through_sequence OR through.hash IS DISTINCT FROM p_through_hash
     OR EXISTS (SELECT 1 FROM ${tables.block} b WHERE b."organizationId" = p_organization_id AND b."firstCreatedAt" < p_before AND b."lastCreatedAt" >= p_before)
     -- A sealed block must remain after the pruned months: the chain continues from it, and the sealer from its end.
     OR NOT EXISTS (SELECT 1 FROM ${tables.block} b WHERE b."organizationId" = p_organization_id AND b."firstCreatedAt" >= p_before) THEN
    RAISE EXCEPTION 'prune_months(): the months before % of % are not whole sealed blocks ending at block %', p_before, p_organization_id, p_through_sequence
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM set_config(${literal(PRUNE_SETTING)}, pg_current_xact_id()::text, true);
  -- Whole months held by this organization alone go as partitions; what others share is deleted row by row.
  entries := ${names.fn('drop_partitions_of')}(p_organization_id, p_before);
  DELETE FROM ${names.auditTable} l WHERE l."organizationId" = p_organization_id AND l."createdAt" < p_before;
  GET DIAGNOSTICS found = ROW_COUNT;
  entries := entries + found;
  DELETE FROM ${tables.block} b WHERE b."organizationId" = p_organization_id AND b.sequence <= p_through_sequence;
  GET DIAGNOSTICS blocks = ROW_COUNT;
${COUNT_TABLES.map(
  (table) =>
    `  DELETE FROM ${names.app}."${table}" c WHERE c."organizationId" = p_organization_id AND c.day < p_before;`,
).join('\n')}
  PERFORM set_config(${literal(PRUNE_SETTING)}, '', true);
  ${entry(
    'prune',
    `jsonb_build_object('before', to_char(p_before AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'entries', entries, 'blocks', blocks,
      'prunedThroughSequence', p_through_sequence, 'prunedThroughHash', p_through_hash, 'signature', p_signature, 'keyId', p_key_id)`,
  )}
END;
$audit$;`;
}

/** Functions, after the append-only guard they reuse. */
export function sealFunctionsSql(names: SqlNames): string {
  const tables = sealTableNames(names);
  // Not the retention table: set_retention() updates it (through the owner's function only).
  const guard = [tables.block, tables.verification]
    .map(
      (table) => `DROP TRIGGER IF EXISTS ${APPEND_ONLY_TRIGGER} ON ${table};
CREATE TRIGGER ${APPEND_ONLY_TRIGGER} BEFORE UPDATE OR DELETE OR TRUNCATE ON ${table}
  FOR EACH STATEMENT EXECUTE FUNCTION ${names.fn('reject_change')}();`,
    )
    .join('\n');
  return [finalBefore(names), appendBlock(names), recordVerification(names), retention(names), guard].join('\n\n');
}

/** What the runtime role gets, inside apply_grants' loop over runtime roles (`r.role_name`). */
export function sealGrantsSql(names: SqlNames): string {
  const tables = sealTableNames(names);
  const fns = [
    `${names.fn('final_before')}()`,
    `${names.fn('append_seal_block')}(text, bigint, uuid, uuid, timestamptz, timestamptz, integer, timestamptz, bytea, bytea, bytea, bytea, text, bytea)`,
    `${names.fn('record_seal_verification')}(text, boolean, bigint, bigint, timestamptz, text)`,
  ];
  return [
    `    EXECUTE format('GRANT SELECT ON ${tables.block}, ${tables.verification}, ${tables.retention} TO %I', r.role_name);`,
    ...fns.map((fn) => `    EXECUTE format(${literal(`GRANT EXECUTE ON FUNCTION ${fn} TO %I`)}, r.role_name);`),
  ].join('\n');
}
