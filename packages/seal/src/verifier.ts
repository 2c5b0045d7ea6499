/**
 * The verifier: recomputes every leaf, root, chained hash and link from the entries and checks every signature with
 * the public key it is given. It believes nothing the database says without recomputing it (GHSA-672p-m5jq-mrh8):
 * stored roots and hashes are only compared with what it computes, and stored leaves only help name an entry.
 */
import type { KeyObject } from 'node:crypto';
import { leafHash } from './canonical.ts';
import type { CanonicalEntry } from './canonical.ts';
import { chainedHash, checkSignedBlock, GENESIS_HASH } from './checkpoint.ts';
import type { SignedBlock } from './checkpoint.ts';
import { merkleRoot } from './merkle.ts';
import type { SqlClient } from './sql.ts';
import { pruneSignatureHolds } from './prune.ts';
import { readBlocks, readEntries, readLeaves, readPruneRecords } from './store.ts';
import type { EntryPosition } from './store.ts';

export interface VerifyOptions {
  publicKey: KeyObject;
  /** Check entries from this time on (block headers and links are always checked from the first block). */
  from?: Date;
  /** Blocks exported earlier (`pnpm audit:checkpoint`): the chain must still hold each. */
  checkpoints?: readonly SignedBlock[];
  /** How long after a day becomes final its entries may stay unsealed (default 60 minutes). */
  graceMinutes?: number;
  now?: Date;
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

const PAGE = 10_000;
const DAY = 86_400_000;

/** Entries in list order, read in pages; checks order and id times as it goes. */
class EntryReader {
  private buffer: CanonicalEntry[] = [];
  private at = 0;
  private done = false;
  private pending: Promise<CanonicalEntry[]> | null = null;
  private position: EntryPosition | null;
  previous: CanonicalEntry | null = null;
  count = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly organizationId: string,
    start: EntryPosition | null,
  ) {
    this.position = start;
  }

  async next(): Promise<CanonicalEntry | null> {
    if (this.at >= this.buffer.length && !(await this.fill())) return null;
    const entry = this.buffer[this.at++] ?? null;
    if (entry) this.count += 1;
    return entry;
  }

