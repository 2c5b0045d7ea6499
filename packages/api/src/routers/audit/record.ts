import { record as recordEntry } from '@auditlog/audit';
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
    const entry = await recordEntry(ctx.prisma, { ...input, organizationId: ctx.organizationId });
    return { id: entry.id, createdAt: entry.createdAt.toISOString() };
  });
