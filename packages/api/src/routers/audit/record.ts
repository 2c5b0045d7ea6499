import { auditWriterProcedure } from './access.ts';
import { recordInputSchema, recordOutputSchema } from './schemas.ts';

/**
 * Records a custom action for the caller. The actor, organization, IP address and user agent come from the request,
 * never from the input.
 */
export const record = auditWriterProcedure
  .input(recordInputSchema)
  .output(recordOutputSchema)
  .mutation(async ({ ctx, input }) => {
    // Through the client's $record: the app's own secret field names (the audit config) are redacted too.
    const entry = await ctx.prisma.$record({ ...input, organizationId: ctx.organizationId });
    return { id: entry.id, createdAt: entry.createdAt.toISOString() };
  });
