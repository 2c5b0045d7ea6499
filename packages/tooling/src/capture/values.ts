/**
 * How a column's value becomes JSON text inside `changes`. The capture functions' statements are compiled again
 * every time they run, so what is inline here stays small: a test of whether the column changed (or has a value),
 * the secret rule's prefilter for a text, and one call of a function of the internal schema (values-sql.ts) that
 * does the rest, made only for the columns that need it. (The prefilter's strpos() form is larger to compile than
 * one regular expression, but a 1,000-row delete runs it a thousand times per column: BENCHMARKS.md.) The forms never depend on the session's settings: dates and timestamps are formatted explicitly,
 * floats by functions that pin `extra_float_digits`, and Json `null` is the same as SQL NULL. Secrets go through the
 * one secret rule (redaction-sql.ts): texts and Json are redacted and capped, secret columns stored as placeholders.
 *
 * A change the stored values cannot show (a secret column, binary data, or a text whose differences were all
 * redacted or truncated away) carries keyed fingerprints of both sides, `"fingerprint": {"before": …, "after": …}`,
 * so a reader can tell that it changed, and whether it changed back, without seeing it.
 */
import { BINARY_DATA, REDACTED } from '@auditlog/audit';
import { auditTextSql } from './redaction-sql.ts';
import type { AuditedColumn } from './config.ts';
import { ident, literal } from './names.ts';
import type { SqlNames } from './names.ts';

/** What the expressions of one model need besides the column: names, and what fingerprints are scoped to. */
export interface ValueContext {
  names: SqlNames;
  entityType: string;
  idColumn: string;
}

/** `o."column"` or `n."column"`. */
export const ref = (column: AuditedColumn, row: string) => `${row}.${ident(column.column)}`;

/** The common years inline, the rest (BC, beyond 9999, infinity) through iso_timestamp. */
function isoTimestamp(value: string, names: SqlNames): string {
  return `CASE WHEN ${value} >= '0001-01-01'::timestamp AND ${value} < '10000-01-01'::timestamp THEN '"' || to_char(${value}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '"' ELSE ${names.fn('iso_timestamp')}(${value}) END`;
}

/** The JSON text of the column's value on row alias `row`, as the entry stores it; SQL NULL when the column is null. */
export function jsonText(column: AuditedColumn, row: string, { names }: ValueContext): string {
  const value = ref(column, row);
  switch (column.encoding) {
    case 'string':
      // The rule's prefilter (strpos() for its plain substrings in a short text, decision 009) spares the common text a
      // function call; a text that may hold a secret, or is too long, goes through audit_text. One regular
      // expression over the whole prefilter cost 5.5 µs a value, the strpos() form 1.4 µs (BENCHMARKS.md).
      return `to_json(${auditTextSql(names.internalName, value)})::text`;
    case 'json-native':
      return column.isList ? `${names.capJson}(to_jsonb(${value}))::text` : `to_json(${value})::text`;
    case 'exact-text':
      return `to_json(${value}::text)::text`;
    case 'date':
      return `${names.fn('iso_date')}(${value})`;
    case 'timestamp':
      return isoTimestamp(value, names);
    case 'timestamptz':
      return isoTimestamp(`(${value} AT TIME ZONE 'UTC')`, names);
    case 'json':
      return `${names.auditJson}(${value}${column.isJsonType ? '::jsonb' : ''})::text`;
    case 'json-list':
      return `${names.auditJson}(to_jsonb(${value}))::text`;
    case 'text-list':
      return `${names.capJson}(to_jsonb(${value}::text[]))::text`;
    case 'timestamp-list':
      return `${names.fn('iso_timestamps')}(${value}::timestamp[])`;
    case 'binary':
      return `CASE WHEN ${value} IS NOT NULL THEN ${literal(JSON.stringify(BINARY_DATA))} END`;
    case 'redacted':
      return `CASE WHEN ${value} IS NOT NULL THEN ${literal(JSON.stringify(REDACTED))} END`;
  }
}

const isJson = (column: AuditedColumn) => column.encoding === 'json';

/** The value as compared: Json `null` and SQL NULL are the same absence. */
function comparable(column: AuditedColumn, row: string): string {
  const value = ref(column, row);
  if (isJson(column)) return `coalesce(${value}${column.isJsonType ? '::jsonb' : ''}, 'null'::jsonb)`;
  return value;
}

/** True when the column's value differs between the old row `o` and the new row `n`. */
export const changed = (column: AuditedColumn) =>
  `${comparable(column, 'o')} IS DISTINCT FROM ${comparable(column, 'n')}`;

/** True when the column has a value on `row` (not SQL NULL, not Json null). */
export function present(column: AuditedColumn, row: string): string {
  return isJson(column) ? `${comparable(column, row)} <> 'null'::jsonb` : `${ref(column, row)} IS NOT NULL`;
}

