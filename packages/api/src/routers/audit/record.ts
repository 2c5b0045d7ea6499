import { ROLE_LABELS } from '@auditlog/auth';
import { TRPCError } from '@trpc/server';
import { recordInputSchema, recordOutputSchema } from '../../contract/audit.ts';
import { throttled } from '../../trpc.ts';
import { auditWriterProcedure } from './access.ts';
import { recordableActionsFor } from './record-policy.ts';

/**
 * Records a custom action for the caller: one its role or key scopes allow (record-policy.ts), at most the configured
 * number of calls per actor and minute. The actor, organization, IP address and user agent come from the request,
 * never from the input.
 */
export const record = auditWriterProcedure
  .input(recordInputSchema)
  .output(recordOutputSchema)
  .mutation(async ({ ctx, input }) => {
    const { identity } = ctx;
    const allowed = recordableActionsFor(
      identity.kind === 'user' ? { role: identity.user.role } : { scopes: identity.apiKey.scopes },
    );
    if (!allowed.includes(input.action as (typeof allowed)[number])) {
      const who = identity.kind === 'user' ? `Your role (${ROLE_LABELS[identity.user.role]})` : 'This API key';
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `${who} may not record "${input.action}". Allowed: ${allowed.join(', ') || 'none'}.`,
      });
    }
    const actor = identity.kind === 'user' ? `user:${identity.user.id}` : `api-key:${identity.apiKey.id}`;
    throttled(
      await ctx.throttle.admitRecord(actor),
      (wait) => `Too many audit.record calls: try again in ${wait} second(s).`,
    );
    // Through the client's $record: the app's own secret field names (the audit config) are redacted too.
    const entry = await ctx.prisma.$record({ ...input, changes: null, organizationId: ctx.organizationId });
    return { id: entry.id, createdAt: entry.createdAt.toISOString() };
  });
