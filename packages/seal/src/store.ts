/**
 * What the sealer and the verifier read and write. Times cross as UTC ISO text with microseconds (formatted by
 * to_char, never by DateStyle or a JavaScript Date), hashes as hex, so both engines give the same values.
 */
// The registry alone: the verifier's worker threads load this module, and the package's index loads Prisma.
import { auditRegistry } from '@auditlog/db/registry';
import { PLAIN_MEMBERS } from './canonical.ts';
import type { CanonicalEntry, EntryRow, PlainMember } from './canonical.ts';
import type { SignedBlock } from './checkpoint.ts';
import type { SqlClient } from './sql.ts';

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const AUDIT = `${q(auditRegistry.schema)}.${q(auditRegistry.auditTable)}`;
const INTERNAL = q(auditRegistry.internalSchema);
const BLOCKS = `${INTERNAL}."AuditSealBlock"`;

export const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ENTRY_COLUMNS = `l.id::text AS id, l."organizationId", ${iso('l."createdAt"')} AS "createdAt", l.action,
  l."entityType", l."entityId", l."actorType"::text AS "actorType", l."actorUserId", l."actorName", l."actorEmail",
  l."ipAddress", l."userAgent", l."requestId", l.changes, l.metadata`;

const BLOCK_COLUMNS = `"organizationId", sequence::int AS sequence, "firstEntryId"::text AS "firstEntryId",
  "lastEntryId"::text AS "lastEntryId", ${iso('"firstCreatedAt"')} AS "firstCreatedAt",
  ${iso('"lastCreatedAt"')} AS "lastCreatedAt", "entryCount", ${iso('"sealedThrough"')} AS "sealedThrough",
  encode("merkleRoot", 'hex') AS "merkleRoot", encode("previousHash", 'hex') AS "previousHash",
  encode("chainedHash", 'hex') AS "chainedHash", encode(signature, 'hex') AS signature, "keyId"`;

/** A position in list order: after this entry. */
export interface EntryPosition {
  createdAt: string;
  id: string;
}

/** Entries after `after` (exclusive), dated before `before`; at most `limit`. */
export interface EntryRange {
  after: EntryPosition | null;
  before: string | null;
  limit: number;
}

