/** The seal's settings; nothing else in this package touches `process.env`. The keys themselves are never logged. */
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { asPublicKey } from './checkpoint.ts';
import { privateKeyFromPem, publicKeyFromPem, readPrivateKeyFile, readPublicKeyFile } from './keys.ts';

const optional = z
  .string()
  .trim()
  .optional()
  .transform((value) => value || undefined);

const schema = z.object({
  /** The Ed25519 private key, PKCS#8 PEM (for deployments that inject secrets as variables). */
  AUDIT_SEAL_KEY: optional,
  /** A file holding it (mode 0600). */
  AUDIT_SEAL_KEY_FILE: optional,
  /** The public key the verifier checks signatures with (PEM, or a file); derived from the private key if unset. */
  AUDIT_SEAL_PUBLIC_KEY: optional,
  AUDIT_SEAL_PUBLIC_KEY_FILE: optional,
  INIT_CWD: optional,
});

export type SealEnv = z.infer<typeof schema>;

export const sealEnv = (source: NodeJS.ProcessEnv = process.env): SealEnv => schema.parse(source);

/** Relative paths are read from where `pnpm …` was typed, not from the package pnpm runs the script in. */
export const fromInvocation = (file: string, env: SealEnv = sealEnv()) =>
  path.resolve(env.INIT_CWD ?? process.cwd(), file);

/** The signing key, or null when none is configured (then nothing is sealed). */
export async function configuredPrivateKey(env: SealEnv = sealEnv()): Promise<KeyObject | null> {
  if (env.AUDIT_SEAL_KEY && env.AUDIT_SEAL_KEY_FILE)
    throw new Error('Set AUDIT_SEAL_KEY or AUDIT_SEAL_KEY_FILE, not both.');
  if (env.AUDIT_SEAL_KEY) return privateKeyFromPem(env.AUDIT_SEAL_KEY, 'AUDIT_SEAL_KEY');
  if (env.AUDIT_SEAL_KEY_FILE) return readPrivateKeyFile(fromInvocation(env.AUDIT_SEAL_KEY_FILE, env));
  return null;
}

/** The verifying key: the public key configured, else the one derived from the private key; null when neither. */
export async function configuredPublicKey(env: SealEnv = sealEnv()): Promise<KeyObject | null> {
  if (env.AUDIT_SEAL_PUBLIC_KEY) return publicKeyFromPem(env.AUDIT_SEAL_PUBLIC_KEY, 'AUDIT_SEAL_PUBLIC_KEY');
  if (env.AUDIT_SEAL_PUBLIC_KEY_FILE) return readPublicKeyFile(fromInvocation(env.AUDIT_SEAL_PUBLIC_KEY_FILE, env));
  const privateKey = await configuredPrivateKey(env);
  return privateKey ? asPublicKey(privateKey) : null;
}
