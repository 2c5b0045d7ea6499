import { auditRouter } from './routers/audit/index.ts';
import { authRouter } from './routers/auth/index.ts';
import { router } from './trpc.ts';

export const appRouter = router({ audit: auditRouter, auth: authRouter });

/** The whole API's type: import it with `import type` only, so no server code reaches a client bundle. */
export type AppRouter = typeof appRouter;
