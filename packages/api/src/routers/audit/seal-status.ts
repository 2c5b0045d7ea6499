import { z } from 'zod';
import { sealStatusSchema } from '../../contract/audit.ts';
import { getSealStatus } from '../../services/audit-seal.ts';
import { auditReaderProcedure } from './access.ts';

/** When the organization's log was last sealed and verified (decision 015). */
export const sealStatus = auditReaderProcedure
  .input(z.object({}).optional())
  .output(sealStatusSchema)
  .query(({ ctx }) => getSealStatus(ctx.prisma, ctx.organizationId));
