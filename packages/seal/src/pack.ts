/**
 * The evidence pack (decision 015): a date range of one organization's sealed entries as NDJSON (each line the
 * canonical text that was hashed) and CSV, the signed block headers covering them, an inclusion proof per entry, the
 * public key, a README, and `verify.mjs`, which checks it all with Node's standard library alone.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { canonicalEntry, leafHash } from './canonical.ts';
import { asPublicKey } from './checkpoint.ts';
import type { SignedBlock } from './checkpoint.ts';
import { inclusionProof } from './merkle.ts';
import { PACK_README, VERIFY_SCRIPT } from './pack-files.ts';
import type { SqlClient } from './sql.ts';
import { readBlocks, readEntries } from './store.ts';

const CSV_COLUMNS = [
  'id',
  'createdAt',
  'action',
  'entityType',
  'entityId',
  'actorType',
  'actorName',
  'actorEmail',
  'ipAddress',
] as const;

const csvCell = (value: unknown) => {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export interface PackSummary {
  entries: number;
  blocks: number;
  files: string[];
}

/** Writes the pack for [from, to) into `dir` (created; existing files are not overwritten). */
export async function writeEvidencePack(
  sql: SqlClient,
  options: { organizationId: string; from: Date; to: Date; dir: string; publicKey: KeyObject },
): Promise<PackSummary> {
  const { organizationId, dir } = options;
  const from = options.from.toISOString().replace('Z', '000Z');
  const to = options.to.toISOString().replace('Z', '000Z');
  const all = await readBlocks(sql, organizationId);
  const lines: string[] = [];
  const csv = [CSV_COLUMNS.join(',')];
  const proofs: string[] = [];
  const used: SignedBlock[] = [];
  for (const [i, block] of all.entries()) {
    if (block.lastCreatedAt < from || block.firstCreatedAt >= to) continue;
    const previous = all[i - 1];
    const after = previous ? { createdAt: previous.lastCreatedAt, id: previous.lastEntryId } : null;
    const entries = await readEntries(sql, organizationId, { after, before: null, limit: block.entryCount });
    const leaves = entries.map(leafHash);
    used.push(block);
    entries.forEach((entry, index) => {
      if (entry.createdAt < from || entry.createdAt >= to) return;
      lines.push(canonicalEntry(entry));
      csv.push(CSV_COLUMNS.map((column) => csvCell(entry[column])).join(','));
      const path = inclusionProof(leaves, index).map((hash) => hash.toString('hex'));
      proofs.push(JSON.stringify({ id: entry.id, block: block.sequence, index, size: leaves.length, path }));
    });
  }
  const files: Record<string, string> = {
    'entries.ndjson': lines.map((line) => `${line}\n`).join(''),
    'entries.csv': `${csv.join('\r\n')}\r\n`,
    'checkpoints.json': `${JSON.stringify(used, null, 2)}\n`,
    'proofs.ndjson': proofs.map((line) => `${line}\n`).join(''),
    'public-key.pem': asPublicKey(options.publicKey).export({ type: 'spki', format: 'pem' }).toString(),
    'README.md': PACK_README({ organizationId, from, to, entries: lines.length, blocks: used.length }),
    'verify.mjs': VERIFY_SCRIPT,
  };
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content, { flag: 'wx' });
  return { entries: lines.length, blocks: used.length, files: Object.keys(files) };
}
