import { listInputSchema, listOutputSchema } from '../../contract/audit.ts';
import { listAuditEntries } from '../../services/audit-entries.ts';
import { auditReaderProcedure } from './access.ts';

/** The organization's entries, newest first, filtered, one page at a time, with the exact total. */
export const list = auditReaderProcedure
  .input(listInputSchema)
  .output(listOutputSchema)
  .query(({ ctx, input }) => listAuditEntries(ctx.prisma, ctx.organizationId, input, ctx.cursorKey));
