/**
 * The one definition of what a secret is: which field names hold secrets, which text values are secrets whatever
 * their field, and how large one stored value may be. Everything here is data and regular-expression source text.
 * The TypeScript redaction (`redact.ts`: `record()`, the server's logger) compiles these sources with `RegExp`, and
 * the SQL generator (`triggers/redaction-sql.ts`) embeds the very same sources in the capture functions, so the two
 * can never disagree. The sources are written in the common subset of JavaScript and PostgreSQL (ARE) regular
 * expressions, and each is unambiguous (its match does not depend on JavaScript's first-alternative or PostgreSQL's
 * longest-match rule): no `\s`, `\b`, `.`, non-greedy quantifier or case-insensitive flag; explicit ASCII classes
 * instead. The corpus test on both engines checks that TypeScript and SQL give the same output.
 * See docs/decisions/009-one-secret-rule.md.
 */
import { REDACTED } from './catalog.ts';

/** What an object or array nested deeper than {@link MAX_DEPTH} becomes. */
export const TOO_DEEP = '[TOO DEEP]';
/** Objects and arrays at depth 0 … 32 are kept (the value itself is at depth 0); deeper ones become `[TOO DEEP]`. */
export const MAX_DEPTH = 32;

/**
 * The largest value stored as it is, in UTF-8 bytes (a text, or the JSON text of a Json value as PostgreSQL prints
 * it). A larger value is stored as `[TRUNCATED <bytes> bytes sha256:<64 hex>] <prefix>`, itself at most this size.
 * 8 KiB keeps every ticket description, note and settings object in full (so a diff stays exact), and bounds one
 * side of one field of an entry: a one-character edit of a 1 MB text writes two 8 KiB markers, not 2 MB.
 */
export const MAX_VALUE_BYTES = 8192;
/** The prefix of a truncated value: the longest run of whole characters of at most this many UTF-8 bytes. */
export const TRUNCATED_PREFIX_BYTES = MAX_VALUE_BYTES - 128;
/** Parses a truncation marker: the original byte length, the SHA-256 of the (redacted) original, and the prefix. */
export const TRUNCATED_PATTERN = /^\[TRUNCATED (\d+) bytes sha256:([0-9a-f]{64})\] ([\s\S]*)$/;

/** The header of a truncation marker; the prefix follows it. */
export function truncatedHeader(bytes: number, sha256Hex: string): string {
  return `[TRUNCATED ${bytes} bytes sha256:${sha256Hex}] `;
}

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

/**
 * How a field name is split into words before the rule applies: `_` goes between a lower-case letter or digit and
 * an upper-case letter (`apiKey` → `api_Key`), and between an acronym and a capitalised word (`APIKey` → `API_Key`);
 * then ASCII letters are lower-cased and every run of other characters (`_ - .`, spaces, non-ASCII) becomes one `_`,
 * trimmed at both ends. `password_hash`, `PasswordHash`, `password-hash`, `password.hash` and `Password Hash` all
 * become `password_hash`. Replacement: the whole match followed by `_`.
 */
export const WORD_BREAK_SOURCE = '[a-z0-9](?=[A-Z])|[A-Z](?=[A-Z][a-z])';
export const NON_WORD_SOURCE = '[^a-z0-9]+';

/**
 * Secret words that may end a name glued to what precedes it (`newpassword`, `webhookSecret`, `stripeApiKey`), in
 * the plural too (`apiKeys`, `secrets`, `recoveryCodes`). Words of a term may be written together or apart
 * (`api_key`, `apikey`). Distinctive enough that a name ending with one is a secret; `secretary`, `tokenCount` or
 * `keyboard` do not end with one.
 */
export const SECRET_TERMS = [
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'secret',
  'token',
  'credential',
  'api_key',
  'private_key',
  'secret_key',
  'access_key',
  'encryption_key',
  'signing_key',
  'master_key',
  'shared_key',
  'session_key',
  'recovery_key',
  'ssh_key',
  'license_key',
  'product_key',
  'activation_key',
  'authorization',
  'bearer',
  'cookie',
  'session_id',
  'connection_string',
  'card_number',
  'credit_card',
  'security_code',
  'verification_code',
  'recovery_code',
  'backup_code',
  'auth_code',
  'authorization_code',
  'secret_answer',
  'security_answer',
  'recovery_phrase',
  'seed_phrase',
] as const;

