/**
 * The verifier: recomputes every leaf, root, chained hash and link from the entries and checks every signature with
 * the public key it is given. It believes nothing the database says without recomputing it (GHSA-672p-m5jq-mrh8):
 * stored roots and hashes are only compared with what it computes, and stored leaves only help name an entry.
 */
import { chainedHash, checkSignedBlock, GENESIS_HASH } from './checkpoint.ts';
import type { PublicKeys, SignedBlock } from './checkpoint.ts';
import { defaultWorkers, PARALLEL_FROM, splitRanges, VerifyPool } from './parallel.ts';
import { checkRange, EntryReader } from './range.ts';
import type { BlockFailure, RangeResult } from './range.ts';
import type { SqlClient } from './sql.ts';
import { pruneSignatureHolds } from './prune.ts';
import { readBlocks, readPruneRecords } from './store.ts';
import type { EntryPosition } from './store.ts';

export interface VerifyOptions {
  /** The operator's public key, or several (key rotation): each block is checked with the key its `keyId` names. */
  publicKey: PublicKeys;
  /** Check entries from this time on (block headers and links are always checked from the first block). */
  from?: Date;
  /** Blocks exported earlier (`pnpm audit:checkpoint`): the chain must still hold each. */
  checkpoints?: readonly SignedBlock[];
  /** How long after a day becomes final its entries may stay unsealed (default 60 minutes). */
  graceMinutes?: number;
  now?: Date;
  /**
   * Worker threads for the entries (PostgreSQL only; PGlite is one in-process engine and always uses one thread).
   * 1 checks in this thread. Not given: one per CPU (at most 4) once there are 200,000 entries to check.
   */
  workers?: number;
  /** Workers kept across calls (`verifyOrganizations` passes one); otherwise started and ended by this call. */
  pool?: VerifyPool;
}

/** The first broken link: where, what, and the value expected against the value found. */
export interface VerifyFailure {
  organizationId: string;
  block: number | null;
  entryId: string | null;
  problem: string;
  expected?: string;
  found?: string;
}

export interface OrganizationVerification {
  organizationId: string;
  entries: number;
  blocks: number;
  sealedThrough: string | null;
  pending: number;
  failure: VerifyFailure | null;
}

const DAY = 86_400_000;

interface Link {
  chainedHash: string;
  sealedThrough: string;
}

/** Where the chain starts: at genesis, or after the last block a signed prune removed (decision 015). */
interface Origin extends Link {
  sequence: number;
}

async function chainOrigin(
  sql: SqlClient,
  organizationId: string,
  first: SignedBlock | undefined,
  publicKey: PublicKeys,
): Promise<{ link: Origin | null } | BlockFailure> {
  if (!first || first.sequence === 1) return { link: null };
  const prunes = await readPruneRecords(sql, organizationId);
  const prune = prunes.find((record) => record.prunedThroughSequence === first.sequence - 1);
  if (!prune) return { link: null }; // checkHeaders names the missing blocks
  if (!pruneSignatureHolds({ ...prune, organizationId }, publicKey) || prune.prunedThroughHash !== first.previousHash)
    return {
      block: first.sequence,
      entryId: null,
      problem:
        'the chain starts after a prune whose record is not signed by the public key given, or names another block',
    };
  return {
    link: { sequence: prune.prunedThroughSequence, chainedHash: prune.prunedThroughHash, sealedThrough: prune.before },
  };
}

/** Verifies one organization's chain and entries; stops at the first broken link. */
export async function verifyOrganization(
  sql: SqlClient,
  organizationId: string,
  options: VerifyOptions,
): Promise<OrganizationVerification> {
  const blocks = await readBlocks(sql, organizationId);
  const report: OrganizationVerification = {
    organizationId,
    entries: 0,
    blocks: blocks.length,
    sealedThrough: null,
    pending: 0,
    failure: null,
  };
  const fail = (failure: BlockFailure) => ({
    ...report,
    failure: { organizationId, ...failure },
  });
  const origin = await chainOrigin(sql, organizationId, blocks[0], options.publicKey);
  if ('problem' in origin) return fail(origin);
  const headers = checkHeaders(blocks, options.publicKey, origin.link);
  if (headers) return fail(headers);
  const checkpoint = checkCheckpoints(blocks, organizationId, options, origin.link);
  if (checkpoint) return fail(checkpoint);
  const start = firstCheckedBlock(blocks, options.from);
  const before = start > 0 ? (blocks[start - 1] as SignedBlock) : null;
  const checked = blocks.slice(start);
  const entryStart = {
    link: before ?? origin.link,
    after: before ? { createdAt: before.lastCreatedAt, id: before.lastEntryId } : null,
  };
  const workers = workersFor(sql, checked, options);
  const result =
    workers > 1
      ? await checkInParallel(sql, organizationId, checked, entryStart, { ...options, workers })
      : await checkInOneThread(sql, organizationId, checked, entryStart, options);
  const last = checked[checked.length - 1] ?? entryStart.link;
  report.entries = result.entries;
  report.sealedThrough = last?.sealedThrough ?? null;
  report.pending = result.pending;
  return result.failure ? { ...fail(result.failure), entries: result.entries } : report;
}

