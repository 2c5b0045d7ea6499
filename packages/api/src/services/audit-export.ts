/**
 * Exporting the current filtered view: every entry the list would show for the same input (all pages; `page`,
 * `pageSize` and `cursor` do not apply), newest first, as CSV or NDJSON, with the values the log holds
 * (placeholders, fingerprints, the stored Json). Rows are read in keyset pages of `EXPORT_BATCH_ROWS` along the list's
 * index, each page's lines written by the database as one string (Node only passes it on: this is what makes the
 * export fast), so memory stays bounded whatever the size of the export, no connection is held between pages, and a
 * slow reader slows the reads (a page is read at most one ahead of what the consumer has taken).
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
type ExportColumn = (typeof EXPORT_COLUMNS)[number];

/**
 * Rows read per query. A page is one string of at most 5,000 × an entry's bounded size (about 1.2 MB of CSV, 2 MB of
 * NDJSON for typical entries); one page is read ahead while the previous one is sent, so two are held at most.
 */
export const EXPORT_BATCH_ROWS = 5_000;

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

interface ColumnText {
  sql: Prisma.Sql;
  /** The text can hold no quote and cannot start like a formula (a UUID, a time, an enum): a CSV cell as it is. */
  plain?: true;
  /** Written into NDJSON as the Json it is. */
  json?: true;
}

/**
 * Each column as text, as the log holds it: createdAt in ISO 8601 UTC with milliseconds (as stored, timestamptz(3)),
 * Json as PostgreSQL prints it. No value is parsed or converted in JavaScript.
 */
