/**
 * The operator's Ed25519 key: made by `pnpm audit:keygen`, read from a file (mode 0600, PKCS#8 PEM) or from an
 * environment variable holding the PEM. The public key the verifier uses is given to it, never read from the database.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateSealKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Writes the private key (mode 0600, never over an existing file) and the public key beside it (`.pub`). */
export async function writeSealKeyPair(file: string, pair: KeyPairPem): Promise<string> {
  await writeFile(file, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  const publicFile = `${file}.pub`;
  await writeFile(publicFile, pair.publicKeyPem, { flag: 'wx' });
  return publicFile;
}

function parseKey(pem: string, kind: 'private' | 'public', source: string): KeyObject {
  try {
    const key = kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType ?? 'unknown'} key`);
    return key;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${source} does not hold an Ed25519 ${kind} key in PEM (${reason}): make one with pnpm audit:keygen.`,
      { cause: error },
    );
  }
}

/** Reads a private key file, refusing one that others can read (as ssh does). */
export async function readPrivateKeyFile(file: string): Promise<KeyObject> {
  const info = await stat(file);
  if ((info.mode & 0o077) !== 0)
    throw new Error(
      `The seal key ${file} is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it.`,
    );
  return parseKey(await readFile(file, 'utf8'), 'private', file);
}

export function privateKeyFromPem(pem: string, source: string): KeyObject {
  return parseKey(pem, 'private', source);
}

/** A public key from PEM text, or derived from a private key's PEM. */
export function publicKeyFromPem(pem: string, source: string): KeyObject {
  if (pem.includes('PRIVATE KEY')) return createPublicKey(parseKey(pem, 'private', source));
  return parseKey(pem, 'public', source);
}

export async function readPublicKeyFile(file: string): Promise<KeyObject> {
  return publicKeyFromPem(await readFile(file, 'utf8'), file);
}