interface EntriesResult extends RangeResult {
  pending: number;
}

type EntryStart = { link: Link | null; after: EntryPosition | null };

/** How many threads check the entries: 1 without a PostgreSQL connection to give workers, or below the threshold. */
function workersFor(sql: SqlClient, checked: readonly SignedBlock[], options: VerifyOptions): number {
  if (!sql.workerConnection || checked.length < 2) return 1;
  if (options.workers !== undefined) return Math.min(options.workers, checked.length);
  const entries = checked.reduce((sum, block) => sum + block.entryCount, 0);
  return entries < PARALLEL_FROM ? 1 : Math.min(options.pool?.size ?? defaultWorkers(), checked.length);
}

/** One pass: the blocks' entries, then on into the tail with the same reader. */
async function checkInOneThread(
  sql: SqlClient,
  organizationId: string,
  checked: readonly SignedBlock[],
  start: EntryStart,
  options: VerifyOptions,
): Promise<EntriesResult> {
  const range = await checkRange(sql, organizationId, checked, start);
  if (range.failure) return { ...range, pending: 0 };
  const tail = await checkTail(range.reader, checked[checked.length - 1] ?? start.link, options);
  return { entries: range.reader.count, failure: tail.failure, pending: tail.pending };
}

/**
 * Ranges of blocks in worker threads and the tail in this one, at once. Every range is awaited; the first failing
 * range in list order (then the tail) is the failure, with the entries counted up to it, as one pass reports it.
 */
async function checkInParallel(
  sql: SqlClient,
  organizationId: string,
  checked: readonly SignedBlock[],
  start: EntryStart,
  options: VerifyOptions & { workers: number },
): Promise<EntriesResult> {
  const connection = sql.workerConnection;
  if (!connection) throw new Error('No connection settings to give verifier workers.');
  const pool = options.pool ?? new VerifyPool(connection, options.workers);
  try {
    const ranges = splitRanges(checked, options.workers);
    const jobs = ranges.map((blocks, i) => {
      const previous = i === 0 ? null : (ranges[i - 1]?.at(-1) as SignedBlock);
      const { link, after } = previous
        ? { link: previous, after: { createdAt: previous.lastCreatedAt, id: previous.lastEntryId } }
        : start;
      return pool.run({ organizationId, blocks, link: link && { sealedThrough: link.sealedThrough }, after });
    });
    const last = checked[checked.length - 1] as SignedBlock;
    const reader = new EntryReader(sql, organizationId, { createdAt: last.lastCreatedAt, id: last.lastEntryId });
    const [results, tail] = await Promise.all([Promise.all(jobs), checkTail(reader, last, options)]);
    let entries = 0;
    for (const result of results) {
      entries += result.entries;
      if (result.failure) return { entries, failure: result.failure, pending: 0 };
    }
    return { entries: entries + reader.count, failure: tail.failure, pending: tail.pending };
  } finally {
    if (!options.pool) await pool.close();
  }
}

/** The index of the first block whose entries `from` asks to check (all blocks' headers are checked anyway). */
function firstCheckedBlock(blocks: readonly SignedBlock[], from: Date | undefined): number {
  if (!from) return 0;
  const index = blocks.findIndex((block) => Date.parse(block.lastCreatedAt) >= from.getTime());
  return index < 0 ? blocks.length : index;
}

