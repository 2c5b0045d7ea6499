import { TRPCError } from '@trpc/server';
import { listAuditEntries, PageOutOfRangeError } from '../../services/audit-entries.ts';
import { InvalidCursorError } from '../../services/cursor.ts';
import { auditReaderProcedure } from './access.ts';
import { listInputSchema, listOutputSchema } from './schemas.ts';

/** The organization's entries, newest first, filtered, one page at a time, with the exact total. */
export const list = auditReaderProcedure
  .input(listInputSchema)
  .output(listOutputSchema)
  .query(async ({ ctx, input }) => {
    try {
      return await listAuditEntries(ctx.prisma, ctx.organizationId, input, ctx.cursorKey);
    } catch (error) {
      if (error instanceof InvalidCursorError || error instanceof PageOutOfRangeError) throw new TRPCError({ code: 'BAD_REQUEST', message: error.message });
      throw error;
    }
  });
