/**
 * The sealer: chains an organization's final entries, in list order, into signed blocks. Runs in the background
 * (the server's interval, `pnpm audit:seal`), never on the write path. It extends a chain only after checking the
 * chain's last block, and refuses to seal when an entry appears in a range already sealed.
 */
import type { KeyObject } from 'node:crypto';
import { leafHash } from './canonical.ts';
import { asPublicKey, chainedHash, checkSignedBlock, GENESIS_HASH, keyIdOf, signChainedHash } from './checkpoint.ts';
import type { BlockHeader, SignedBlock } from './checkpoint.ts';
import { merkleRoot } from './merkle.ts';
import type { SqlClient } from './sql.ts';
import { appendBlock, finalBefore, lastBlock, organizationsToVerify, readEntries } from './store.ts';

/** Entries per block at most: a block's leaves are 128 KB, its proof 12 hashes. */
export const DEFAULT_BLOCK_SIZE = 4096;

export interface SealOptions {
  privateKey: KeyObject;
  blockSize?: number;
  /** After a key rotation: earlier keys whose last block this key may extend (blocks name their key by id). */
  previousPublicKeys?: readonly KeyObject[];
}

export interface SealResult {
  organizationId: string;
  blocks: number;
  entries: number;
}

/** Thrown when sealing would cover up a problem: the verifier is the next step. */
export class SealRefusedError extends Error {
  override name = 'SealRefusedError';
}

/** Builds and signs the block that follows `previous` over `entries`. */
export function buildBlock(
  previous: SignedBlock | null,
  entries: Parameters<typeof leafHash>[0][],
  sealedThrough: string,
  privateKey: KeyObject,
): { block: SignedBlock; leaves: Buffer[] } {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (!first || !last) throw new RangeError('A block needs at least one entry.');
  const leaves = entries.map(leafHash);
  const header: BlockHeader = {
    organizationId: first.organizationId,
    sequence: (previous?.sequence ?? 0) + 1,
    firstEntryId: first.id,
    lastEntryId: last.id,
    firstCreatedAt: first.createdAt,
    lastCreatedAt: last.createdAt,
    entryCount: entries.length,
    sealedThrough,
    merkleRoot: merkleRoot(leaves).toString('hex'),
    previousHash: previous?.chainedHash ?? GENESIS_HASH,
  };
  const hash = chainedHash(header);
  const block = {
    ...header,
    chainedHash: hash,
    signature: signChainedHash(hash, privateKey),
    keyId: keyIdOf(privateKey),
  };
  return { block, leaves };
}

/** Seals the organization's pending final entries; returns what it added. */
export async function sealOrganization(
  sql: SqlClient,
  organizationId: string,
  options: SealOptions,
): Promise<SealResult> {
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  const horizon = await finalBefore(sql);
  let previous = await lastBlock(sql, organizationId);
  if (previous) assertExtensible(previous, [asPublicKey(options.privateKey), ...(options.previousPublicKeys ?? [])]);
  const result: SealResult = { organizationId, blocks: 0, entries: 0 };
  for (;;) {
    const after = previous ? { createdAt: previous.lastCreatedAt, id: previous.lastEntryId } : null;
    const page = await readEntries(sql, organizationId, { after, before: horizon, limit: blockSize + 1 });
    const first = page[0];
    if (!first) return result;
    const entries = withinMonth(page.slice(0, blockSize), first.createdAt);
    if (previous && first.createdAt < previous.sealedThrough) {
      throw new SealRefusedError(
        `Entry ${first.id} of ${organizationId}, dated ${first.createdAt}, lies in the range block ${previous.sequence} ` +
          `sealed (before ${previous.sealedThrough}) but in no block: run pnpm audit:verify.`,
      );
    }
    const more = page.length > entries.length;
    const next = page[entries.length];
    const monthEnd = nextMonth(first.createdAt);
    // What the block can promise: everything before the month's end, before its last entry's time, or the horizon.
    const lastAt = (entries[entries.length - 1] as typeof first).createdAt;
    const sealedThrough = !next ? (more ? lastAt : horizon) : next.createdAt >= monthEnd ? monthEnd : lastAt;
    const { block, leaves } = buildBlock(previous, entries, sealedThrough, options.privateKey);
    await appendBlock(sql, block, leaves);
    result.blocks += 1;
    result.entries += entries.length;
    previous = block;
    if (!more) return result;
  }
}

/** The start of the UTC month after `iso`'s, in the same text form. */
function nextMonth(iso: string): string {
  const date = new Date(iso);
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)).toISOString().replace('Z', '000Z');
}

/**
 * The entries up to the end of the first one's UTC month: a block never spans two months, so that pruning whole
 * months (retention) removes whole blocks and the chain stays checkable from the first block kept.
 */
function withinMonth<E extends { createdAt: string }>(entries: E[], firstAt: string): E[] {
  const end = nextMonth(firstAt);
  const cut = entries.findIndex((entry) => entry.createdAt >= end);
  return cut < 0 ? entries : entries.slice(0, cut);
}

function assertExtensible(block: SignedBlock, keys: readonly KeyObject[]): void {
  const problem = checkSignedBlock(block, keys);
  if (problem) {
    throw new SealRefusedError(
      `The last block (${block.sequence}) of ${block.organizationId} cannot be extended: ${problem}. ` +
        'Run pnpm audit:verify; a chain is only extended from a block this key (or a previous key given) signed.',
    );
  }
}

/** Seals every organization with entries; one organization's refusal does not stop the others. */
export async function sealAll(
  sql: SqlClient,
  options: SealOptions,
): Promise<{ sealed: SealResult[]; refused: { organizationId: string; reason: string }[] }> {
  const sealed: SealResult[] = [];
  const refused: { organizationId: string; reason: string }[] = [];
  for (const organizationId of await organizationsToVerify(sql)) {
    try {
      sealed.push(await sealOrganization(sql, organizationId, options));
    } catch (error) {
      if (!(error instanceof SealRefusedError)) throw error;
      refused.push({ organizationId, reason: error.message });
    }
  }
  return { sealed, refused };
}
