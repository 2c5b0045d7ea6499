/**
 * Checkpoint files: the newest block of every organization, with the public key, as JSON that anything with
 * SHA-256, RFC 8785 and Ed25519 can check. Keep them away from the database: they are what a truncated chain is
 * checked against (`pnpm audit:verify --checkpoint <file>`).
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { asPublicKey, keyIdOf } from './checkpoint.ts';
import type { SignedBlock } from './checkpoint.ts';
import type { SqlClient } from './sql.ts';
import { lastBlock, organizationsToVerify } from './store.ts';

export const CHECKPOINT_FORMAT = 'auditlog-checkpoint/1';

const hex = (length: number) => z.string().regex(new RegExp(`^[0-9a-f]{${length}}$`));
const iso = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
const blockSchema = z.object({
  organizationId: z.string().min(1),
  sequence: z.number().int().min(1),
  firstEntryId: z.uuid(),
  lastEntryId: z.uuid(),
  firstCreatedAt: iso,
  lastCreatedAt: iso,
  entryCount: z.number().int().min(1),
  sealedThrough: iso,
  merkleRoot: hex(64),
  previousHash: hex(64),
  chainedHash: hex(64),
  signature: hex(128),
  keyId: hex(16),
});

const fileSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  exportedAt: z.string(),
  keyId: hex(16),
  publicKey: z.string(),
  blocks: z.array(blockSchema),
});

export type CheckpointFile = z.infer<typeof fileSchema>;

export async function exportCheckpoints(sql: SqlClient, publicKey: KeyObject): Promise<CheckpointFile> {
  const blocks: SignedBlock[] = [];
  for (const organizationId of await organizationsToVerify(sql)) {
    const block = await lastBlock(sql, organizationId);
    if (block) blocks.push(block);
  }
  const key = asPublicKey(publicKey);
  return {
    format: CHECKPOINT_FORMAT,
    exportedAt: new Date().toISOString(),
    keyId: keyIdOf(key),
    publicKey: key.export({ type: 'spki', format: 'pem' }).toString(),
    blocks,
  };
}

/** Parses a checkpoint file, naming what is wrong with it. */
export function parseCheckpointFile(text: string, source: string): CheckpointFile {
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${source} is not a checkpoint file: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
