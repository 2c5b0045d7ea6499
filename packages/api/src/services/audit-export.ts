/**
 * Exporting the current filtered view: every entry the list would show for the same input (all pages; `page`,
 * `pageSize` and `cursor` do not apply), newest first, as CSV or NDJSON, with the values the log holds
 * (placeholders, fingerprints, the stored Json). Rows are read in keyset pages of `EXPORT_BATCH_ROWS` along the list's
 * index and formatted as text by the database's own casts, so memory stays bounded whatever the size of the export,
 * no connection is held between pages, and a slow reader slows the reads (each page is read when the consumer asks).
 */
import type { AuditedPrismaClient } from '@auditlog/db';
import { Prisma } from '@auditlog/db';
import type { ListInput } from '../contract/audit.ts';
import { allOf, entryConditions } from './audit-filters.ts';
import type { AuditFilters } from './audit-filters.ts';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** An export's columns, in order: the entry as stored. */
export const EXPORT_COLUMNS = [
  'id',
  'createdAt',
  'action',
  'entityType',
  'entityId',
  'actorType',
  'actorUserId',
  'actorName',
  'actorEmail',
  'ipAddress',
  'userAgent',
  'requestId',
  'changes',
  'metadata',
] as const;
type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], string | null>;
/** Json columns: written into NDJSON as the Json they are, into CSV as its text. */
const JSON_COLUMNS = new Set<string>(['changes', 'metadata']);

/** Rows read per query: about 1–4 MB of text for typical entries, at most 2,000 × an entry's bounded size. */
export const EXPORT_BATCH_ROWS = 2_000;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

// Every column as text (so the ORDER BY names the table's columns: a bare "createdAt" would sort by the text output
// column, every matching row, for each page): createdAt in ISO 8601 UTC with milliseconds (as stored, timestamptz(3)), Json as PostgreSQL
// prints it. No value is parsed or converted in JavaScript.
const COLUMNS = Prisma.sql`id::text AS id,
  to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
  action, "entityType", "entityId", "actorType"::text AS "actorType", "actorUserId", "actorName", "actorEmail",
  "ipAddress", "userAgent", "requestId", changes::text AS changes, metadata::text AS metadata`;

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first: OWASP's list) gets a
 * leading `'`, which spreadsheets show as text; every cell is quoted (RFC 4180: quotes doubled), so commas, quotes and
 * line breaks inside values stay in their cell. A null is an empty, unquoted cell; an empty string is `""`.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export const csvHeader = () => `${EXPORT_COLUMNS.map(csvCell).join(',')}\r\n`;

function csvLine(row: ExportRow): string {
  let line = '';
  for (const column of EXPORT_COLUMNS) line += (line ? ',' : '') + csvCell(row[column]);
  return `${line}\r\n`;
}

function ndjsonLine(row: ExportRow): string {
  let line = '';
  for (const column of EXPORT_COLUMNS) {
    const value = row[column];
    const json = value === null ? 'null' : JSON_COLUMNS.has(column) ? value : JSON.stringify(value);
    line += `${line ? ',' : '{'}"${column}":${json}`;
  }
  return `${line}}\n`;
}

/**
 * The export's text in chunks of one keyset page each (the CSV header first), read lazily: the next page is queried
 * when the consumer asks for the next chunk. `filters` as the list's (`filtersOf`).
 */
export async function* exportChunks(
  prisma: AuditedPrismaClient,
  organizationId: string,
  filters: AuditFilters,
  format: ExportFormat,
  batchRows = EXPORT_BATCH_ROWS,
): AsyncGenerator<string, void, undefined> {
  if (format === 'csv') yield csvHeader();
  const format1 = format === 'csv' ? csvLine : ndjsonLine;
  let after: { createdAt: string; id: string } | null = null;
  for (;;) {
    const where = entryConditions(organizationId, filters);
    if (after) where.push(Prisma.sql`("createdAt", id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`);
    const rows: ExportRow[] = await prisma.$queryRaw<ExportRow[]>`
      SELECT ${COLUMNS} FROM "AuditLog" WHERE ${allOf(where)}
      ORDER BY "AuditLog"."createdAt" DESC, "AuditLog".id DESC LIMIT ${batchRows}`;
    if (!rows.length) return;
    let chunk = '';
    for (const row of rows) chunk += format1(row);
    yield chunk;
    const last = rows[rows.length - 1];
    if (rows.length < batchRows || !last?.createdAt || !last.id) return;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/** `audit-log-2026-12-02T17-20-05Z.csv`. */
export function exportFileName(format: ExportFormat, at: Date): string {
  return `audit-log-${at.toISOString().slice(0, 19).replaceAll(':', '-')}Z.${format}`;
}

export type ExportFilters = Omit<ListInput, 'page' | 'pageSize' | 'cursor'>;
