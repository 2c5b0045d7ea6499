/**
 * The API's contract, as tRPC's client reads it. In the workspace it is the server's own type (decision 003: live
 * types); `pnpm build` replaces this file's declaration with a standalone one printed from it
 * (`scripts/router-declarations.ts`), so a consumer typechecks without the server's source.
 */
export type { AppRouter } from '@auditlog/api';
