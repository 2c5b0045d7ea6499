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
    // Before the read: the reader's own access entry is in what they read, so the page's total is the log's.
    await noteAccess(ctx, 'audit.list', filtersUsed(input));
    return listAuditEntries(ctx.prisma, ctx.organizationId, input, ctx.cursorKey);
  });
