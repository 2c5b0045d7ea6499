/**
 * React bindings for the audit API: `<AuditProvider>` and typed hooks over `@trpc/react-query`. Only types come from
 * the server (`import type`), so no server code reaches the app's bundle.
 */
export { trpc } from './trpc.ts';
export { AuditProvider } from './provider.tsx';
export type { AuditProviderProps } from './provider.tsx';
export { useAuditEntry, useAuditList, useRecordAuditEntries, useRecordAuditEntry } from './hooks.ts';
export type { RouterInputs, RouterOutputs } from '@auditlog/client';
