/**
 * Which field names hold secrets, and the TypeScript side of redaction (for `record()`); the trigger side is SQL
 * generated from the same list (`triggers/sql.ts`), so both redact exactly the same names.
 */
import { Decimal } from '@prisma/client/runtime/client';
import { BINARY_DATA, REDACTED } from './catalog.ts';

/**
 * Normalized (lower-case, without `_` and `-`) names that hold secrets: a field whose name is one of these, or ends
 * with one (`newPassword`, `sessionToken`, `webhookSecret`, `stripeApiKey`), is redacted. `tokenCount` or
 * `secretary` are not: the secret word has to end the name.
 */
export const DEFAULT_SENSITIVE_NAMES = [
  'password',
  'passwordhash',
  'passphrase',
  'mfasecret',
  'totpsecret',
  'apikey',
  'token',
  'accesstoken',
  'refreshtoken',
  'secret',
  'clientsecret',
  'secretkey',
  'privatekey',
  'encryptionkey',
  'signingkey',
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
    DEFAULT_SENSITIVE_NAMES.some((secret) => normalized.endsWith(secret)) ||
    normalized.startsWith(SENSITIVE_AFFIX) ||
    normalized.endsWith(SENSITIVE_AFFIX) ||
    extra.some((field) => normalizeFieldName(field) === normalized)
  );
}

/** jsonb refuses NUL characters and lone surrogates: drop the first, replace the second with U+FFFD. */
export function cleanText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '');
}

export function isBinary(value: unknown): boolean {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/**
 * Makes a value safe to store and to send as JSON: secrets under sensitive keys (at any depth) become `[REDACTED]`,
 * binary values `[BINARY DATA]`, dates ISO strings, big integers and decimals strings.
 */
export function redactSensitive(value: unknown, extra: readonly string[] = [], depth = 0): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return cleanText(value);
  if (typeof value !== 'object') return value;
  if (depth > 32) return '[TOO DEEP]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (isBinary(value)) return BINARY_DATA;
  if (Array.isArray(value)) return value.map((item: unknown) => redactSensitive(item, extra, depth + 1));
  if (Decimal.isDecimal(value)) return value.toString();
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Binary first, as the triggers do: "[BINARY DATA]" already says that nothing of the value is shown.
    const secret = isSensitiveField(key, extra) && item !== null && item !== undefined && !isBinary(item);
    result[cleanText(key)] = secret ? REDACTED : redactSensitive(item, extra, depth + 1);
  }
  return result;
}