  /** Takes the page already asked for and asks for the next at once, so the database works while we hash. */
  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const page = await (this.pending ?? this.fetch());
    this.buffer = page;
    this.at = 0;
    this.done = page.length < PAGE;
    this.pending = this.done ? null : this.fetch();
    // A page fetched ahead and never used must not become an unhandled rejection.
    this.pending?.catch(() => undefined);
    return page.length > 0;
  }

  private fetch(): Promise<CanonicalEntry[]> {
    const after = this.position;
    const page = readEntries(this.sql, this.organizationId, { after, before: null, limit: PAGE });
    return page.then((rows) => {
      const last = rows[rows.length - 1];
      if (last) this.position = { createdAt: last.createdAt, id: last.id };
      return rows;
    });
  }

  /** Why `entry` is out of order after the previous one, or null. */
  orderProblem(entry: CanonicalEntry): string | null {
    const ms = Date.parse(entry.createdAt);
    const idMs = Number.parseInt(entry.id.slice(0, 8) + entry.id.slice(9, 13), 16);
    if (entry.id[14] !== '7' || idMs !== ms)
      return `its id is not the UUIDv7 of its time (id time ${new Date(idMs).toISOString()}, entry time ${entry.createdAt})`;
    const previous = this.previous;
    this.previous = entry;
    if (!previous) return null;
    if (entry.createdAt < previous.createdAt || (entry.createdAt === previous.createdAt && entry.id <= previous.id))
      return `it lists after ${previous.id} (${previous.createdAt}) but is not later`;
    return null;
  }
}

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
  publicKey: KeyObject,
): Promise<{ link: Origin | null } | Omit<VerifyFailure, 'organizationId'>> {
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
  const fail = (failure: Omit<VerifyFailure, 'organizationId'>) => ({
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
  const reader = new EntryReader(
    sql,
    organizationId,
    before ? { createdAt: before.lastCreatedAt, id: before.lastEntryId } : null,
  );
  let link: Link | null = before ?? origin.link;
  for (const block of blocks.slice(start)) {
    const failure = await checkBlockEntries(sql, block, link, reader);
    if (failure) return { ...fail(failure), entries: reader.count };
    link = block;
  }
  const tail = await checkTail(reader, link, options);
  report.entries = reader.count;
  report.sealedThrough = link?.sealedThrough ?? null;
  report.pending = tail.pending;
  return tail.failure ? fail(tail.failure) : report;
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
  publicKey: KeyObject,
  origin: Origin | null,
): Omit<VerifyFailure, 'organizationId'> | null {
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
): Omit<VerifyFailure, 'organizationId'> | null {
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

/** Reads the block's entries, recomputes its root and compares every fact the header states. */
async function checkBlockEntries(
  sql: SqlClient,
  block: SignedBlock,
  previous: Link | null,
  reader: EntryReader,
): Promise<Omit<VerifyFailure, 'organizationId'> | null> {
  const entries: CanonicalEntry[] = [];
  const leaves: string[] = [];
  for (let i = 0; i < block.entryCount; i++) {
    const entry = await reader.next();
    if (!entry) break;
    const order = reader.orderProblem(entry);
    if (order) return { block: block.sequence, entryId: entry.id, problem: `entry out of order: ${order}` };
    if (previous && entry.createdAt < previous.sealedThrough)
      return {
        block: block.sequence,
        entryId: entry.id,
        problem: `the entry is dated ${entry.createdAt}, inside the range the previous block sealed (before ${previous.sealedThrough}), but in no block`,
      };
    entries.push(entry);
    leaves.push(leafHash(entry).toString('hex'));
  }
  const stored = await readLeaves(sql, block.organizationId, block.sequence);
  const root = merkleRoot(leaves.map((leaf) => Buffer.from(leaf, 'hex'))).toString('hex');
  if (root !== block.merkleRoot) return locateDifference(block, entries, leaves, stored, root);
  if (stored.length !== leaves.length || stored.some((leaf, i) => leaf !== leaves[i]))
    return {
      block: block.sequence,
      entryId: null,
      problem: "the block's stored leaf hashes were changed (its entries are intact)",
    };
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first?.createdAt !== block.firstCreatedAt || last?.createdAt !== block.lastCreatedAt)
    return {
      block: block.sequence,
      entryId: last?.id ?? null,
      problem: 'the block header names other times than its entries',
      expected: `${block.firstCreatedAt}…${block.lastCreatedAt}`,
      found: `${first?.createdAt}…${last?.createdAt}`,
    };
  return null;
}

/**
 * The root differs: names the first entry whose leaf differs from the block's stored leaves, when those still hash
 * to the signed root (otherwise they were changed too, and only the block can be named).
 */
function locateDifference(
  block: SignedBlock,
  entries: readonly CanonicalEntry[],
  leaves: readonly string[],
  stored: readonly string[],
  root: string,
): Omit<VerifyFailure, 'organizationId'> {
  const storedRoot = merkleRoot(stored.map((leaf) => Buffer.from(leaf, 'hex'))).toString('hex');
  const expected = `root ${block.merkleRoot} over ${block.entryCount} entries`;
  const found = `root ${root} over ${entries.length} entries`;
  const at = { block: block.sequence };
  if (storedRoot !== block.merkleRoot)
    return {
      ...at,
      entryId: null,
      expected,
      found,
      problem: "the block's entries were changed (and its stored leaves, so the entry cannot be named)",
    };
  const i =
    Array.from({ length: Math.max(stored.length, leaves.length) }, (_, n) => n).find((n) => leaves[n] !== stored[n]) ??
    0;
  const entry = entries[i];
  const problem = entry
    ? `entry ${i + 1} of the block differs from what was sealed (edited, inserted, removed or moved)`
    : `the block's entries end at ${entries.length}: ${block.entryCount - entries.length} sealed entries are missing`;
  return {
    ...at,
    entryId: entry?.id ?? null,
    problem,
    expected: `leaf ${stored[i] ?? '(none)'}`,
    found: `leaf ${leaves[i] ?? '(none)'}`,
  };
}

/** After the last block: no entry inside the sealed range, and none final for longer than the grace period. */
async function checkTail(
  reader: EntryReader,
  link: Link | null,
  options: VerifyOptions,
): Promise<{ pending: number; failure: Omit<VerifyFailure, 'organizationId'> | null }> {
  const now = (options.now ?? new Date()).getTime();
  const grace = (options.graceMinutes ?? 60) * 60_000;
  const due = new Date(Math.floor((now - 60_000 - grace) / DAY) * DAY).toISOString().replace('Z', '000Z');
  let pending = 0;
  for (let entry = await reader.next(); entry; entry = await reader.next()) {
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