/**
 * Short secret words, secret only as the whole last word of a name (`pin`, `userPin`, `PIN`, `pin_code`,
 * `cvv2`), never inside a word (`spinner`, `shipping`, `compass`, `passport`) nor as a first word (`pinned`,
 * `otpEnabled`: a flag saying a one-time password is on is not a secret). Not in the plural: `pins` (pinned items)
 * and `passes` (boarding passes) are not secrets.
 */
export const SHORT_SECRET_TERMS = [
  'pin',
  'pass',
  'pwd',
  'otp',
  'totp',
  'ssn',
  'cvv',
  'cvc',
  'jwt',
  'dsn',
  'pass_word',
  'pin_code',
  'pin_number',
  'otp_code',
  'mfa_code',
  'totp_code',
  'sms_code',
  'key_hash',
] as const;

/** Words that may follow a secret term and keep it secret: `passwordHash`, `tokenHash`, `privateKeyPem`, `password_confirmation`. */
export const SECRET_QUALIFIERS = ['hash', 'hashed', 'digest', 'pem', 'confirmation', 'confirm'] as const;

/** A name starting or ending with this is secret too: `encryptedCredentials`, `ssn_encrypted`, `isEncrypted`. */
export const ENCRYPTED_AFFIX = 'encrypted';

/** `fooBar` → `foo_bar`: the words of a name, as {@link WORD_BREAK_SOURCE} describes. */
export function canonicalName(name: string): string {
  return name
    .replace(new RegExp(WORD_BREAK_SOURCE, 'g'), '$&_')
    .replace(/[A-Z]/g, (letter) => letter.toLowerCase())
    .replace(new RegExp(NON_WORD_SOURCE, 'g'), '_')
    .replace(/^_+|_+$/g, '');
}

/** A term's words, written together or apart: `api_key` → `api_?key`. */
const termSource = (term: string) => term.split('_').join('_?');
const alternatives = (terms: readonly string[]) => `(?:${terms.map(termSource).join('|')})`;

/** The config's own secret names, as canonical names without duplicates or empty ones. */
function canonicalExtras(extra: readonly string[]): string[] {
  return [...new Set(extra.map(canonicalName).filter(Boolean))].sort();
}

/**
 * The rule, as one regular expression over a {@link canonicalName}: a secret term ends the name (glued or as a
 * word, plural, with a qualifier, with trailing digits), a short term is its whole last word, the name starts or
 * ends with "encrypted", or it is one of `extra` (the audit config's own names, matched as whole names).
 */
export function sensitiveNameSource(extra: readonly string[] = []): string {
  const qualifier = `(?:_?(?:${SECRET_QUALIFIERS.join('|')}))?`;
  const digits = '[0-9]*';
  const parts = [
    `${alternatives(SECRET_TERMS)}${qualifier}(?:e?s)?${digits}$`,
    `(?:^|_)${alternatives(SHORT_SECRET_TERMS)}${qualifier}${digits}$`,
    `^${ENCRYPTED_AFFIX}`,
    `${ENCRYPTED_AFFIX}${digits}$`,
  ];
  const extras = canonicalExtras(extra);
  if (extras.length > 0) parts.push(`^${alternatives(extras)}$`);
  return parts.join('|');
}

/** `pass` → `[Pp][Aa][Ss][Ss]`: case-insensitive without the `i` flag, whose meaning differs between engines. */
export function anyCase(text: string): string {
  return text.replace(/[A-Za-z]/g, (letter) => `[${letter.toUpperCase()}${letter.toLowerCase()}]`);
}

/**
 * A cheap test that a raw (not canonical) name may be secret: it contains, in any case, a word that every secret
 * name contains (one word of each term; the words of a term are whole in the raw name however it is written). A
 * name failing this is never secret; the SQL tests it first, over all the keys of an object at once, and applies
 * the rule only to the keys that pass. It also runs over a whole Json value's text, so a value without any such
 * word is not walked at all. The words are few (each term needs one: `key` serves `api_key` and `ssh_key`).
 */