/** Every header: its chained hash recomputed, its signature, its link to the previous one, its own consistency. */
function checkHeaders(
  blocks: readonly SignedBlock[],
  publicKey: PublicKeys,
  origin: Origin | null,
): BlockFailure | null {
  let previous: SignedBlock | null = null;
  for (const block of blocks) {
    const at = { block: block.sequence, entryId: null };
    const expectedSequence = (previous?.sequence ?? origin?.sequence ?? 0) + 1;
    if (block.sequence !== expectedSequence)
      return {
        ...at,
        problem: 'a block is missing from the chain',
        expected: `block ${expectedSequence}`,
        found: `block ${block.sequence}`,
      };
    const signed = checkSignedBlock(block, publicKey);
    if (signed) return { ...at, problem: `the block row was changed: ${signed}` };
    const expectedPrevious = previous ? chainedHash(previous) : (origin?.chainedHash ?? GENESIS_HASH);
    if (block.previousHash !== expectedPrevious)
      return {
        ...at,
        problem: 'the block does not chain to the previous one',
        expected: expectedPrevious,
        found: block.previousHash,
      };
    const ordered =
      block.firstCreatedAt <= block.lastCreatedAt &&
      block.lastCreatedAt <= block.sealedThrough &&
      (!previous ||
        (block.sealedThrough >= previous.sealedThrough && block.firstCreatedAt >= previous.lastCreatedAt)) &&
      (previous || !origin || block.firstCreatedAt >= origin.sealedThrough);
    if (!ordered) return { ...at, problem: 'the block covers times out of order with its neighbours' };
    previous = block;
  }
  return null;
}

/** The chain must still hold every exported block, unchanged; each checkpoint must itself be signed. */
function checkCheckpoints(
  blocks: readonly SignedBlock[],
  organizationId: string,
  options: VerifyOptions,
  origin: Origin | null,
): BlockFailure | null {
  for (const checkpoint of options.checkpoints ?? []) {
    if (checkpoint.organizationId !== organizationId) continue;
    const at = { block: checkpoint.sequence, entryId: null };
    const invalid = checkSignedBlock(checkpoint, options.publicKey);
    if (invalid) return { ...at, problem: `the checkpoint file's block is not valid: ${invalid}` };
    // A block a signed prune removed: only the last one's hash survives, in the prune record.
    if (origin && checkpoint.sequence < origin.sequence) continue;
    if (origin && checkpoint.sequence === origin.sequence) {
      if (checkpoint.chainedHash !== origin.chainedHash)
        return {
          ...at,
          problem: 'the prune record names another block than the checkpoint',
          expected: checkpoint.chainedHash,
          found: origin.chainedHash,
        };
      continue;
    }
    const held = blocks.find((block) => block.sequence === checkpoint.sequence);
    if (!held) {
      const last = blocks[blocks.length - 1];
      return {
        ...at,
        problem: 'the chain was truncated: it no longer holds a checkpointed block',
        expected: `block ${checkpoint.sequence} ${checkpoint.chainedHash}`,
        found: last ? `chain ends at block ${last.sequence}` : 'no blocks',
      };
    }
    if (held.chainedHash !== checkpoint.chainedHash)
      return {
        ...at,
        problem: 'the chain was rewritten since the checkpoint',
        expected: checkpoint.chainedHash,
        found: held.chainedHash,
      };
  }
  return null;
}

/** After the last block: no entry inside the sealed range, and none final for longer than the grace period. */
async function checkTail(
  reader: EntryReader,
  link: Link | null,
  options: VerifyOptions,
): Promise<{ pending: number; failure: BlockFailure | null }> {
  const now = (options.now ?? new Date()).getTime();
  const grace = (options.graceMinutes ?? 60) * 60_000;
  const due = new Date(Math.floor((now - 60_000 - grace) / DAY) * DAY).toISOString().replace('Z', '000Z');
  let pending = 0;
  for (let entry = await reader.nextPosition(); entry; entry = await reader.nextPosition()) {
    const order = reader.orderProblem(entry);
    if (order) return { pending, failure: { block: null, entryId: entry.id, problem: `entry out of order: ${order}` } };
    if (link && entry.createdAt < link.sealedThrough)
      return {
        pending,
        failure: {
          block: null,
          entryId: entry.id,
          problem: `the entry is dated ${entry.createdAt}, inside the sealed range (before ${link.sealedThrough}), but in no block`,
        },
      };
    if (entry.createdAt < due)
      return {
        pending,
        failure: {
          block: null,
          entryId: entry.id,
          problem: `the entry has been final since ${due} but is not sealed: the sealer is not running, or blocks were removed`,
        },
      };
    pending += 1;
  }
  return { pending, failure: null };
}
