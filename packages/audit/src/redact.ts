/**
 * The TypeScript side of redaction, for `record()` and the server's logger; the capture triggers run the SQL
 * generated from the same rule (`secret-rule.ts`, `triggers/redaction-sql.ts`), and a test on both engines checks
 * that the two give the same output. Four steps, in this order for one stored value:
 * 1. names: the value under a secret field name becomes `[REDACTED]`, at any depth;
 * 2. values: in every text, the secrets the rule recognises (JWT, PEM key, card number, …) become `[REDACTED]`;
 * 3. depth: objects and arrays deeper than 32 levels become `[TOO DEEP]`;
 * 4. size: a value over 8 KiB becomes `[TRUNCATED <bytes> bytes sha256:<hex>] <prefix>`.
 */
import { createHash } from 'node:crypto';
import { Decimal } from '@prisma/client/runtime/client';
import { BINARY_DATA, REDACTED } from './catalog.ts';
import {
  canonicalName,
  CARD_FIRST_DIGITS,
  CARD_MAX_DIGITS,
  CARD_MIN_DIGITS,
  DIGIT_RUN_SOURCE,
  DIGIT_SEPARATOR_SOURCE,
  MAX_DEPTH,
  MAX_VALUE_BYTES,
  SECRET_VALUE_PATTERNS,
  SECRET_VALUE_PREFILTER_SOURCE,
  sensitiveNameSource,
  TOO_DEEP,
  TRUNCATED_PREFIX_BYTES,
  truncatedHeader,
} from './secret-rule.ts';

export { canonicalName } from './secret-rule.ts';

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

/** One compiled rule per list of extra names (the config's lists: a handful per process). */
const nameRules = new Map<string, RegExp>();

function nameRule(extra: readonly string[]): RegExp {
  const key = extra.join('\u0000');
  let rule = nameRules.get(key);
  if (!rule) {
    rule = new RegExp(sensitiveNameSource(extra));
    nameRules.set(key, rule);
  }
  return rule;
}

/**
 * True when a field of this name holds a secret: see `secret-rule.ts` for the words (`password`, `apiKeys`,
 * `userPin`, `cardNumber`, …) and how names are split into words. `extra` are the audit config's own secret names,
 * matched as whole names in any spelling (`keyHash` also matches `key_hash`).
 */
export function isSensitiveField(name: string, extra: readonly string[] = []): boolean {
  return nameRule(extra).test(canonicalName(name));
}

// ---------------------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------------------

const valuePrefilter = new RegExp(SECRET_VALUE_PREFILTER_SOURCE);
const valuePatterns = SECRET_VALUE_PATTERNS.map(({ source, replacement }) => ({
  regex: new RegExp(source, 'g'),
  replacement,
}));
const digitRun = new RegExp(DIGIT_RUN_SOURCE, 'g');
const digitSeparator = new RegExp(`(${DIGIT_SEPARATOR_SOURCE})`);

/** The Luhn checksum of a string of digits. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let position = 0; position < digits.length; position++) {
    let digit = digits.charCodeAt(digits.length - 1 - position) - 48;
    if (position % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * The last group of the longest card number starting at group `first`, or -1: 13–19 digits starting with 2–6,
 * one group, or groups of four with a shorter last one, or 4-6-4 / 4-6-5; passing Luhn.
 */
function cardEndingAt(groups: readonly string[], first: number): number {
  const head = groups[first] ?? '';
  if (!CARD_FIRST_DIGITS.includes(head.charAt(0))) return -1;
  let best = -1;
  let digits = 0;
  let foursBefore = true;
  for (let last = first; last < groups.length; last++) {
    const group = groups[last] ?? '';
    digits += group.length;
    if (digits > CARD_MAX_DIGITS) break;
    const shaped =
      last === first ||
      (foursBefore && group.length <= 4) ||
      (last === first + 2 &&
        head.length === 4 &&
        groups[first + 1]?.length === 6 &&
        (group.length === 4 || group.length === 5));
    if (digits >= CARD_MIN_DIGITS && shaped && passesLuhn(groups.slice(first, last + 1).join(''))) best = last;
    foursBefore &&= group.length === 4;
  }
  return best;
}

/** Card numbers inside one run of digit groups become `[REDACTED]`; the other groups and separators stay. */
function redactCardsInRun(run: string): string {
  const parts = run.split(digitSeparator);
  const groups = parts.filter((_, index) => index % 2 === 0);
  const separators = parts.filter((_, index) => index % 2 === 1);
  if (groups.join('').length < CARD_MIN_DIGITS) return run;
  let result = '';
  for (let group = 0; group < groups.length;) {
    const last = cardEndingAt(groups, group);
    const end = last >= 0 ? last : group;
    result += (last >= 0 ? REDACTED : (groups[group] ?? '')) + (separators[end] ?? '');
    group = end + 1;
  }
  return result;
}

/**
 * The secrets inside a text become `[REDACTED]`, the rest stays readable: JWTs, PEM private keys, the credential
 * of an `Authorization` header or a `Bearer` token, the password of a URL or a connection string (`Password=…;`,
 * `token=…`), `"password": "…"`, AWS access key ids, and card numbers passing Luhn. Costs one regular-expression
 * scan when there is none.
 */
