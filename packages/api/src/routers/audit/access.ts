import { TRPCError } from '@trpc/server';
import { authedProcedure } from '../../trpc.ts';

export const AUDIT_READ_FORBIDDEN = 'Audit Logs are restricted to the Owner and Admin roles.';

/** The organization whose log the caller may read: Owner and Admin users, or API keys with `audit:read`. */
export const auditReaderProcedure = authedProcedure.use(({ ctx, next }) => {
  const { identity } = ctx;
  if (identity.kind === 'user') {
    if (identity.user.role !== 'OWNER' && identity.user.role !== 'ADMIN') {
      throw new TRPCError({ code: 'FORBIDDEN', message: AUDIT_READ_FORBIDDEN });
    }
    return next({ ctx: { organizationId: identity.user.organizationId } });
  }
  if (!identity.apiKey.scopes.includes('audit:read')) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This API key does not have the audit:read scope.' });
  }
  return next({ ctx: { organizationId: identity.apiKey.organizationId } });
});

/** Who may record custom actions at all: any signed-in user (as themselves), or API keys with `audit:write`; which actions, record-policy.ts says. */
export const auditWriterProcedure = authedProcedure.use(({ ctx, next }) => {
  const { identity } = ctx;
  if (identity.kind === 'user') return next({ ctx: { organizationId: identity.user.organizationId } });
  if (!identity.apiKey.scopes.includes('audit:write')) {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This API key does not have the audit:write scope.' });
  }
  return next({ ctx: { organizationId: identity.apiKey.organizationId } });
});
