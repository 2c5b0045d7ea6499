/**
 * Block headers, their chained hashes and signatures (docs/decisions/015-tamper-evidence.md). The chained hash
 * covers the header, which covers the Merkle root and the previous block's chained hash; the Ed25519 signature
 * covers the chained hash. So one valid signature vouches for the whole chain up to its block.
 */
import { createHash, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical.ts';

export const BLOCK_FORMAT = 1;
/** The previous hash of an organization's first block. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a block asserts; every hash in lower-case hex, every time as UTC ISO text with microseconds. */
export interface BlockHeader {
  organizationId: string;
  sequence: number;
  firstEntryId: string;
  lastEntryId: string;
  firstCreatedAt: string;
  lastCreatedAt: string;
  entryCount: number;
  /** Every entry of the organization dated before this is in this block or an earlier one. */
  sealedThrough: string;
  merkleRoot: string;
  previousHash: string;
}

/** A header with its chained hash and signature: what a checkpoint file holds, one per block. */
export interface SignedBlock extends BlockHeader {
  chainedHash: string;
  signature: string;
  keyId: string;
}

export function headerBytes(header: BlockHeader): Buffer {
  const { organizationId, sequence, firstEntryId, lastEntryId, firstCreatedAt, lastCreatedAt } = header;
  const { entryCount, sealedThrough, merkleRoot, previousHash } = header;
  const fields = { v: BLOCK_FORMAT, organizationId, sequence, firstEntryId, lastEntryId, firstCreatedAt };
  const rest = { lastCreatedAt, entryCount, sealedThrough, merkleRoot, previousHash };
  return Buffer.from(canonicalJson({ ...fields, ...rest }), 'utf8');
}

/** SHA-256("auditlog/block/v1\n" ‖ canonical header), in hex. */
export function chainedHash(header: BlockHeader): string {
  return createHash('sha256').update('auditlog/block/v1\n', 'utf8').update(headerBytes(header)).digest('hex');
}

/** The public half of a key pair (a public key as it is). */
export const asPublicKey = (key: KeyObject): KeyObject => (key.type === 'private' ? createPublicKey(key) : key);

/** The first 16 hex digits of SHA-256 over the public key's SPKI DER. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256')
    .update(asPublicKey(key).export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Ed25519 over the chained hash's 32 bytes, in hex. */
export function signChainedHash(hash: string, privateKey: KeyObject): string {
  return sign(null, Buffer.from(hash, 'hex'), privateKey).toString('hex');
}

export function signatureHolds(hash: string, signature: string, publicKey: KeyObject): boolean {
  if (!/^[0-9a-f]{128}$/.test(signature)) return false;
  return verify(null, Buffer.from(hash, 'hex'), publicKey, Buffer.from(signature, 'hex'));
}

/** One public key, or several for a chain signed across a key rotation (a block names its key by `keyId`). */
export type PublicKeys = KeyObject | readonly KeyObject[];

const keyList = (keys: PublicKeys): readonly KeyObject[] => (Array.isArray(keys) ? keys : [keys as KeyObject]);

/** The key among `keys` whose id is `keyId`, or null. */
export function keyWithId(keys: PublicKeys, keyId: string): KeyObject | null {
  return keyList(keys).find((key) => keyIdOf(key) === keyId) ?? null;
}

/** Headers, hashes and signatures of `blocks`, checked with nothing but `publicKey`: the first problem, or null. */
export function checkSignedBlock(block: SignedBlock, publicKey: PublicKeys): string | null {
  const recomputed = chainedHash(block);
  if (recomputed !== block.chainedHash)
    return `its chained hash is ${block.chainedHash}, but its header hashes to ${recomputed}`;
  const key = keyWithId(publicKey, block.keyId);
  if (!key) {
    const given = keyList(publicKey).map(keyIdOf).join(', ');
    return `it is signed by key ${block.keyId}, not by the public key given (${given})`;
  }
  if (!signatureHolds(block.chainedHash, block.signature, key)) return 'its signature does not verify';
  return null;
}
