/**
 * What a download route needs to export the log (`GET /audit-logs/export?format=csv&input={…}`): the caller checked
 * as `audit.list` checks them (a role that reads the log, or an API key with `audit:read`), a request from another
 * site's page refused, the input validated by the list's own schema (so every list filter is an export filter), and
 * the `export` entry written (with the filters used) before a byte of the export is sent. The entries exported are
 * those up to and including that entry, so the total is exact and the export records itself when its filters match.
 */
import type { Context } from '../context.ts';
import { listInputSchema } from '../contract/audit.ts';
import { DomainError } from '../errors.ts';
import { countEntries } from '../services/audit-counts.ts';
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, exportChunks, exportFileName } from '../services/audit-export.ts';
import type { ExportFormat } from '../services/audit-export.ts';
import { filtersOf } from '../services/audit-filters.ts';
import { AUDIT_LOG_ENTITY_TYPE, filtersUsed, logReaderOf } from '../services/audit-log-reads.ts';
import { asCaller } from '../trpc.ts';

export interface AuditExport {
  format: ExportFormat;
  /** How many entries the export holds. */
  total: number;
  /** The `export` entry that records it. */
  entryId: string;
  fileName: string;
  contentType: string;
  /** The text, one keyset page at a time: pull it at the pace the client reads. */
  chunks: AsyncGenerator<string, void, undefined>;
}

function parseInput(raw: unknown) {
  let value: unknown = {};
  if (typeof raw === 'string' && raw !== '') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new DomainError('BAD_REQUEST', 'input must be the list’s input as JSON, e.g. {"action":"delete"}');
    }
  } else if (raw !== undefined && raw !== '') {
    throw new DomainError('BAD_REQUEST', 'input must be given once, as JSON');
  }
  const parsed = listInputSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
    throw new DomainError('BAD_REQUEST', `Invalid input: ${issues.join('; ')}`);
  }
  return parsed.data;
}

function parseFormat(raw: unknown): ExportFormat {
  const format = raw ?? 'csv';
  if (!EXPORT_FORMATS.includes(format as ExportFormat))
    throw new DomainError('BAD_REQUEST', `format must be ${EXPORT_FORMATS.join(' or ')}`);
  return format as ExportFormat;
}

/**
 * Checks the request and records the export; the caller then streams `chunks`.
 * @throws DomainError UNAUTHORIZED, FORBIDDEN (role, key scope, cross-site) or BAD_REQUEST (input, format)
 */
export async function startAuditExport(
  ctx: Context,
  query: { input?: unknown; format?: unknown },
): Promise<AuditExport> {
  const { identity } = ctx;
  if (identity.kind === 'anonymous') {
    throw new DomainError(
      'UNAUTHORIZED',
      identity.reason === 'invalid_api_key'
        ? 'The API key is invalid, revoked or expired.'
        : 'Sign in to export the audit log: your session is missing or has expired.',
    );
  }
  const reader = logReaderOf(identity);
  if ('refused' in reader) throw new DomainError('FORBIDDEN', reader.refused);
  // The entry would name the user: another site's page must not make one (nor start a download of the log).
  if (ctx.crossSite)
    throw new DomainError(
      'FORBIDDEN',
      'The audit log is exported from this application’s own page or with an API key.',
    );
  const input = parseInput(query.input);
  const format = parseFormat(query.format);
  const { organizationId } = reader;

  const entry = await asCaller(ctx, () =>
    ctx.prisma.$record({
      organizationId,
      action: 'export',
      entityType: AUDIT_LOG_ENTITY_TYPE,
      entityId: organizationId,
      changes: null,
      metadata: { kind: 'entries', format, filters: filtersUsed(input) },
    }),
  );
  const filters = filtersOf(input);
  const end = filters.end && filters.end < entry.createdAt ? filters.end : entry.createdAt;
  const bounded = { ...filters, end };
  return {
    format,
    total: await countEntries(ctx.prisma, organizationId, bounded),
    entryId: entry.id,
    fileName: exportFileName(format, entry.createdAt),
    contentType: EXPORT_CONTENT_TYPES[format],
    chunks: exportChunks(ctx.prisma, organizationId, bounded, format),
  };
}
