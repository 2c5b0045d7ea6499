/**
 * Keyed fingerprints of redacted values: an entry can say that a secret changed ("changed (value hidden)") without
 * storing it or its bare hash. HMAC-SHA256 with a per-deployment key kept in the database (`<schema>.fingerprint_key`,
 * readable by its owner only), over the scope and the value; the SQL `<schema>.fingerprint(scope, value)` computes
 * the same (triggers/redaction-sql.ts), which the tests check.
 */
import { createHmac } from 'node:crypto';

/**
 * 16 hex characters = 64 bits. A fingerprint is only compared with the other side of the same change (or the same
 * field's history): a chance collision (2^-64 per pair) never hides a change in practice, and 64 bits keep entries
 * small. Its secrecy comes from the key, not from the length: without the key nothing can be guessed, with it even
 * the full 256 bits would confirm a guess.
 */
export const FINGERPRINT_HEX_LENGTH = 16;

/** The key's length in bytes (256 bits). */
export const FINGERPRINT_KEY_BYTES = 32;

/**
 * HMAC-SHA256(key, scope ‖ 0x00 ‖ value), UTF-8, as 16 hex characters. The NUL separates scope from value
 * unambiguously (PostgreSQL text cannot hold NUL). `scope` is `<entity type>:<record id>:<field>`, so equal secrets
 * in different records or fields do not fingerprint alike.
 */
export function fingerprint(key: Uint8Array, scope: string, value: string): string {
  return createHmac('sha256', key)
    .update(scope, 'utf8')
    .update(Buffer.from([0]))
    .update(value, 'utf8')
    .digest('hex')
    .slice(0, FINGERPRINT_HEX_LENGTH);
}
