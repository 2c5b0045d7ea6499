import { AUDIT_READ_FORBIDDEN, canReadAuditLog } from '@auditlog/auth';
import { TRPCError } from '@trpc/server';
import { authedProcedure } from '../../trpc.ts';

/** The organization whose log the caller may read: users whose role may (`canReadAuditLog`), or API keys with `audit:read`. */
export const auditReaderProcedure = authedProcedure.use(({ ctx, next }) => {
  const { identity } = ctx;
  if (identity.kind === 'user') {
    if (!canReadAuditLog(identity.user.role)) throw new TRPCError({ code: 'FORBIDDEN', message: AUDIT_READ_FORBIDDEN });
    return next({ ctx: { organizationId: identity.user.organizationId } });
  }
  if (!identity.apiKey.scopes.includes('audit:read')) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This API key does not have the audit:read scope.' });
  }
  return next({ ctx: { organizationId: identity.apiKey.organizationId } });
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
