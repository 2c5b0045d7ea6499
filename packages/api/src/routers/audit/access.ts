import { TRPCError } from '@trpc/server';
import type { Context } from '../../context.ts';
import { logReaderOf, noteAuditLogAccess, readerKey } from '../../services/audit-log-reads.ts';
import { authedProcedure } from '../../trpc.ts';

/** The organization whose log the caller may read: users whose role may (`canReadAuditLog`), or API keys with `audit:read`. */
export const auditReaderProcedure = authedProcedure.use(({ ctx, next }) => {
  const reader = logReaderOf(ctx.identity);
  if ('refused' in reader) throw new TRPCError({ code: 'FORBIDDEN', message: reader.refused });
  return next({ ctx: { organizationId: reader.organizationId } });
});

/**
 * Who may record custom actions at all: any signed-in user (as themselves), or API keys with `audit:write`; which
 * actions, record-policy.ts says.
 */
export const auditWriterProcedure = authedProcedure.use(({ ctx, next }) => {
  const { identity } = ctx;
  if (identity.kind === 'user') return next({ ctx: { organizationId: identity.user.organizationId } });
  if (!identity.apiKey.scopes.includes('audit:write')) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This API key does not have the audit:write scope.' });
  }
  return next({ ctx: { organizationId: identity.apiKey.organizationId } });
});

/**
 * Records that the caller read the log (an `access` entry, at most once per session or API key and hour), in the
 * caller's audit context, before the read.
 */
export function noteAccess(
  ctx: Pick<Context, 'prisma'> & {
    organizationId: string;
    identity: Exclude<Context['identity'], { kind: 'anonymous' }>;
  },
  via: string,
  filters: Record<string, unknown>,
): Promise<boolean> {
  return noteAuditLogAccess(ctx.prisma, {
    organizationId: ctx.organizationId,
    reader: readerKey(ctx.identity),
    via,
    filters,
  });
}
