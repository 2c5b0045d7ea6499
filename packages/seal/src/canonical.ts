/**
 * The canonical form of an audit entry: what is hashed (docs/decisions/015-tamper-evidence.md). RFC 8785 (JCS):
 * object members sorted by UTF-16 code units, strings and numbers as ECMAScript's JSON.stringify writes them, no
 * whitespace. The member list is fixed, so a column added later cannot change what is hashed without a new format.
 */
import { hash } from 'node:crypto';

export const ENTRY_FORMAT = 1;

/** An entry as the seal store reads it: every column, `createdAt` as UTC ISO text with microseconds. */
export interface CanonicalEntry {
  id: string;
  organizationId: string;
  createdAt: string;
  action: string;
  entityType: string;
  entityId: string;
  actorType: string;
  actorUserId: string | null;
  actorName: string | null;
  actorEmail: string | null;
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  changes: unknown;
  metadata: unknown;
}

/** The members of format 1, in JCS order (sorted by UTF-16 code units), with `v` among them. */
const ENTRY_MEMBERS = [
  'action',
  'actorEmail',
  'actorName',
  'actorType',
  'actorUserId',
  'changes',
  'createdAt',
  'entityId',
  'entityType',
  'id',
  'ipAddress',
  'metadata',
  'organizationId',
  'requestId',
  'userAgent',
  'v',
] as const;

/**
 * RFC 8785 serialization of a JSON value. Refuses what JSON cannot hold (NaN, Infinity, functions). Loops and string
 * concatenation rather than map/join: the verifier canonicalizes every entry, and this is most of its time.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`JSON has no ${value}: it cannot be canonicalized.`);
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`A ${typeof value} is not a JSON value.`);
  }
}

function canonicalArray(items: readonly unknown[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i ? ',' : '') + canonicalJson(items[i]);
  return `${out}]`;
}

function canonicalObject(object: Record<string, unknown>): string {
  // Array.prototype.sort without a comparator compares UTF-16 code units, as RFC 8785 §3.2.3 asks.
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  let out = '{';
  for (const key of keys) {
    const member = object[key];
    if (member === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/** `"name":` for each member of format 1, written once. */
const MEMBER_PREFIXES = ENTRY_MEMBERS.map((name, i) => [name, `${i ? ',' : '{'}"${name}":`] as const);

/** The canonical text of an entry (format 1): every member present, `null` when absent. */
export function canonicalEntry(entry: CanonicalEntry): string {
  let out = '';
  for (const [name, prefix] of MEMBER_PREFIXES)
    out += prefix + (name === 'v' ? String(ENTRY_FORMAT) : canonicalJson(entry[name] ?? null));
  return `${out}}`;
}

const LEAF_PREFIX = '\u0000auditlog/entry/v1\n';
const NODE_INPUT = Buffer.alloc(65, 0x01);

/** SHA-256(0x00 ‖ "auditlog/entry/v1\n" ‖ canonical bytes): RFC 6962's leaf prefix, then this log's tag. */
export function leafHash(entry: CanonicalEntry): Buffer {
  return leafHashOfText(canonicalEntry(entry));
}

/** Members written as JSON strings (every one but `v` and the two Json members). */
export type PlainMember = Exclude<(typeof ENTRY_MEMBERS)[number], 'v' | 'changes' | 'metadata'>;

/** The plain members in JCS order: the order of the array the database writes them in (store.ts). */
export const PLAIN_MEMBERS = ENTRY_MEMBERS.filter(
  (name): name is PlainMember => name !== 'v' && name !== 'changes' && name !== 'metadata',
);

/**
 * An entry as the verifier reads it: its plain members as one JSON array of strings (`to_json` of a text array,
 * `null` for SQL NULL, in `PLAIN_MEMBERS` order: PostgreSQL's JSON string escaping is ECMAScript's for any text it
 * can hold), then the two Json members as the database writes them, which the verifier parses and canonicalizes
 * itself, never taking them as written (jsonb's key order and number text are not JCS's).
 */
export type EntryRow = readonly [plain: string, changes: string | null, metadata: string | null];

/** What the verifier needs of an entry: its id and time for the order checks, and its canonical text. */
export interface EntryText {
  id: string;
  createdAt: string;
  canonical: string;
}

/**
 * How the canonical text is put together from a row, in JCS order: a plain member is the array's element `index`
 * after its `"name":`, a Json member the canonical text of the row's column `column`.
 */
