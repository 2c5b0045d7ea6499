import { listInputSchema, listOutputSchema } from '../../contract/audit.ts';
import { listAuditEntries } from '../../services/audit-entries.ts';
import { filtersUsed } from '../../services/audit-log-reads.ts';
import { auditReaderProcedure, noteAccess } from './access.ts';

/**
 * The organization's entries, newest first, filtered, one page at a time, with the exact total. The caller's first
 * read of the hour is recorded (`access`, with the filters used).
 */
export const list = auditReaderProcedure
  .input(listInputSchema)
  .output(listOutputSchema)
  .query(async ({ ctx, input }) => {
    const page = await listAuditEntries(ctx.prisma, ctx.organizationId, input, ctx.cursorKey);
    await noteAccess(ctx, 'audit.list', filtersUsed(input));
    return page;
  });
