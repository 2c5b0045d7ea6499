/** The README and the standalone verifier that go into every evidence pack (pack.ts). */

export function PACK_README(facts: {
  organizationId: string;
  from: string;
  to: string;
  entries: number;
  blocks: number;
}): string {
  return `# Audit log evidence pack

Organization \`${facts.organizationId}\`, entries from ${facts.from} to ${facts.to} (exclusive): ${facts.entries} entries
in ${facts.blocks} sealed blocks. Only sealed entries are included (entries are sealed once their day is final).

| file | what it holds |
|---|---|
| entries.ndjson | one entry per line, exactly the bytes that were hashed (RFC 8785 canonical JSON) |
| entries.csv | the same entries, for reading (the NDJSON is what is verified) |
| checkpoints.json | the signed header of every block that holds one of them |
| proofs.ndjson | per entry: its block, its position, and its Merkle inclusion proof (RFC 6962) |
| public-key.pem | the Ed25519 public key that signs the blocks: compare it with the one the operator gave you |
| verify.mjs | checks everything with Node.js alone (no packages): \`node verify.mjs\` |

What \`node verify.mjs\` checks: for each entry, leaf = SHA-256(0x00 ‖ "auditlog/entry/v1\\n" ‖ line); the inclusion
proof leads from the leaf to its block's Merkle root (node = SHA-256(0x01 ‖ left ‖ right)); each block header, as
RFC 8785 JSON with \`v: 1\`, hashes to its chained hash (SHA-256 of "auditlog/block/v1\\n" ‖ header); the chained hash
is signed by the public key (Ed25519); consecutive blocks chain (previousHash). It prints OK, or the first problem
and exits 1. The format is specified in the project's docs/decisions/015-tamper-evidence.md.
`;
}

export const VERIFY_SCRIPT = `// Verifies this evidence pack with Node.js's standard library only: node verify.mjs [pack directory]
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? path.dirname(new URL(import.meta.url).pathname);
const read = (name) => readFileSync(path.join(dir, name), 'utf8');
const sha256 = (...parts) => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest();
const jcs = (value) =>
  value === null || typeof value !== 'object'
    ? JSON.stringify(value)
    : Array.isArray(value)
      ? '[' + value.map(jcs).join(',') + ']'
      : '{' + Object.keys(value).sort().map((key) => JSON.stringify(key) + ':' + jcs(value[key])).join(',') + '}';
const fail = (message) => {
  console.error('FAILED: ' + message);
  process.exit(1);
};

const key = createPublicKey(read('public-key.pem'));
const blocks = new Map();
let previous = null;
for (const block of JSON.parse(read('checkpoints.json'))) {
  const { chainedHash, signature, keyId, ...header } = block;
  const hash = sha256('auditlog/block/v1\\n', jcs({ v: 1, ...header })).toString('hex');
  if (hash !== chainedHash) fail('block ' + block.sequence + ': its header hashes to ' + hash + ', not ' + chainedHash);
  if (!verify(null, Buffer.from(chainedHash, 'hex'), key, Buffer.from(signature, 'hex')))
    fail('block ' + block.sequence + ': the signature does not verify with public-key.pem');
  if (previous && previous.sequence + 1 === block.sequence && block.previousHash !== previous.chainedHash)
    fail('block ' + block.sequence + ' does not chain to block ' + previous.sequence);
  blocks.set(block.sequence, block);
  previous = block;
}
const lines = read('entries.ndjson').split('\\n').filter(Boolean);
const proofs = read('proofs.ndjson').split('\\n').filter(Boolean).map((line) => JSON.parse(line));
if (lines.length !== proofs.length) fail(lines.length + ' entries but ' + proofs.length + ' proofs');
lines.forEach((line, n) => {
  const proof = proofs[n];
  const entry = JSON.parse(line);
  if (entry.id !== proof.id) fail('line ' + (n + 1) + ': the proof is for ' + proof.id + ', the entry is ' + entry.id);
  if (jcs(entry) !== line) fail('entry ' + entry.id + ' is not in canonical form');
  let hash = sha256(Buffer.from([0]), 'auditlog/entry/v1\\n', line);
  let at = proof.index;
  let width = proof.size;
  let step = 0;
  while (width > 1) {
    const sibling = at % 2 === 0 ? at + 1 : at - 1;
    if (sibling < width) {
      const other = Buffer.from(proof.path[step++], 'hex');
      hash = at % 2 === 0 ? sha256(Buffer.from([1]), hash, other) : sha256(Buffer.from([1]), other, hash);
    }
    at = Math.floor(at / 2);
    width = Math.ceil(width / 2);
  }
  const block = blocks.get(proof.block);
  if (!block) fail('entry ' + entry.id + ': block ' + proof.block + ' is not in checkpoints.json');
  if (block.entryCount !== proof.size || hash.toString('hex') !== block.merkleRoot)
    fail('entry ' + entry.id + ' is not in block ' + proof.block + ' as sealed (edited, or the proof is wrong)');
});
console.log('OK: ' + lines.length + ' entries in ' + blocks.size + ' signed blocks verify with public-key.pem');
`;