export function redactText(text: string): string {
  if (!valuePrefilter.test(text)) return text;
  let result = text;
  for (const { regex, replacement } of valuePatterns) result = result.replace(regex, replacement);
  return result.replace(digitRun, redactCardsInRun);
}

// ---------------------------------------------------------------------------------------------------------------
// Size
// ---------------------------------------------------------------------------------------------------------------

/** The longest run of whole characters at the start of `bytes` (UTF-8) that fits in `limit` bytes. */
function utf8Prefix(bytes: Buffer, limit: number): string {
  let end = Math.min(limit, bytes.length);
  // A continuation byte (10xxxxxx) at the cut means a character would be split: cut before it.
  while (end > 0 && end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** `text` itself when it fits in 8 KiB of UTF-8, else `[TRUNCATED <bytes> bytes sha256:<hex>] <prefix>`. */
export function capText(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_VALUE_BYTES) return text;
  const hash = createHash('sha256').update(bytes).digest('hex');
  return truncatedHeader(bytes.length, hash) + utf8Prefix(bytes, TRUNCATED_PREFIX_BYTES);
}

/** jsonb orders keys by byte length, then bytewise. */
function compareJsonbKeys(a: string, b: string): number {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length - right.length || Buffer.compare(left, right);
}

/** A JavaScript number as PostgreSQL prints the numeric it parses from JSON.stringify's form (no exponent). */
function numericText(value: number): string {
  const text = JSON.stringify(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function printJsonb(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return numericText(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(printJsonb).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => compareJsonbKeys(a, b));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}: ${printJsonb(item)}`).join(', ')}}`;
}

/**
 * The text PostgreSQL gives for this value stored as jsonb (`value::jsonb::text`): keys ordered as jsonb orders
 * them, `", "` and `": "` between items, numbers without exponent. Truncated Json values are hashed over this text.
 */
export function jsonbText(value: unknown): string {
  return printJsonb(JSON.parse(JSON.stringify(value) ?? 'null'));
}

/**
 * A Json value that fits in 8 KiB as jsonb text stays as it is; a larger one becomes the truncation marker of that
 * text (a string). A string is capped as a text, without its JSON quotes.
 */
export function capJson(value: unknown): unknown {
  if (typeof value === 'string') return capText(value);
  if (value === null || typeof value !== 'object') return value;
  const text = jsonbText(value);
  return Buffer.byteLength(text, 'utf8') <= MAX_VALUE_BYTES ? value : capText(text);
}

// ---------------------------------------------------------------------------------------------------------------
// Walking a value
// ---------------------------------------------------------------------------------------------------------------

/** jsonb refuses NUL characters and lone surrogates: drop the first, replace the second with U+FFFD. */
export function cleanText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '');
}

export function isBinary(value: unknown): boolean {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

interface WalkOptions {
  extra: readonly string[];
  /** What a string becomes. */
  text: (text: string) => string;
  /** Errors as `{ name, message, stack }` (for logs) instead of their (empty) own enumerable properties. */
  errors: boolean;
}

function walk(value: unknown, options: WalkOptions, depth: number): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return options.text(cleanText(value));
  if (typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (isBinary(value)) return BINARY_DATA;
  if (Array.isArray(value)) return value.map((item: unknown) => walk(item, options, depth + 1));
  if (Decimal.isDecimal(value)) return value.toString();
  const source =
    options.errors && value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) {
    // Binary first, as the triggers do: "[BINARY DATA]" already says that nothing of the value is shown.
    const secret = item !== null && item !== undefined && !isBinary(item) && isSensitiveField(key, options.extra);
    result[cleanText(key)] = secret ? REDACTED : walk(item, options, depth + 1);
  }
  return result;
}

/**
 * Makes a value safe to store and to send as JSON: values under secret names (at any depth) become `[REDACTED]`,
 * secrets inside texts too (`redactText`), objects nested deeper than 32 levels `[TOO DEEP]`, binary values
 * `[BINARY DATA]`, dates ISO strings, big integers and decimals strings. The TypeScript twin of the SQL
 * `redact_json`; sizes are capped separately (`capJson`, `redactValue`).
 */
export function redactSensitive(value: unknown, extra: readonly string[] = []): unknown {
  return walk(value, { extra, text: redactText, errors: false }, 0);
}

/**
 * One value as an entry stores it (a metadata value, one side of a change): redacted, then capped at 8 KiB. The
 * TypeScript twin of the SQL `audit_json`.
 */
export function redactValue(value: unknown, extra: readonly string[] = []): unknown {
  return capJson(redactSensitive(value, extra));
}

/**
 * For logs: an object (or anything) with secrets under secret names and inside texts replaced, errors as
 * `{ name, message, stack }`, every string capped at 8 KiB and nesting at 32 levels. Safe to JSON.stringify.
 */
export function scrubSecrets(value: unknown, extra: readonly string[] = []): unknown {
  return walk(value, { extra, text: (text) => capText(redactText(text)), errors: true }, 0);
}
