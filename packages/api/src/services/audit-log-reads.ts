/**
 * The audit log is audited (PCI DSS 10.2.1.3): reading it writes an `access` entry at most once per caller (a
 * session, or an API key) and clock hour, with the filters used; every export writes an `export` entry. Both name
 * the audit log itself as their record (`audit_log`, the organization's id).
 *
 * "At most once" holds under parallel requests: the caller's mark for the hour is inserted with ON CONFLICT DO
 * NOTHING in the same transaction as the entry, so of two calls in a fresh hour exactly one inserts it and writes the
 * entry; the other waits for that transaction on the primary key and then inserts nothing.
 */
import type { KnownEntityType } from '@auditlog/audit';
import { AUDIT_READ_FORBIDDEN, canReadAuditLog } from '@auditlog/auth';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { ListInput } from '../contract/audit.ts';
import type { Identity } from '../context.ts';

/** The record every access and export entry names. */
export const AUDIT_LOG_ENTITY_TYPE = 'audit_log' satisfies KnownEntityType;

/** The filters of a list input, as they are written into an entry's metadata: paging left out, unset ones too. */
export function filtersUsed(input: ListInput): Record<string, unknown> {
  const { page: _page, pageSize: _pageSize, cursor: _cursor, ...filters } = input;
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
}

/**
 * Who may read the log, for `auditReaderProcedure` and routes outside tRPC (the export download): users whose role
 * may (`canReadAuditLog`), API keys with `audit:read`. The organization whose log it is, or why not.
 */
export function logReaderOf(
  identity: Exclude<Identity, { kind: 'anonymous' }>,
): { organizationId: string } | { refused: string } {
  if (identity.kind === 'user') {
    if (!canReadAuditLog(identity.user.role)) return { refused: AUDIT_READ_FORBIDDEN };
    return { organizationId: identity.user.organizationId };
  }
  if (!identity.apiKey.scopes.includes('audit:read'))
    return { refused: 'This API key does not have the audit:read scope.' };
  return { organizationId: identity.apiKey.organizationId };
}

/** Whose reads are counted once an hour: the session (a user may have several), or the API key. */
export function readerKey(identity: Exclude<Identity, { kind: 'anonymous' }>): string {
  return identity.kind === 'user' ? `session:${identity.session.id}` : `api-key:${identity.apiKey.id}`;
}

export interface AccessNote {
  organizationId: string;
  /** From `readerKey`. */
  reader: string;
  /** What was read: the procedure. */
  via: string;
  filters: Record<string, unknown>;
}

/**
 * Writes the reader's `access` entry unless this hour already has one; true when it wrote it. Called in the reader's
 * audit context (the entry names them, their address and request).
 */
export async function noteAuditLogAccess(prisma: AuditedPrismaClient, note: AccessNote): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const marked = await tx.$queryRaw<{ key: string }[]>`
      INSERT INTO "AuditAccessMark" (key, hour) VALUES (${note.reader}, date_trunc('hour', now()))
      ON CONFLICT DO NOTHING RETURNING key`;
    if (!marked.length) return false;
    // Past hours' marks are of no use: the reader's own go now, everyone's after a day (sessions that ended).
    await tx.$executeRaw`DELETE FROM "AuditAccessMark" WHERE hour < date_trunc('hour', now())
      AND (key = ${note.reader} OR hour < now() - interval '1 day')`;
    await tx.$record({
      organizationId: note.organizationId,
      action: 'access',
      entityType: AUDIT_LOG_ENTITY_TYPE,
      entityId: note.organizationId,
      changes: null,
      metadata: { via: note.via, filters: note.filters },
    });
    return true;
  });
}
