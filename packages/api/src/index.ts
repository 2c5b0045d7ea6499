export { appRouter } from './root.ts';
export type { AppRouter } from './root.ts';
export { createContextInner, createHttpContext, requestOrigin, resolveIdentity } from './context.ts';
export type { ApiServices, Context, HttpContextOptions, Identity } from './context.ts';
export { createCallerFactory } from './trpc.ts';
export { AUDIT_READ_FORBIDDEN } from './routers/audit/access.ts';
export { countAuditEntries, getAuditEntry, listAuditEntries } from './services/audit-entries.ts';
export { resolveEntityLabels, shortId } from './services/entity-labels.ts';
export * from './routers/audit/schemas.ts';
