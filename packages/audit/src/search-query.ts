/**
 * The audit page's search grammar, shared by the web page and the API (browser-safe, pure): a query such as
 *
 *   actor:adam@example.com action:delete entity:ticket ip:203.0.113.0/24 created:2026-11-01..2026-11-07 request:req_1
 *
 * is a list of `key:value` terms (values may be "double quoted", with \" and \\ escapes) that compiles to the same
 * filters as the page's controls, and back (`formatSearch`), so the bar and the controls stay in sync. A malformed
 * query is refused with a message naming the term and its position.
 *
 * Keys: `actor:` an email, `user:<id>`, `system`, `system:<name>` (a job or an API key), `anonymous`, `unattributed`;
 * `action:<name>`; `entity:<type>` or `entity:<type>/<id>` (one record); `within:<type>/<id>` (a record and every
 * record that belongs to it); `ip:<address or CIDR range>`; `created:<day>`, `<day>..<day>`, `<day>..`, `..<day>`
 * (a day may carry a time of day, as the page's date filters write it: `2026-11-01T09:30`); `request:<id>`.
 */
import { parseIpFilter } from './ip-range.ts';

const NAME = /^[a-z][a-z0-9_]*$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const MAX_SEARCH_VALUE = 200;

export type ActorFilter =
  | { type: 'user'; id: string }
  | { type: 'user'; email: string }
  | { type: 'system'; name?: string }
  | { type: 'anonymous' }
  | { type: 'unattributed' };

export interface RecordRef {
  entityType: string;
  entityId: string;
}

/** What the query asks for; days are calendar days (YYYY-MM-DD), turned into instants in the admin's time zone. */
export interface SearchFilters {
  actor?: ActorFilter;
  action?: string;
  entityType?: string;
  /** With `entityType`: one record. */
  entityId?: string;
  within?: RecordRef;
  ip?: string;
  from?: string;
  to?: string;
  requestId?: string;
}

export const SEARCH_KEYS = ['actor', 'action', 'entity', 'within', 'ip', 'created', 'request'] as const;
export type SearchKey = (typeof SEARCH_KEYS)[number];

export interface SearchError {
  message: string;
  /** Where the wrong term is in the query: [start, end). */
  start: number;
  end: number;
}

export type SearchResult = { ok: true; filters: SearchFilters } | { ok: false; error: SearchError };

export interface SearchTerm {
  key: string;
  value: string;
  /** Whether the value was quoted. */
  quoted: boolean;
  start: number;
  end: number;
  /** Where the value starts. */
  valueStart: number;
}

