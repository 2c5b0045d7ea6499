import type { AppRouter } from '@auditlog/client';
import { createTRPCReact } from '@trpc/react-query';

/** The typed tRPC hooks for the whole API (`trpc.audit.list.useQuery`, `trpc.useUtils()`, …). */
export const trpc = createTRPCReact<AppRouter>();
