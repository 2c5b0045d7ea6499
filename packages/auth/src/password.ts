/**
 * Password hashing with scrypt from node:crypto (memory-hard, no native package to build), at the parameters of
 * OWASP's Password Storage Cheat Sheet: N=2^17, r=8, p=1. The stored form names its parameters, so hashes made with
 * weaker ones still verify, and `needsRehash` tells the sign-in to replace them.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const PASSWORD_PARAMS = { N: 2 ** 17, r: 8, p: 1, keyLength: 32 } as const;
/** scrypt needs 128·N·r bytes (128 MiB at N=2^17, r=8); Node's default cap is 32 MiB. */
const MAX_MEM = 256 * 1024 * 1024;
/** Parameters past these are refused rather than run: a hash is data, and data must not choose our memory use. */
const LIMITS = { N: 2 ** 20, r: 16, p: 4 } as const;

function derive(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLength, { N, r, p, maxmem: MAX_MEM }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(hash: string): ParsedHash | null {
  const [scheme, n, r, p, salt, key, extra] = hash.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key || extra !== undefined) return null;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const sane =
    Number.isInteger(params.N) &&
    params.N > 1 &&
    (params.N & (params.N - 1)) === 0 &&
    params.N <= LIMITS.N &&
    Number.isInteger(params.r) &&
    params.r >= 1 &&
    params.r <= LIMITS.r &&
    Number.isInteger(params.p) &&
    params.p >= 1 &&
    params.p <= LIMITS.p;
  return sane ? { ...params, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') } : null;
}

/** `scrypt$131072$8$1$<salt>$<key>` (base64url parts). */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keyLength } = PASSWORD_PARAMS;
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, r, p, keyLength);
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison; a malformed hash never matches. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const parsed = parseHash(hash);
  if (!parsed || parsed.key.length === 0) return false;
  const actual = await derive(password, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.key.length);
  return actual.length === parsed.key.length && timingSafeEqual(actual, parsed.key);
}

/** Whether a stored hash was made with weaker parameters than today's (or is not one of ours at all). */
export function needsRehash(hash: string): boolean {
  const parsed = parseHash(hash);
  return (
    !parsed ||
    parsed.N < PASSWORD_PARAMS.N ||
    parsed.r < PASSWORD_PARAMS.r ||
    parsed.key.length < PASSWORD_PARAMS.keyLength
  );
}

/**
 * A hash of nothing anyone knows, at today's parameters, verified against when the email is unknown, so that a wrong
 * email costs the same scrypt work as a wrong password and response times do not reveal which accounts exist.
 */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}
