/**
 * How a column's value becomes JSON text inside `changes`, as inline SQL expressions (no function call on the common
 * path: these run for every changed column of every audited row). The forms never depend on the session's settings:
 * dates and timestamps are formatted explicitly, `infinity` and years outside 1–9999 keep their meaning, floats are
 * printed by functions that pin `extra_float_digits`, and Json `null` is the same as SQL NULL. Secrets go through the
 * one secret rule (redaction-sql.ts): texts and Json are redacted and capped, secret columns stored as placeholders.
 *
 * A change the stored values cannot show (a secret column, binary data, or a text whose differences were all
 * redacted or truncated away) carries keyed fingerprints of both sides, `"fingerprint": {"before": …, "after": …}`,
 * so a reader can tell that it changed, and whether it changed back, without seeing it.
 */
import { BINARY_DATA, REDACTED } from '../catalog.ts';
import { MAX_VALUE_BYTES } from '../secret-rule.ts';
import type { AuditedColumn } from './config.ts';
import { ident, literal } from './names.ts';
import type { SqlNames } from './names.ts';
import { auditTextSql, secretValuePrefilterSql } from './redaction-sql.ts';

/** What the expressions of one model need besides the column: names, and what fingerprints are scoped to. */
export interface ValueContext {
  names: SqlNames;
  entityType: string;
  idColumn: string;
}

/** `o."column"` or `n."column"`. */
export const ref = (column: AuditedColumn, row: string) => `${row}.${ident(column.column)}`;

/**
 * A JSON string of an instant or a day: ISO 8601 for years 1–9999 (`2026-03-02T09:30:00.000Z`), the expanded form of
 * JavaScript's `toISOString()` for others (`-000043-03-15…` is 44 BC), and `"infinity"` / `"-infinity"` as they are.
 * `value` is a timestamp without time zone (already in UTC) or a date.
 */
function isoText(value: string, kind: 'timestamp' | 'date'): string {
  const rest = kind === 'date' ? '-MM-DD' : '-MM-DD"T"HH24:MI:SS.MS"Z"';
  const first = kind === 'date' ? `'0001-01-01'::date` : `'0001-01-01'::timestamp`;
  const last = kind === 'date' ? `'10000-01-01'::date` : `'10000-01-01'::timestamp`;
  const year = `extract(year FROM ${value})::int`;
  // PostgreSQL numbers 1 BC as -1; ISO 8601 and JavaScript as year 0 (astronomical numbering).
  const expandedYear = `CASE WHEN ${year} = -1 THEN '0000' WHEN ${year} < 0 THEN '-' || lpad((-${year} - 1)::text, 6, '0') ELSE '+' || lpad(${year}::text, 6, '0') END`;
  return `CASE WHEN ${value} >= ${first} AND ${value} < ${last} THEN '"' || to_char(${value}, 'YYYY${rest}') || '"'
      WHEN NOT isfinite(${value}) THEN '"' || ${value}::text || '"'
      ELSE '"' || ${expandedYear} || to_char(${value}, '${rest}') || '"' END`;
}