export function nameStemSource(extra: readonly string[] = []): string {
  const terms = [...SECRET_TERMS, ...SHORT_SECRET_TERMS, ENCRYPTED_AFFIX, ...canonicalExtras(extra)].map((term) =>
    term.split('_'),
  );
  const stems: string[] = [];
  // Greedy cover: the word found in most of the terms not yet covered (the longer on a tie), until all are.
  for (let rest = terms; rest.length > 0;) {
    const counts = new Map<string, number>();
    for (const words of rest) for (const word of new Set(words)) counts.set(word, (counts.get(word) ?? 0) + 1);
    const [best = ''] =
      [...counts].sort(([a, m], [b, n]) => n - m || b.length - a.length || a.localeCompare(b))[0] ?? [];
    stems.push(best);
    rest = rest.filter((words) => !words.some((word) => word.includes(best)));
  }
  // A stem containing another stem adds nothing: `password` contains `pass`.
  const minimal = stems.filter((stem) => !stems.some((other) => other !== stem && stem.includes(other))).sort();
  return `(?:${minimal.map(anyCase).join('|')})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------------------

/**
 * A secret inside a text: the match becomes `replacement`, where `$1` stands for the first capture group (kept:
 * `Bearer `, `postgres://user:`). Patterns apply in this order, each on the output of the previous one.
 */
export interface SecretValuePattern {
  name: string;
  source: string;
  replacement: string;
}

/**
 * A word as people write it: capitalised, lower or upper case. Not any mix (`AuThOrIzAtIoN`): so the prefilter can
 * look for three plain substrings instead of running a case-insensitive expression over every text.
 */
const spellings = (word: string) => [word.charAt(0).toUpperCase() + word.slice(1), word, word.toUpperCase()];
const AUTHORIZATION_SPELLINGS = spellings('authorization');
const BEARER_SPELLINGS = spellings('bearer');
const AUTHORIZATION = `(?:${AUTHORIZATION_SPELLINGS.join('|')})`;
const AUTH_SCHEMES = ['bearer', 'basic', 'digest', 'token', 'negotiate', 'ntlm', 'hawk', 'apikey']
  .map(anyCase)
  .join('|');
/** An opaque credential: at least 8 token characters, one of them a digit (so `Bearer instruments` is prose). */
const OPAQUE_TOKEN = '(?=[A-Za-z._~+/=-]*[0-9])[A-Za-z0-9._~+/=-]{8,}';
/**
 * Names in `name=value` and `"name": value` that say the value is a secret, in any case: long words may end a
 * longer name (`db_password=`), short ones need a separator before them (`user.pin=`, not `shipping=`). Factored
 * (password, passwd, passphrase share `pass`): a small alternation is what keeps PostgreSQL's matcher fast.
 */
const KV_LONG = anyCase('pass(?:w(?:or)?d|phrase)|secret|token|credentials?|(?:api|private|access)[_-]?key');
const KV_SHORT = anyCase('pass|pwd|pin|otp|cv(?:v|c)|ssn');
const KV_NAME = `(?:[A-Za-z0-9_.-]*(?:${KV_LONG})|(?:[A-Za-z0-9_.-]*[_.-])?(?:${KV_SHORT}))`;
const PEM_LABEL = '[A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----';

export const SECRET_VALUE_PATTERNS: readonly SecretValuePattern[] = [
  {
    // The whole block, RSA / EC / DSA / OPENSSH / ENCRYPTED / plain PKCS#8 / PGP; without its END line, to the end.
    name: 'PEM private key',
    source: `-----BEGIN ${PEM_LABEL}[^-]*(?:-(?!----END )[^-]*)*(?:-----END ${PEM_LABEL})?`,
    replacement: REDACTED,
  },
  {
    name: 'Authorization header with a scheme',
    source: `(${AUTHORIZATION}["']?[ \\t]*[:=][ \\t]*["']?(?:${AUTH_SCHEMES})[ \\t]+)[^ \\t\\r\\n"',;]+`,
    replacement: `$1${REDACTED}`,
  },
  {
    name: 'Authorization header without a scheme',
    source: `(${AUTHORIZATION}["']?[ \\t]*[:=][ \\t]*["']?)${OPAQUE_TOKEN}`,
    replacement: `$1${REDACTED}`,
  },
  {
    name: 'Bearer token',
    source: `(?<![A-Za-z0-9])((?:${BEARER_SPELLINGS.join('|')})[ \\t]+)${OPAQUE_TOKEN}`,
    replacement: `$1${REDACTED}`,
  },
  {
    // header.payload.signature, both JSON objects in base64url (`{"` → `eyJ`); the signature may be empty.
    name: 'JWT',
    source: 'eyJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*',
    replacement: REDACTED,
  },
  {
    // scheme://user:PASSWORD@host: the password runs to the last @ before the path (an unencoded @ stays secret).
    name: 'password in a URL',
    source: `([A-Za-z][A-Za-z0-9+.-]*://[^ \\t\\r\\n:/?#@"'<>]*:)[^ \\t\\r\\n/?#"'<>]+@`,
    replacement: `$1${REDACTED}@`,
  },
  {
    // Password=…; in ADO / ODBC / libpq strings, token=… in query strings: quoted, braced, or up to a quote, `;` or
    // the line's end (not `&` or a space: a password may hold them; a query string loses what follows instead).
    name: 'name=secret',
    source: `(?<![A-Za-z0-9_.-])(${KV_NAME} *= *)(?:"[^"]*"?|'[^']*'?|\\{[^}]*\\}?|[^ \\t\\r\\n"'{;][^\\r\\n"';]*)`,
    replacement: `$1${REDACTED}`,
  },
  {
    // JSON pasted into a text: "password": "…" or "pin": 1234.
    name: '"name": secret',
    source: `("${KV_NAME}" *: *)(?:"(?:[^"\\\\\\r\\n]|\\\\[^\\r\\n])*"|-?[0-9][0-9.eE+-]*)`,
    replacement: `$1"${REDACTED}"`,
  },
  {
    name: 'AWS access key id',
    source: '(?<![A-Za-z0-9])A[KS]IA[A-Z0-9]{16}(?![A-Za-z0-9])',
    replacement: REDACTED,
  },
];

/**
 * Card numbers are found in runs of digit groups (digits with single spaces or dashes between them) and checked in
 * code (see `redactCardNumbers` in redact.ts and the SQL beside it): a card is 13 to 19 digits starting with 2–6,
 * written as one group or as groups of 4 (the last one shorter: 4-4-4-4, 4-4-4-4-3, 4-4-4-1) or 4-6-4 / 4-6-5
 * (Amex, Diners), passing the Luhn check. So dates (2024-01-15), phone numbers (+1 415 555 2671), UUIDs and most
 * order numbers are left alone; an order number that happens to pass (one in ten does) is redacted. A run is at
 * most 64 groups (a longer one is cut into runs of 64), so a text made of a million small numbers costs linear time.
 */
export const DIGIT_RUN_SOURCE = '[0-9]+(?:[ -][0-9]+){0,63}';
export const DIGIT_SEPARATOR_SOURCE = '[ -]';
export const CARD_MIN_DIGITS = 13;
export const CARD_MAX_DIGITS = 19;
export const CARD_FIRST_DIGITS = '23456';

/**
 * Something every match of a value pattern contains. `gates` are plain substrings, one of which every match of
 * `source` contains: the SQL tests them first with strpos(), far cheaper than a regular expression, and runs the
 * expression only when one is there (`literal`: the anchor is a plain substring, no expression at all).
 */
export interface PrefilterAnchor {
  source: string;
  literal?: string;
  gates?: readonly string[];
}

/**
 * The anchors of a text (`quote` = `"`) or of a Json value's text (`quote` = `\\"`), where a string's `"`, `\` and
 * control characters are escaped: `"pin":` inside a string is `\"pin\":` there, while the value's own keys do not
 * count. Every match of every value pattern contains a match of one of them, a card number too.
 */
export function prefilterAnchors(quote: '"' | '\\"'): readonly PrefilterAnchor[] {
  return [
    { source: 'PRIVATE KEY', literal: 'PRIVATE KEY' },
    { source: 'eyJ', literal: 'eyJ' },
    ...[...AUTHORIZATION_SPELLINGS, ...BEARER_SPELLINGS].map((word) => ({ source: word, literal: word })),
    { source: `[0-9](?:[ -]?[0-9]){${CARD_MIN_DIGITS - 1}}` },
    { source: '://[^ /?#@]*:[^ /?#]*@', gates: ['://'] },
    { source: `(?:${KV_LONG}|${KV_SHORT})(?: *=|${quote === '"' ? '"' : '\\\\"'})`, gates: ['=', quote] },
    { source: 'A[KS]IA[A-Z0-9]{16}', gates: ['AKIA', 'ASIA'] },
  ];
}

const prefilterSource = (anchors: readonly PrefilterAnchor[]) => anchors.map((anchor) => anchor.source).join('|');

/** A text without a match of this holds no secret value: the redaction costs one scan in the common case. */
export const SECRET_VALUE_PREFILTER_SOURCE = prefilterSource(prefilterAnchors('"'));
/** The same over a Json value's text. */
export const SECRET_JSON_PREFILTER_SOURCE = prefilterSource(prefilterAnchors('\\"'));