class TermError extends Error {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/** A quoted value starting at `at` (the opening quote): its text and where it ends. */
function readQuoted(query: string, at: number): { value: string; end: number } {
  let value = '';
  for (let i = at + 1; i < query.length; i += 1) {
    const char = query[i];
    if (char === '\\' && i + 1 < query.length) {
      value += query[i + 1];
      i += 1;
    } else if (char === '"') {
      return { value, end: i + 1 };
    } else {
      value += char;
    }
  }
  throw new TermError('a quoted value is not closed: add the closing "', at, query.length);
}

/** Splits the query into its terms (without checking keys or values). */
export function tokenizeSearch(query: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  let i = 0;
  while (i < query.length) {
    if (/\s/.test(query[i] ?? '')) {
      i += 1;
      continue;
    }
    const start = i;
    while (i < query.length && !/[\s:"]/.test(query[i] ?? '')) i += 1;
    const key = query.slice(start, i);
    if (query[i] !== ':') {
      while (i < query.length && !/\s/.test(query[i] ?? '')) i += 1;
      const word = query.slice(start, i);
      throw new TermError(
        `"${word}" is not a filter: write key:value, e.g. actor:${word.includes('@') ? word : 'adam@example.com'} (keys: ${SEARCH_KEYS.join(', ')})`,
        start,
        i,
      );
    }
    const valueStart = i + 1;
    if (query[valueStart] === '"') {
      const { value, end } = readQuoted(query, valueStart);
      terms.push({ key, value, quoted: true, start, end, valueStart });
      i = end;
    } else {
      i = valueStart;
      while (i < query.length && !/\s/.test(query[i] ?? '')) {
        if (query[i] === '"') i = readQuoted(query, i).end;
        else i += 1;
      }
      terms.push({ key, value: unquoteInner(query.slice(valueStart, i)), quoted: false, start, end: i, valueStart });
    }
  }
  return terms;
}

/** `system:"Email sync"` inside a value: the inner quotes removed. */
function unquoteInner(value: string): string {
  return value.replace(/"((?:[^"\\]|\\.)*)"/g, (_match, inner: string) => inner.replace(/\\(.)/g, '$1'));
}

export function isRealDay(day: string): boolean {
  if (!DAY.test(day)) return false;
  const [y = 0, m = 0, d = 0] = day.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1970 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

function parseActor(value: string): ActorFilter | string {
  const lower = value.toLowerCase();
  if (lower === 'system') return { type: 'system' };
  if (lower === 'anonymous') return { type: 'anonymous' };
  if (lower === 'unattributed') return { type: 'unattributed' };
  if (lower.startsWith('system:')) {
    const name = value.slice('system:'.length);
    return name ? { type: 'system', name } : 'system: needs a name after it, e.g. actor:system:"Email sync"';
  }
  if (lower.startsWith('user:')) {
    const id = value.slice('user:'.length);
    return id ? { type: 'user', id } : 'user: needs a user id after it';
  }
  if (/^[^\s@]+@[^\s@]+$/.test(value)) return { type: 'user', email: value.toLowerCase() };
  return `"${value}" is not an actor: use an email, user:<id>, system, system:<name>, anonymous or unattributed`;
}

function parseRecord(value: string, key: string, needsId: boolean): RecordRef | { entityType: string } | string {
  const slash = value.indexOf('/');
  const entityType = (slash < 0 ? value : value.slice(0, slash)).toLowerCase();
  const entityId = slash < 0 ? '' : value.slice(slash + 1);
  if (!NAME.test(entityType)) return `"${entityType}" is not an entity type (lower-case letters, e.g. ticket)`;
  if (slash >= 0 && !entityId) return `${key}:${entityType}/ needs a record id after the "/"`;
  if (needsId && !entityId) return `${key}: needs a record, e.g. ${key}:client/<id>`;
  return entityId ? { entityType, entityId } : { entityType };
}

/** A day, or a day with a time of day (`2026-11-01T09:30`, as the page's date filters write it). */
function isRealDayTime(value: string): boolean {
  const time = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!time) return isRealDay(value);
  return isRealDay(time[1] ?? '') && Number(time[2]) <= 23 && Number(time[3]) <= 59;
}

function parseCreated(value: string): { from?: string; to?: string } | string {
  const [from = '', to, extra] = value.split('..');
  if (extra !== undefined) return `"${value}" is not a date range: use 2026-11-01..2026-11-07`;
  const range = to === undefined ? { from, to: from } : { from, to };
  for (const day of [range.from, range.to]) {
    if (day && !isRealDayTime(day)) {
      return `"${day}" is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:mm, e.g. 2026-11-01 or 2026-11-01T09:30`;
    }
  }
  if (!range.from && !range.to) return 'created: needs a date or a range, e.g. created:2026-11-01..2026-11-07';
  // A day without a time runs from its midnight (as a start) to its last minute (as an end).
  const start = range.from.length === 10 ? `${range.from}T00:00` : range.from;
  const end = range.to.length === 10 ? `${range.to}T23:59` : range.to;
  if (range.from && range.to && start > end) return `${range.from} is after ${range.to}`;
  return { ...(range.from ? { from: range.from } : {}), ...(range.to ? { to: range.to } : {}) };
}

/** One term's contribution to the filters, or a message saying what is wrong with its value. */
function applyTerm(filters: SearchFilters, key: SearchKey, value: string): string | null {
  switch (key) {
    case 'actor': {
      const actor = parseActor(value);
      if (typeof actor === 'string') return actor;
      filters.actor = actor;
      return null;
    }
    case 'action':
      if (!NAME.test(value.toLowerCase())) return `"${value}" is not an action (lower-case letters, e.g. delete)`;
      filters.action = value.toLowerCase();
      return null;
    case 'entity':
    case 'within': {
      const ref = parseRecord(value, key, key === 'within');
      if (typeof ref === 'string') return ref;
      if (key === 'within' && 'entityId' in ref) filters.within = ref;
      else Object.assign(filters, ref);
      return null;
    }
    case 'ip': {
      const ip = parseIpFilter(value);
      if (!ip.ok) return ip.message;
      filters.ip = ip.value.text;
      return null;
    }
    case 'created': {
      const range = parseCreated(value);
      if (typeof range === 'string') return range;
      Object.assign(filters, range);
      return null;
    }
    case 'request':
      filters.requestId = value;
      return null;
  }
}

export const isSearchKey = (key: string): key is SearchKey => (SEARCH_KEYS as readonly string[]).includes(key);

/** Parses a query into filters, or says which term is wrong and why. */
export function parseSearch(query: string): SearchResult {
  try {
    const filters: SearchFilters = {};
    const seen = new Set<string>();
    for (const term of tokenizeSearch(query)) {
      const key = term.key.toLowerCase();
      if (!isSearchKey(key)) {
        throw new TermError(`"${term.key}:" is not a filter key: use ${SEARCH_KEYS.join(', ')}`, term.start, term.end);
      }
      if (seen.has(key)) throw new TermError(`${key}: is given twice: keep one`, term.start, term.end);
      seen.add(key);
      if (!term.value) throw new TermError(`${key}: needs a value`, term.start, term.end);
      if (term.value.length > MAX_SEARCH_VALUE) {
        throw new TermError(`${key}: is longer than ${MAX_SEARCH_VALUE} characters`, term.start, term.end);
      }
      const problem = applyTerm(filters, key, term.value);
      if (problem) throw new TermError(`${key}: ${problem}`, term.start, term.end);
    }
    return { ok: true, filters };
  } catch (error) {
    if (error instanceof TermError)
      return { ok: false, error: { message: error.message, start: error.start, end: error.end } };
    throw error;
  }
}

/** A value as the grammar reads it back: quoted when it holds a space, a quote or a backslash. */
export function quoteSearchValue(value: string): string {
  return /[\s"\\]/.test(value) || value === '' ? `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"` : value;
}

function formatActor(actor: ActorFilter): string {
  switch (actor.type) {
    case 'user':
      return 'id' in actor ? `user:${quoteSearchValue(actor.id)}` : quoteSearchValue(actor.email);
    case 'system':
      return actor.name === undefined ? 'system' : `system:${quoteSearchValue(actor.name)}`;
    default:
      return actor.type;
  }
}

/** The query for `filters`: `parseSearch(formatSearch(f))` gives `f` back. */
export function formatSearch(filters: SearchFilters): string {
  const terms: string[] = [];
  if (filters.actor) terms.push(`actor:${formatActor(filters.actor)}`);
  if (filters.action) terms.push(`action:${filters.action}`);
  if (filters.entityType) {
    terms.push(
      `entity:${filters.entityType}${filters.entityId !== undefined ? `/${quoteSearchValue(filters.entityId)}` : ''}`,
    );
  }
  if (filters.within) terms.push(`within:${filters.within.entityType}/${quoteSearchValue(filters.within.entityId)}`);
  if (filters.ip) terms.push(`ip:${filters.ip}`);
  if (filters.from || filters.to) {
    terms.push(
      filters.from && filters.from === filters.to
        ? `created:${filters.from}`
        : `created:${filters.from ?? ''}..${filters.to ?? ''}`,
    );
  }
  if (filters.requestId) terms.push(`request:${quoteSearchValue(filters.requestId)}`);
  return terms.join(' ');
}

export { IPV4_TEXT, IPV6_TEXT, parseIpFilter } from './ip-range.ts';
export type { IpFilter, IpFilterResult } from './ip-range.ts';