const COLUMN_TEXT: Record<ExportColumn, ColumnText> = {
  id: { sql: Prisma.sql`id::text`, plain: true },
  createdAt: {
    sql: Prisma.sql`to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
    plain: true,
  },
  action: { sql: Prisma.sql`action` },
  entityType: { sql: Prisma.sql`"entityType"` },
  entityId: { sql: Prisma.sql`"entityId"` },
  actorType: { sql: Prisma.sql`"actorType"::text`, plain: true },
  actorUserId: { sql: Prisma.sql`"actorUserId"` },
  actorName: { sql: Prisma.sql`"actorName"` },
  actorEmail: { sql: Prisma.sql`"actorEmail"` },
  ipAddress: { sql: Prisma.sql`"ipAddress"` },
  userAgent: { sql: Prisma.sql`"userAgent"` },
  requestId: { sql: Prisma.sql`"requestId"` },
  changes: { sql: Prisma.sql`changes::text`, json: true },
  metadata: { sql: Prisma.sql`metadata::text`, json: true },
};

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return first: OWASP's list) gets a
 * leading `'`, which spreadsheets show as text; every cell is quoted (RFC 4180: quotes doubled), so commas, quotes and
 * line breaks inside values stay in their cell. A null is an empty, unquoted cell; an empty string is `""`. The rows'
 * cells are written by the database with the same rule (`csvCellSql`); this one writes the header.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export const csvHeader = () => `${EXPORT_COLUMNS.map(csvCell).join(',')}\r\n`;

/** `csvCell` in SQL: `left(v, 1)` is the first character; a null makes the whole concatenation null, an empty cell. */
function csvCellSql({ sql, plain }: ColumnText): Prisma.Sql {
  if (plain) return Prisma.sql`coalesce('"' || ${sql} || '"', '')`;
  return Prisma.sql`coalesce('"' || CASE WHEN left(${sql}, 1) IN ('=', '+', '-', '@', E'\t', E'\r') THEN '''' ELSE '' END
    || replace(${sql}, '"', '""') || '"', '')`;
}

/**
 * One entry's line, written by the database so that Node only passes pages on: CSV cells by `csvCellSql`; NDJSON
 * members in column order, strings escaped by `to_json` (the escapes JSON.stringify makes), Json columns as their
 * text, null as `null`. The tests compare both byte for byte with a formatting in JavaScript.
 */
const LINE_SQL: Record<ExportFormat, Prisma.Sql> = {
  csv: Prisma.sql`${Prisma.join(
    EXPORT_COLUMNS.map((column) => csvCellSql(COLUMN_TEXT[column])),
    ` || ',' || `,
  )} || E'\r\n'`,
  ndjson: Prisma.sql`${Prisma.join(
    EXPORT_COLUMNS.map((column, i) => {
      const { sql, json } = COLUMN_TEXT[column];
      const name = Prisma.raw(`'${i ? ',' : '{'}"${column}":'`);
      return Prisma.sql`${name} || coalesce(${json ? sql : Prisma.sql`to_json(${sql})::text`}, 'null')`;
    }),
    ' || ',
  )} || E'}\n'`,
};

/** What the export needs of the database client: raw reads. */
export type ExportReader = Pick<AuditedPrismaClient, '$queryRaw'>;

interface ExportPage {
  /** The page's lines, joined; null when no row is left. */
  text: string | null;
  rows: number;
  /** The page's last (oldest) row, where the next page starts. */
  lastAt: string | null;
  lastId: string | null;
}

/** One keyset page of lines, newest first, after `after`, as one string (one row from the database). */
async function readPage(
  prisma: ExportReader,
  where: Prisma.Sql[],
  format: ExportFormat,
  batchRows: number,
  after: { at: string; id: string } | null,
): Promise<ExportPage> {
  const conditions = after
    ? [...where, Prisma.sql`("createdAt", id) < (${after.at}::timestamptz, ${after.id}::uuid)`]
    : where;
  // The inner ORDER BY names the table's columns, so the list's index gives the rows in order and LIMIT stops it. The
  // aggregates take the rows in the order the subquery gives them (PostgreSQL's documented behaviour for a sorted
  // subquery under a plain aggregate): an ORDER BY inside them would sort the page's lines again, half the query's
  // time. The order is tested across pages.
  const [page] = await prisma.$queryRaw<ExportPage[]>`
    SELECT string_agg(line, '') AS text, count(*)::int AS rows,
      to_char(min("createdAt") AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "lastAt",
      (array_agg(id::text))[count(*)] AS "lastId"
    FROM (SELECT "createdAt", id, ${LINE_SQL[format]} AS line FROM "AuditLog" WHERE ${allOf(conditions)}
      ORDER BY "AuditLog"."createdAt" DESC, "AuditLog".id DESC LIMIT ${batchRows}) AS page`;
  return page ?? { text: null, rows: 0, lastAt: null, lastId: null };
}

/**
 * The export's text in chunks of one keyset page each (the CSV header first). The next page is read while the
 * consumer sends this one, and the one after only once it asks again: the database and Node work side by side, a
 * slow consumer still slows the reads, and at most two pages are held. `filters` as the list's (`filtersOf`).
 */
export async function* exportChunks(
  prisma: ExportReader,
  organizationId: string,
  filters: AuditFilters,
  format: ExportFormat,
  batchRows = EXPORT_BATCH_ROWS,
): AsyncGenerator<string, void, undefined> {
  if (format === 'csv') yield csvHeader();
  const where = entryConditions(organizationId, filters);
  const read = (after: { at: string; id: string } | null) => {
    const page = readPage(prisma, where, format, batchRows, after);
    // Handled when awaited below; until then (or never, when the consumer stops early) a failure must not count as
    // an unhandled rejection, which would stop the process.
    page.catch(() => undefined);
    return page;
  };
  let next: Promise<ExportPage> | null = read(null);
  while (next) {
    const page: ExportPage = await next;
    next = page.rows === batchRows && page.lastAt && page.lastId ? read({ at: page.lastAt, id: page.lastId }) : null;
    if (page.text) yield page.text;
  }
}

/** `audit-log-2026-12-02T17-20-05Z.csv`. */
export function exportFileName(format: ExportFormat, at: Date): string {
  return `audit-log-${at.toISOString().slice(0, 19).replaceAll(':', '-')}Z.${format}`;
}

export type ExportFilters = Omit<ListInput, 'page' | 'pageSize' | 'cursor'>;
