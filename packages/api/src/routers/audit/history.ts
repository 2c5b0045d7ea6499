import {
  actorsInputSchema,
  actorsOutputSchema,
  historyInputSchema,
  historyOutputSchema,
} from '../../contract/audit.ts';
import { listActors, recordHistory } from '../../services/audit-history.ts';
import { auditReaderProcedure } from './access.ts';

/** One record's entries oldest first, with their changes (and, with includeRelated, its records' entries too). */
export const history = auditReaderProcedure
  .input(historyInputSchema)
  .output(historyOutputSchema)
  .query(({ ctx, input }) => recordHistory(ctx.prisma, ctx.organizationId, input, ctx.cursorKey));

/** The organization's users and API keys, searchable, for the actor filter. */
export const actors = auditReaderProcedure
  .input(actorsInputSchema)
  .output(actorsOutputSchema)
  .query(({ ctx, input }) => listActors(ctx.prisma, ctx.organizationId, input));