type RowStep = { prefix: string; index: number } | { prefix: string; column: 1 | 2 };
const ROW_STEPS: readonly RowStep[] = MEMBER_PREFIXES.flatMap(([name, prefix]): RowStep[] => {
  if (name === 'v') return [];
  if (name === 'changes' || name === 'metadata') return [{ prefix, column: name === 'changes' ? 1 : 2 }];
  return [{ prefix, index: PLAIN_MEMBERS.indexOf(name) }];
});
const jsonText = (text: string | null | undefined) => (text == null ? 'null' : canonicalJsonText(text));
const CLOSE = `,"v":${ENTRY_FORMAT}}`;
if (ENTRY_MEMBERS[ENTRY_MEMBERS.length - 1] !== 'v') throw new Error('format 1 ends with "v" in JCS order');
const ID = PLAIN_MEMBERS.indexOf('id');
const CREATED_AT = PLAIN_MEMBERS.indexOf('createdAt');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Where each element of `array` (the database's JSON array of the plain members) ends: one position past it.
 * Elements are `null` or JSON strings, separated by single commas. A string ends at the first quote not escaped,
 * that is, not preceded by an odd run of backslashes.
 */
function elementEnds(array: string): number[] {
  // Where it stops making sense, not the text: the entry's values are not for the verifier's messages.
  const unreadable = (at: number) =>
    new Error(`The database wrote an entry's members in a form the verifier does not read (at character ${at}).`);
  if (array.charCodeAt(0) !== 0x5b) throw unreadable(0);
  const ends: number[] = [];
  let at = 1;
  for (let i = 0; i < PLAIN_MEMBERS.length; i++) {
    let end: number;
    if (array.charCodeAt(at) === QUOTE) {
      end = at;
      for (;;) {
        end = array.indexOf('"', end + 1);
        if (end < 0) break;
        let slashes = 0;
        while (array.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
      }
      end += 1;
    } else end = array.startsWith('null', at) ? at + 4 : 0;
    const next = array.charCodeAt(end);
    if (end <= at || next !== (i === PLAIN_MEMBERS.length - 1 ? 0x5d : 0x2c)) throw unreadable(at);
    ends.push(end);
    at = end + 1;
  }
  if (at !== array.length) throw unreadable(at);
  return ends;
}

/** The text of a string element whose value has no quote or backslash (the id and the time), '' for null. */
function plainText(array: string, ends: readonly number[], index: number): string {
  const start = index === 0 ? 1 : (ends[index - 1] as number) + 1;
  return array.charCodeAt(start) === QUOTE ? array.slice(start + 1, (ends[index] as number) - 1) : '';
}

/** An entry's id and time from its row, as `entryTextOfRow` reads them. */
export function positionOfRow(row: EntryRow): { id: string; createdAt: string } {
  const ends = elementEnds(row[0]);
  return { id: plainText(row[0], ends, ID), createdAt: plainText(row[0], ends, CREATED_AT) };
}

/** An entry's id, time and canonical text from its row: the same text as `canonicalEntry` (tests hold them equal). */
export function entryTextOfRow(row: EntryRow): EntryText {
  const [array, changes, metadata] = row;
  const ends = elementEnds(array);
  let canonical = '';
  for (const step of ROW_STEPS) {
    if ('column' in step) canonical += step.prefix + jsonText(step.column === 1 ? changes : metadata);
    else {
      const start = step.index === 0 ? 1 : (ends[step.index - 1] as number) + 1;
      canonical += step.prefix + array.slice(start, ends[step.index]);
    }
  }
  return {
    id: plainText(array, ends, ID),
    createdAt: plainText(array, ends, CREATED_AT),
    canonical: canonical + CLOSE,
  };
}

/** An array index ("0", "17"): V8 enumerates those first, in numeric order, whatever the insertion order. */
const isIndexKey = (key: string) => {
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && String(Number(key) >>> 0) === key && key !== '4294967295';
};

/**
 * `value` (freshly parsed, ours to change) with every object's members in JCS order, so that the engine's own
 * JSON.stringify writes its canonical text: objects already in order are kept, others rebuilt with their keys
 * sorted (insertion order is enumeration order for non-index keys). Null when that cannot hold: an index key, which
 * V8 enumerates numerically, or `__proto__`, which an assignment would not create as a member.
 */
function inJcsOrder(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = inJcsOrder(value[i]);
      if (item === null && value[i] !== null) return null;
      value[i] = item;
    }
    return value;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key === '__proto__' || isIndexKey(key)) return null;
    if (i > 0 && (keys[i - 1] as string) > key) sorted = false;
    const member = object[key];
    const ordered = inJcsOrder(member);
    if (ordered === null && member !== null) return null;
    object[key] = ordered;
  }
  if (sorted) return object;
  keys.sort();
  const rebuilt: Record<string, unknown> = {};
  for (const key of keys) rebuilt[key] = object[key];
  return rebuilt;
}

/**
 * The canonical text of JSON text: `canonicalJson(JSON.parse(text))`, the same bytes (a property test holds them
 * equal), mostly written by the engine's JSON.stringify, whose numbers and strings are RFC 8785's by definition
 * (ECMAScript's serialization is what RFC 8785 §3.2.2 specifies). It was most of the verifier's time in JavaScript.
 */
export function canonicalJsonText(text: string): string {
  const value: unknown = JSON.parse(text);
  const ordered = inJcsOrder(value);
  return ordered === null && value !== null ? canonicalJson(JSON.parse(text)) : JSON.stringify(ordered);
}

/** `canonicalEntry` of the entry a row holds. */
export const canonicalRow = (row: EntryRow): string => entryTextOfRow(row).canonical;

/** The leaf hash of an entry's canonical text: `leafHash` of the same entry. */
export function leafHashOfText(canonical: string): Buffer {
  // The one-shot hash: a Hash object per entry cost the verifier more than the hashing.
  return hash('sha256', LEAF_PREFIX + canonical, 'buffer');
}

/** SHA-256(0x01 ‖ left ‖ right). One-shot, as for leaves: a Hash object per node cost more than its hashing. */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  if (left.length !== 32 || right.length !== 32) throw new RangeError('A tree node joins two SHA-256 digests.');
  // One buffer for every node: the digest is computed before this returns, and a new buffer per node was garbage.
  for (let i = 0; i < 32; i++) {
    NODE_INPUT[1 + i] = left[i] as number;
    NODE_INPUT[33 + i] = right[i] as number;
  }
  return hash('sha256', NODE_INPUT, 'buffer');
}
