import { TRPCError } from '@trpc/server';
import { getAuditEntry } from '../../services/audit-entries.ts';
import { auditReaderProcedure, noteAccess } from './access.ts';
import { entryDetailSchema, getInputSchema } from '../../contract/audit.ts';

/**
 * One entry with its user agent and changes. Another organization's entry is NOT_FOUND, like a missing one. The
 * caller's first read of the hour is recorded (`access`).
 */
export const get = auditReaderProcedure
  .input(getInputSchema)
  .output(entryDetailSchema)
  .query(async ({ ctx, input }) => {
    await noteAccess(ctx, 'audit.get', { id: input.id });
    const entry = await getAuditEntry(ctx.prisma, ctx.organizationId, input.id);
    if (!entry) throw new TRPCError({ code: 'NOT_FOUND', message: 'No audit entry has this id in your organization.' });
    return entry;
  });