/** The WHERE and parameters for the entries of `organizationId` in `options`' range. */
function entryRange(organizationId: string, options: EntryRange): { where: string; params: unknown[] } {
  const { after, before, limit } = options;
  const params: unknown[] = [organizationId, limit];
  const where = ['l."organizationId" = $1'];
  if (after) {
    params.push(after.createdAt, after.id);
    where.push(`(l."createdAt", l.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  if (before) {
    params.push(before);
    where.push(`l."createdAt" < $${params.length}::timestamptz`);
  }
  return { where: where.join(' AND '), params };
}

// Qualified: the output columns "createdAt" and id are text, and ordering by those would sort instead of walking
// the index. Conditions are left out rather than written `$n IS NULL OR …`, which would not use it either.
const IN_LIST_ORDER = 'ORDER BY l."createdAt", l.id LIMIT $2';

/** Entries of `organizationId` after `after` (exclusive) and dated before `before`, in list order. */
export function readEntries(sql: SqlClient, organizationId: string, options: EntryRange): Promise<CanonicalEntry[]> {
  const { where, params } = entryRange(organizationId, options);
  return sql.query<CanonicalEntry>(`SELECT ${ENTRY_COLUMNS} FROM ${AUDIT} l WHERE ${where} ${IN_LIST_ORDER}`, params);
}

/** Each plain member as SQL text. */
const PLAIN_COLUMNS: Record<PlainMember, string> = {
  action: 'l.action',
  actorEmail: 'l."actorEmail"',
  actorName: 'l."actorName"',
  actorType: 'l."actorType"::text',
  actorUserId: 'l."actorUserId"',
  createdAt: iso('l."createdAt"'),
  entityId: 'l."entityId"',
  entityType: 'l."entityType"',
  id: 'l.id::text',
  ipAddress: 'l."ipAddress"',
  organizationId: 'l."organizationId"',
  requestId: 'l."requestId"',
  userAgent: 'l."userAgent"',
};

/**
 * The plain members as one JSON array of strings, in JCS order: PostgreSQL's JSON string escaping (to_json of text:
 * `\"`, `\\`, `\b \f \n \r \t`, other controls as lower-case `\u00xx`, everything else as is) is ECMAScript's
 * JSON.stringify for any text PostgreSQL can hold, so each element is the canonical text of its member, written
 * where the rows are (a test holds it to JSON.stringify on both engines). One `to_json` of an array costs the
 * server half what one per member did, and the verifier finds the elements with a scan (canonical.ts).
 */
const ROW_SELECT = `pg_catalog.to_json(ARRAY[${PLAIN_MEMBERS.map((name) => PLAIN_COLUMNS[name]).join(', ')}]::text[])::text,
  l.changes::text, l.metadata::text`;

/** As `readEntries`, but each entry as an `EntryRow`: what the verifier hashes. */
export async function readEntryRows(sql: SqlClient, organizationId: string, options: EntryRange): Promise<EntryRow[]> {
  const { where, params } = entryRange(organizationId, options);
  const rows = await sql.queryArrays(`SELECT ${ROW_SELECT} FROM ${AUDIT} l WHERE ${where} ${IN_LIST_ORDER}`, params);
  // Three text columns, the first never null (an array): what EntryRow says.
  return rows as unknown as EntryRow[];
}

export async function finalBefore(sql: SqlClient): Promise<string> {
  const [row] = await sql.query<{ at: string }>(`SELECT ${iso(`${INTERNAL}.final_before()`)} AS at`);
  if (!row) throw new Error('final_before() returned nothing: is the seal installed (pnpm db:deploy)?');
  return row.at;
}

export async function lastBlock(sql: SqlClient, organizationId: string): Promise<SignedBlock | null> {
  const [row] = await sql.query<SignedBlock>(
    `SELECT ${BLOCK_COLUMNS} FROM ${BLOCKS} WHERE "organizationId" = $1 ORDER BY sequence DESC LIMIT 1`,
    [organizationId],
  );
  return row ?? null;
}

/** Every block of `organizationId`, in sequence order, without their leaves. */
export function readBlocks(sql: SqlClient, organizationId: string): Promise<SignedBlock[]> {
  return sql.query<SignedBlock>(
    `SELECT ${BLOCK_COLUMNS} FROM ${BLOCKS} WHERE "organizationId" = $1 ORDER BY sequence`,
    [organizationId],
  );
}

/**
 * The leaf hashes a block stored, as one hex string (64 digits a leaf): compared whole with the recomputed leaves,
 * and split only to name the first entry that differs.
 */
export async function readLeaves(sql: SqlClient, organizationId: string, sequence: number): Promise<string> {
  const [row] = await sql.query<{ leaves: string }>(
    `SELECT encode(leaves, 'hex') AS leaves FROM ${BLOCKS} WHERE "organizationId" = $1 AND sequence = $2`,
    [organizationId, sequence],
  );
  return row?.leaves ?? '';
}

export async function appendBlock(sql: SqlClient, block: SignedBlock, leaves: readonly Buffer[]): Promise<void> {
  await sql.query(
    `SELECT ${INTERNAL}.append_seal_block($1, $2, $3::uuid, $4::uuid, $5::timestamptz, $6::timestamptz, $7, $8::timestamptz,
       decode($9, 'hex'), decode($10, 'hex'), decode($11, 'hex'), decode($12, 'hex'), $13, decode($14, 'hex'))`,
    [
      block.organizationId,
      block.sequence,
      block.firstEntryId,
      block.lastEntryId,
      block.firstCreatedAt,
      block.lastCreatedAt,
      block.entryCount,
      block.sealedThrough,
      block.merkleRoot,
      block.previousHash,
      block.chainedHash,
      block.signature,
      block.keyId,
      Buffer.concat(leaves).toString('hex'),
    ],
  );
}

/** Every organization with entries or blocks (an entry under an unknown organization is checked too). */
export async function organizationsToVerify(sql: SqlClient): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `SELECT "organizationId" AS id FROM ${AUDIT} UNION SELECT "organizationId" FROM ${BLOCKS} ORDER BY 1`,
  );
  return rows.map((row) => row.id);
}

export async function organizationIdBySlug(sql: SqlClient, slug: string): Promise<string | null> {
  const [row] = await sql.query<{ id: string }>(
    `SELECT id FROM ${q(auditRegistry.schema)}."Organization" WHERE slug = $1`,
    [slug],
  );
  return row?.id ?? null;
}

export interface VerificationRecord {
  organizationId: string;
  ok: boolean;
  entries: number;
  blocks: number;
  sealedThrough: string | null;
  failure: string | null;
}

export async function recordVerification(sql: SqlClient, record: VerificationRecord): Promise<void> {
  await sql.query(`SELECT ${INTERNAL}.record_seal_verification($1, $2, $3, $4, $5::timestamptz, $6)`, [
    record.organizationId,
    record.ok,
    record.entries,
    record.blocks,
    record.sealedThrough,
    record.failure,
  ]);
}

/** The signed facts of the organization's prune entries (decision 015), as written; the verifier checks them. */
export async function readPruneRecords(
  sql: SqlClient,
  organizationId: string,
): Promise<{ before: string; prunedThroughSequence: number; prunedThroughHash: string; signature: string }[]> {
  const rows = await sql.query<{ metadata: Record<string, unknown> | null }>(
    `SELECT l.metadata FROM ${AUDIT} l
     WHERE l."organizationId" = $1 AND l.action = 'prune' AND l."entityType" = 'audit_log' ORDER BY l."createdAt", l.id`,
    [organizationId],
  );
  return rows.flatMap(({ metadata: m }) =>
    m &&
    typeof m.before === 'string' &&
    typeof m.prunedThroughSequence === 'number' &&
    typeof m.prunedThroughHash === 'string' &&
    typeof m.signature === 'string'
      ? [
          {
            before: m.before,
            prunedThroughSequence: m.prunedThroughSequence,
            prunedThroughHash: m.prunedThroughHash,
            signature: m.signature,
          },
        ]
      : [],
  );
}
