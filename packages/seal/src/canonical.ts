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
const NODE_PREFIX = Buffer.from([0x01]);

/** SHA-256(0x00 ‖ "auditlog/entry/v1\n" ‖ canonical bytes): RFC 6962's leaf prefix, then this log's tag. */
export function leafHash(entry: CanonicalEntry): Buffer {
  // The one-shot hash: a Hash object per entry cost the verifier more than the hashing.
  return hash('sha256', LEAF_PREFIX + canonicalEntry(entry), 'buffer');
}

/**
 * An entry as the verifier reads it, in `ROW_LAYOUT` order: its canonical text in five pieces. The database writes
 * the three runs of plain members (`"name":` and each value as a JSON string, `null` for SQL NULL: store.ts builds
 * them from `ROW_SEGMENTS`), the verifier the two Json members, parsed and canonicalized here, never taken as the
 * database wrote them (jsonb's key order and number text are not JCS's). The id and time the order checks need are
 * read out of the middle piece (`memberText`), not sent twice.
 */
export type EntryRow = readonly (string | null)[];

/** What each position of an `EntryRow` holds. */
export const ROW_LAYOUT = ['head', 'changes', 'middle', 'metadata', 'tail'] as const;
const at = (name: (typeof ROW_LAYOUT)[number]) => ROW_LAYOUT.indexOf(name);
const HEAD = at('head');
const CHANGES = at('changes');
const MIDDLE = at('middle');
const METADATA = at('metadata');
const TAIL = at('tail');

/**
 * The text of a string member in a run of plain members (`,"id":"…"` → `…`), or null when it is not a string. The
 * first `,"name":"` is the member itself: inside a JSON string every `"` is escaped, so `,"` never occurs in a value.
 * For members whose text has no `"` or backslash of its own (the id and the time), the text is the value.
 */
function memberText(segment: string, prefix: string): string | null {
  const start = segment.indexOf(`${prefix}"`);
  if (start < 0) return null;
  const from = start + prefix.length + 1;
  return segment.slice(from, segment.indexOf('"', from));
}

const MIDDLE_PREFIX = (name: string) => `,"${name}":`;
/** An entry's `createdAt` as the database wrote it (UTC ISO text with microseconds). */
export const createdAtOf = (row: EntryRow) => memberText(row[MIDDLE] ?? '', MIDDLE_PREFIX('createdAt')) ?? '';
/** An entry's id as the database wrote it. */
export const idOf = (row: EntryRow) => memberText(row[MIDDLE] ?? '', MIDDLE_PREFIX('id')) ?? '';

/** Members written as JSON strings (every one but `v` and the two Json members). */
export type PlainMember = Exclude<(typeof ENTRY_MEMBERS)[number], 'v' | 'changes' | 'metadata'>;

/**
 * The three runs of plain members around `changes` and `metadata`, in JCS order, each member with the text that
 * precedes its value (`{"action":`, `,"actorEmail":`…); `close` is what follows the run: the next Json member's
 * `"name":`, or `v` and the closing brace.
 */
export const ROW_SEGMENTS: { members: { name: PlainMember; prefix: string }[]; close: string }[] = (() => {
  const segments: { members: { name: PlainMember; prefix: string }[]; close: string }[] = [];
  let members: { name: PlainMember; prefix: string }[] = [];
  for (const [name, prefix] of MEMBER_PREFIXES) {
    if (name === 'changes' || name === 'metadata' || name === 'v') {
      segments.push({ members, close: name === 'v' ? `${prefix}${ENTRY_FORMAT}}` : prefix });
      members = [];
    } else members.push({ name, prefix });
  }
  return segments;
})();
if (ROW_SEGMENTS.length !== 3 || ENTRY_MEMBERS[ENTRY_MEMBERS.length - 1] !== 'v')
  throw new Error('format 1 is three runs of plain members around changes and metadata, "v" last in JCS order');

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

const jsonText = (text: string | null | undefined) => (text == null ? 'null' : canonicalJsonText(text));

/** `canonicalEntry` of the entry a row holds: the same bytes (tests hold them equal on both engines). */
export function canonicalRow(row: EntryRow): string {
  return `${row[HEAD]}${jsonText(row[CHANGES])}${row[MIDDLE]}${jsonText(row[METADATA])}${row[TAIL]}`;
}

/** The leaf hash of a raw row: equal to `leafHash` of the same entry. */
export function leafHashOfRow(row: EntryRow): Buffer {
  return hash('sha256', LEAF_PREFIX + canonicalRow(row), 'buffer');
}

/** SHA-256(0x01 ‖ left ‖ right). One-shot, as for leaves: a Hash object per node cost more than its hashing. */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return hash('sha256', Buffer.concat([NODE_PREFIX, left, right]), 'buffer');
}