/** The JSON text of the column's value on row alias `row`, as the entry stores it; SQL NULL when the column is null. */
export function jsonText(column: AuditedColumn, row: string, { names }: ValueContext): string {
  const value = ref(column, row);
  switch (column.encoding) {
    case 'string':
      return `to_json(${auditTextSql(names.internalName, value)})::text`;
    case 'json-native':
      return column.isList ? `${names.capJson}(to_jsonb(${value}))::text` : `to_json(${value})::text`;
    case 'exact-text':
      return `to_json(${value}::text)::text`;
    case 'date':
      return isoText(value, 'date');
    case 'timestamp':
      return isoText(value, 'timestamp');
    case 'timestamptz':
      return isoText(`(${value} AT TIME ZONE 'UTC')`, 'timestamp');
    case 'json':
      return `${names.auditJson}(${value}${column.isJsonType ? '::jsonb' : ''})::text`;
    case 'json-list':
      return `${names.auditJson}(to_jsonb(${value}))::text`;
    case 'text-list':
      return `${names.capJson}(to_jsonb(${value}::text[]))::text`;
    case 'timestamp-list':
      return `${names.capJson}((SELECT coalesce('[' || string_agg(coalesce(${isoText('e', 'timestamp')}, 'null'), ',' ORDER BY i) || ']', '[]')
        FROM unnest(${value}) WITH ORDINALITY AS u(e, i))::jsonb)::text`;
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
export const changed = (column: AuditedColumn) => `${comparable(column, 'o')} IS DISTINCT FROM ${comparable(column, 'n')}`;

/** True when the column has a value on `row` (not SQL NULL, not Json null). */
export function present(column: AuditedColumn, row: string): string {
  return isJson(column) ? `${comparable(column, row)} <> 'null'::jsonb` : `${ref(column, row)} IS NOT NULL`;
}

/** Columns whose stored value never shows the value: every change of them needs fingerprints. */
const alwaysHidden = (column: AuditedColumn) => column.encoding === 'redacted' || column.encoding === 'binary';

/** The JSON text of the keyed fingerprint of the column's raw value on `row` (SQL NULL when the value is null). */
function fingerprintText(column: AuditedColumn, row: string, context: ValueContext): string {
  const value = ref(column, row);
  const input =
    column.encoding === 'binary' && !column.isList ? `encode(sha256(${value}), 'hex')` : column.encoding === 'string' ? value : `${value}::text`;
  const scope = `${literal(`${context.entityType}:`)} || ${row}.${ident(context.idColumn)}::text || ${literal(`:${column.field}`)}`;
  return `to_json(${context.names.fingerprint}(${scope}, ${input}))::text`;
}

/** `,"fingerprint":{"before":…,"after":…}` for the sides given. */
function fingerprintsPart(column: AuditedColumn, sides: ('o' | 'n')[], context: ValueContext): string {
  const parts = sides.map(
    (row) => `CASE WHEN ${ref(column, row)} IS NOT NULL THEN ${literal(row === 'o' ? '"before":' : '"after":')} || ${fingerprintText(column, row, context)} END`,
  );
  return `',"fingerprint":{' || concat_ws(',', ${parts.join(', ')}) || '}'`;
}

/**
 * When a change of this column may not show in its stored values: a text whose prefilter matched (or that was too
 * long) on either side, or a Json value, and the two stored sides are then equal. False for every other column.
 */
function hiddenChange(column: AuditedColumn, context: ValueContext): string | null {
  const same = `${jsonText(column, 'o', context)} IS NOT DISTINCT FROM ${jsonText(column, 'n', context)}`;
  if (column.encoding === 'string') {
    const mayHide = (row: string) => `${secretValuePrefilterSql(ref(column, row))} OR octet_length(${ref(column, row)}) > ${MAX_VALUE_BYTES}`;
    return `((${mayHide('o')} OR ${mayHide('n')}) AND ${same})`;
  }
  if (column.encoding === 'json' || column.encoding === 'json-list') return `(${same})`;
  return null;
}

const key = (field: string) => literal(`${JSON.stringify(field)}:{"before":`);

/** `"field":{"before":null,"after":<new>}` (or the delete's mirror) when the column has a value on `row`. */
export function snapshotMember(column: AuditedColumn, row: 'o' | 'n', context: ValueContext): string {
  const text = jsonText(column, row, context);
  const fingerprint = alwaysHidden(column) ? ` || ${fingerprintsPart(column, [row], context)}` : '';
  const member =
    row === 'n'
      ? `${literal(`${JSON.stringify(column.field)}:{"before":null,"after":`)} || ${text}${fingerprint} || '}'`
      : `${key(column.field)} || ${text} || ',"after":null'${fingerprint} || '}'`;
  return `CASE WHEN ${present(column, row)} THEN ${member} END`;
}

/** `"field":{"before":<old>,"after":<new>}` when the column changed between `o` and `n`, with fingerprints if hidden. */
export function updateMember(column: AuditedColumn, context: ValueContext): string {
  const side = (row: string) => `coalesce(${jsonText(column, row, context)}, 'null')`;
  const hidden = alwaysHidden(column) ? 'true' : hiddenChange(column, context);
  const fingerprint = hidden === null ? '' : ` || CASE WHEN ${hidden} THEN ${fingerprintsPart(column, ['o', 'n'], context)} ELSE '' END`;
  return `CASE WHEN ${changed(column)} THEN ${key(column.field)} || ${side('o')} || ',"after":' || ${side('n')}${fingerprint} || '}' END`;
}

/** `"<idField>":{"before":<old id>,"after":<new id>}`, for a primary-key change. */
export function keyChangeMember(idField: string, idColumn: string): string {
  const id = (row: string) => `to_json(${row}.${ident(idColumn)})::text`;
  return `${key(idField)} || ${id('o')} || ',"after":' || ${id('n')} || '}'`;
}

/** concat_ws takes at most 100 arguments: wider tables are joined in chunks, each NULL when all its members are. */
const CONCAT_CHUNK = 90;

function joinMembers(members: string[]): string {
  if (members.length <= CONCAT_CHUNK) return `concat_ws(',',${members.map((member) => `\n        ${member}`).join(',')})`;
  const chunks: string[] = [];
  for (let i = 0; i < members.length; i += CONCAT_CHUNK) chunks.push(`nullif(${joinMembers(members.slice(i, i + CONCAT_CHUNK))}, '')`);
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
