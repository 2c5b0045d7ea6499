/**
 * The canonical form of an audit entry: what is hashed (docs/decisions/015-tamper-evidence.md). RFC 8785 (JCS):
 * object members sorted by UTF-16 code units, strings and numbers as ECMAScript's JSON.stringify writes them, no
 * whitespace. The member list is fixed, so a column added later cannot change what is hashed without a new format.
 */
import { createHash, hash } from 'node:crypto';

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

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}
