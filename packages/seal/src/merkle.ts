/**
 * RFC 6962 Merkle tree hashes over leaf hashes. Pairing left to right and promoting a lone last node gives the same
 * root as RFC 6962's split at the largest power of two below n, without recursion.
 */
import { createHash } from 'node:crypto';
import { nodeHash } from './canonical.ts';

/** The tree hash of `leaves` (SHA-256 of nothing for an empty tree, as RFC 6962 defines it). */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return createHash('sha256').digest();
  let level = [...leaves];
  while (level.length > 1) level = pairUp(level);
  return level[0] as Buffer;
}

function pairUp(level: readonly Buffer[]): Buffer[] {
  const next: Buffer[] = [];
  for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Buffer, level[i + 1] as Buffer));
  if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
  return next;
}

/** The audit path of leaf `index` (RFC 6962 §2.1.1), from the leaf's sibling up to the root's children. */
export function inclusionProof(leaves: readonly Buffer[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`No leaf ${index} in a tree of ${leaves.length}.`);
  const proof: Buffer[] = [];
  let level = [...leaves];
  let at = index;
  while (level.length > 1) {
    const sibling = at % 2 === 0 ? at + 1 : at - 1;
    if (sibling < level.length) proof.push(level[sibling] as Buffer);
    level = pairUp(level);
    at = Math.floor(at / 2);
  }
  return proof;
}

/** Recomputes the root from a leaf, its index, the tree size and its audit path. */
export function rootFromProof(leaf: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer {
  let hash = leaf;
  let at = index;
  let width = size;
  let step = 0;
  while (width > 1) {
    const sibling = at % 2 === 0 ? at + 1 : at - 1;
    if (sibling < width) {
      const other = proof[step++];
      if (!other) throw new RangeError('The inclusion proof is too short for this tree.');
      hash = at % 2 === 0 ? nodeHash(hash, other) : nodeHash(other, hash);
    }
    at = Math.floor(at / 2);
    width = Math.ceil(width / 2);
  }
  if (step !== proof.length) throw new RangeError('The inclusion proof is too long for this tree.');
  return hash;
}
