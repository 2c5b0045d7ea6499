/**
 * Which field names hold secrets, and the TypeScript side of redaction (for `record()`); the trigger side is SQL
 * generated from the same list (`triggers/sql.ts`), so both redact exactly the same names.
 */
import { BINARY_DATA, REDACTED } from './catalog.ts';

/** Normalized (lower-case, no `_` or `-`) names that are always secret. */
export const DEFAULT_SENSITIVE_NAMES = [
  'password',
  'passwordhash',
  'mfasecret',
  'totpsecret',
  'apikey',
  'token',
  'accesstoken',
  'refreshtoken',
  'secret',
  'clientsecret',
  'privatekey',
] as const;

/** Any name that starts or ends with this (normalized) is secret too: `encryptedCredentials`, `ssn_encrypted`. */
export const SENSITIVE_AFFIX = 'encrypted';

/** `password_hash`, `PasswordHash` and `password-hash` all become `passwordhash`. */
export function normalizeFieldName(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}

export function isSensitiveField(name: string, extra: readonly string[] = []): boolean {
  const normalized = normalizeFieldName(name);
  return (
    (DEFAULT_SENSITIVE_NAMES as readonly string[]).includes(normalized) ||
    normalized.startsWith(SENSITIVE_AFFIX) ||
    normalized.endsWith(SENSITIVE_AFFIX) ||
    extra.some((field) => normalizeFieldName(field) === normalized)
  );
}

function isBinary(value: unknown): boolean {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** Decimal.js and Prisma's Decimal: anything with `toFixed` and a `d` digits array is a decimal. */
function isDecimalLike(value: object): value is { toString(): string } {
  return 'toFixed' in value && 'd' in value && typeof value.toString === 'function';
}

/**
 * Makes a value safe to store and to send as JSON: secrets under sensitive keys (at any depth) become `[REDACTED]`,
 * binary values `[BINARY DATA]`, dates ISO strings, big integers and decimals strings.
 */
export function redactSensitive(value: unknown, extra: readonly string[] = [], depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object') return value;
  if (depth > 32) return '[TOO DEEP]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (isBinary(value)) return BINARY_DATA;
  if (Array.isArray(value)) return value.map((item: unknown) => redactSensitive(item, extra, depth + 1));
  if (isDecimalLike(value)) return value.toString();
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    result[key] =
      isSensitiveField(key, extra) && item !== null && item !== undefined
        ? REDACTED
        : redactSensitive(item, extra, depth + 1);
  }
  return result;
}
