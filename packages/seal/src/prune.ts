/**
 * Retention (decision 015): whole months, older than the organization's period, under no legal hold, removed with
 * their blocks through the owner's `prune_months()`. The prune entry it writes names the last pruned block and
 * carries the operator's signature over it, so the verifier accepts a chain that starts later only from a prune the
 * key holder made, never from one a database superuser wrote.
 */
import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { keyIdOf } from './checkpoint.ts';
import type { PublicKeys } from './checkpoint.ts';
import type { SqlClient } from './sql.ts';
import { readBlocks } from './store.ts';

/** What a prune promises: the months before `before` are gone, and the chain continues after block `sequence`. */
export interface PruneRecord {
  organizationId: string;
  before: string;
  prunedThroughSequence: number;
  prunedThroughHash: string;
  signature: string;
}

const pruneBytes = (record: Omit<PruneRecord, 'signature'>) => {
  const { organizationId, before, prunedThroughSequence, prunedThroughHash } = record;
  const body = canonicalJson({ v: 1, organizationId, before, prunedThroughSequence, prunedThroughHash });
  return Buffer.from(`auditlog/prune/v1\n${body}`, 'utf8');
};

/** The prune record is signed by `publicKey` (by any of them, across a key rotation). */
export function pruneSignatureHolds(record: PruneRecord, publicKey: PublicKeys): boolean {
  if (!/^[0-9a-f]{128}$/.test(record.signature)) return false;
  const keys = Array.isArray(publicKey) ? publicKey : [publicKey as KeyObject];
  return keys.some((key) => verify(null, pruneBytes(record), key, Buffer.from(record.signature, 'hex')));
}

const monthStart = (date: Date) => new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1));
const isoMicro = (date: Date) => date.toISOString().replace('Z', '000Z');

/** Prunes the organization's months before `before` (rounded down to a month start); what it removed. */
export async function pruneMonths(
  sql: SqlClient,
  organizationId: string,
  before: Date,
  privateKey: KeyObject,
): Promise<{ entries: number; blocks: number; before: string }> {
  const boundary = isoMicro(monthStart(before));
  const through = (await readBlocks(sql, organizationId)).filter((block) => block.lastCreatedAt < boundary).pop();
  if (!through)
    throw new Error(`Nothing of ${organizationId} is sealed before ${boundary}: seal first (pnpm audit:seal).`);
  const unsigned = {
    organizationId,
    before: boundary,
    prunedThroughSequence: through.sequence,
    prunedThroughHash: through.chainedHash,
  };
  const signature = sign(null, pruneBytes(unsigned), privateKey).toString('hex');
  const [row] = await sql.query<{ entries: string; blocks: string }>(
    `SELECT entries::text, blocks::text FROM auditlog.prune_months($1, $2::timestamptz, $3, $4, $5, $6)`,
    [organizationId, boundary, through.sequence, through.chainedHash, signature, keyIdOf(privateKey)],
  );
  return { entries: Number(row?.entries ?? 0), blocks: Number(row?.blocks ?? 0), before: boundary };
}

export interface PruneRun {
  pruned: { organizationId: string; entries: number; blocks: number; before: string }[];
  /** Organizations under a legal hold with months past their retention: nothing of theirs was removed. */
  held: string[];
  /** Organizations whose prune the database refused (the others went on). */
  failed: { organizationId: string; reason: string }[];
}

/**
 * What every organization's retention allows at `now`: the whole months before the start of the month holding
 * `now - retentionDays`, for each organization with a sealed block there and one after it (the chain continues
 * from it), under no legal hold. Each prune goes through `pruneMonths`, as `pnpm audit:prune` does.
 */
export async function pruneExpired(sql: SqlClient, privateKey: KeyObject, now = new Date()): Promise<PruneRun> {
  const run: PruneRun = { pruned: [], held: [], failed: [] };
  const policies = await sql.query<{ organizationId: string; hold: boolean; before: Date | string }>(
    `SELECT o."organizationId", p.hold, p.before
     FROM (SELECT DISTINCT "organizationId" FROM auditlog."AuditSealBlock") o
     LEFT JOIN auditlog."AuditRetention" r ON r."organizationId" = o."organizationId",
     LATERAL (SELECT coalesce(r."legalHold", false) AS hold, date_trunc('month',
       $1::timestamptz - make_interval(days => coalesce(r."retentionDays", 400)), 'UTC') AS before) p
     WHERE EXISTS (SELECT 1 FROM auditlog."AuditSealBlock" b
         WHERE b."organizationId" = o."organizationId" AND b."lastCreatedAt" < p.before)
       AND EXISTS (SELECT 1 FROM auditlog."AuditSealBlock" b
         WHERE b."organizationId" = o."organizationId" AND b."firstCreatedAt" >= p.before)
     ORDER BY 1`,
    [now.toISOString()],
  );
  for (const { organizationId, hold, before } of policies) {
    if (hold) {
      run.held.push(organizationId);
      continue;
    }
    try {
      run.pruned.push({ organizationId, ...(await pruneMonths(sql, organizationId, new Date(before), privateKey)) });
    } catch (error) {
      run.failed.push({ organizationId, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return run;
}