/** `'ticket:' || o."id"::text || ':subject'`: what a fingerprint is keyed to, so equal secrets of two records differ. */
function scope(column: AuditedColumn, row: string, context: ValueContext): string {
  return `${literal(`${context.entityType}:`)} || ${row}.${ident(context.idColumn)}::text || ${literal(`:${column.field}`)}`;
}

/** What a secret or binary column is fingerprinted from: the value's text, or the SHA-256 of bytes. */
function secretInput(column: AuditedColumn, row: string): string {
  const value = ref(column, row);
  return column.encoding === 'binary' && !column.isList ? `encode(sha256(${value}), 'hex')` : `${value}::text`;
}

const placeholder = (column: AuditedColumn) => literal(column.encoding === 'binary' ? BINARY_DATA : REDACTED);
const fieldName = (column: AuditedColumn) => literal(column.field);

/** `"field":{"before":null,"after":<new>}` (or the delete's mirror) when the column has a value on `row`. */
export function snapshotMember(column: AuditedColumn, row: 'o' | 'n', context: ValueContext): string {
  const side = row === 'n' ? 'after' : 'before';
  const member =
    column.encoding === 'redacted' || column.encoding === 'binary'
      ? `${context.names.fn('secret_snapshot')}(${fieldName(column)}, ${literal(side)}, ${placeholder(column)}, ${scope(column, row, context)}, ${secretInput(column, row)})`
      : row === 'n'
        ? `${literal(`${JSON.stringify(column.field)}:{"before":null,"after":`)} || ${jsonText(column, row, context)} || '}'`
        : `${literal(`${JSON.stringify(column.field)}:{"before":`)} || ${jsonText(column, row, context)} || ',"after":null}'`;
  return `CASE WHEN ${present(column, row)} THEN ${member} END`;
}

/** `"field":{"before":<old>,"after":<new>}` when the column changed between `o` and `n`, with fingerprints if hidden. */
export function updateMember(column: AuditedColumn, context: ValueContext): string {
  const { names } = context;
  const args = (values: string) => `${fieldName(column)}, ${scope(column, 'n', context)}, ${values}`;
  let member: string;
  switch (column.encoding) {
    case 'redacted':
    case 'binary':
      member = `${names.fn('secret_change')}(${args(`${placeholder(column)}, ${secretInput(column, 'o')}, ${secretInput(column, 'n')}`)})`;
      break;
    case 'string':
      member = `${names.fn('text_change')}(${args(`${ref(column, 'o')}, ${ref(column, 'n')}`)})`;
      break;
    case 'json':
      member = `${names.fn('json_change')}(${args(`${ref(column, 'o')}${column.isJsonType ? '::jsonb' : ''}, ${ref(column, 'n')}${column.isJsonType ? '::jsonb' : ''}`)})`;
      break;
    case 'json-list':
      member = `${names.fn('json_change')}(${args(`to_jsonb(${ref(column, 'o')}), to_jsonb(${ref(column, 'n')})`)})`;
      break;
    default: {
      const side = (row: string) => `coalesce(${jsonText(column, row, context)}, 'null')`;
      member = `${literal(`${JSON.stringify(column.field)}:{"before":`)} || ${side('o')} || ',"after":' || ${side('n')} || '}'`;
    }
  }
  return `CASE WHEN ${changed(column)} THEN ${member} END`;
}

/** `"<idField>":{"before":<old id>,"after":<new id>}`, for a primary-key change. */
export function keyChangeMember(idField: string, idColumn: string): string {
  const id = (row: string) => `to_json(${row}.${ident(idColumn)})::text`;
  return `${literal(`${JSON.stringify(idField)}:{"before":`)} || ${id('o')} || ',"after":' || ${id('n')} || '}'`;
}

/** concat_ws takes at most 100 arguments: wider tables are joined in chunks, each NULL when all its members are. */
const CONCAT_CHUNK = 90;

function joinMembers(members: string[]): string {
  if (members.length <= CONCAT_CHUNK)
    return `concat_ws(',',${members.map((member) => `\n        ${member}`).join(',')})`;
  const chunks: string[] = [];
  for (let i = 0; i < members.length; i += CONCAT_CHUNK)
    chunks.push(`nullif(${joinMembers(members.slice(i, i + CONCAT_CHUNK))}, '')`);
  return `concat_ws(',', ${chunks.join(', ')})`;
}

/**
 * `('{' || concat_ws(',', <member or NULL>, …) || '}')::jsonb`: concat_ws skips the NULL members, so only the
 * fields that changed are built at all. Keys are Prisma field names (identifiers: safe as JSON text).
 */
export function changesObject(members: string[]): string {
  if (members.length === 0) return `'{}'::jsonb`;
  return `('{' || ${joinMembers(members)} || '}')::jsonb`;
}

/** True when any of `columns` changed: rows without a change get no entry and no JSON built. */
export function anyChanged(columns: AuditedColumn[]): string {
  return columns.length === 0 ? 'false' : columns.map((column) => `(${changed(column)})`).join('\n       OR ');
}
