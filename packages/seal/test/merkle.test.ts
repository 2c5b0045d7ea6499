import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildBlock, checkSignedBlock, inclusionProof, merkleRoot, nodeHash, rootFromProof } from '../src/index.ts';

const leaf = (n: number) => createHash('sha256').update(`leaf ${n}`).digest();

/** RFC 6962 §2.1 as written: split at the largest power of two smaller than n. */
function reference(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(reference(leaves.slice(0, k)), reference(leaves.slice(k)));
}

describe('Merkle trees (RFC 6962)', () => {
  it('gives the RFC 6962 root for every size from 1 to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leaf(i));
      expect(merkleRoot(leaves).toString('hex'), `size ${n}`).toBe(reference(leaves).toString('hex'));
    }
  });

  it('proves every leaf of every size up to 40, and no proof survives a changed leaf or sibling', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leaf(i));
      const root = merkleRoot(leaves).toString('hex');
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        expect(rootFromProof(leaves[i] as Buffer, i, n, proof).toString('hex'), `leaf ${i} of ${n}`).toBe(root);
        expect(rootFromProof(leaf(1000), i, n, proof).toString('hex')).not.toBe(root);
        if (proof[0]) {
          const forged = [leaf(2000), ...proof.slice(1)];
          expect(rootFromProof(leaves[i] as Buffer, i, n, forged).toString('hex')).not.toBe(root);
        }
      }
    }
  });
});

describe('signed blocks', () => {
  const entry = (n: number) => ({
    id: `01900000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    organizationId: 'org',
    createdAt: '2024-01-01T00:00:00.000000Z',
    action: 'view',
    entityType: 'ticket',
    entityId: `t${n}`,
    actorType: 'USER',
    actorUserId: null,
    actorName: null,
    actorEmail: null,
    ipAddress: null,
    userAgent: null,
    requestId: null,
    changes: null,
    metadata: null,
  });

  it('verify with the signer’s public key only, and not once any header field or the signature changes', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const { block } = buildBlock(null, [entry(1), entry(2)], '2024-01-02T00:00:00.000000Z', privateKey);
    expect(checkSignedBlock(block, publicKey)).toBeNull();
    expect(checkSignedBlock(block, generateKeyPairSync('ed25519').publicKey)).toMatch(/not by the public key given/);
    expect(checkSignedBlock({ ...block, entryCount: 1 }, publicKey)).toMatch(/header hashes to/);
    expect(checkSignedBlock({ ...block, sealedThrough: '2024-01-03T00:00:00.000000Z' }, publicKey)).toMatch(
      /header hashes to/,
    );
    const flipped = (block.signature[0] === 'a' ? 'b' : 'a') + block.signature.slice(1);
    expect(checkSignedBlock({ ...block, signature: flipped }, publicKey)).toMatch(/signature does not verify/);
  });
});
