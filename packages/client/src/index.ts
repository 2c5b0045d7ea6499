/**
 * The typed client for internal Node services:
 *
 *   const audit = createAuditClient({ url: 'https://audit.internal', apiKey: process.env.AUDIT_API_KEY });
 *   const { items, total } = await audit.audit.list.query({ action: 'delete', pageSize: 50 });
 *   await audit.audit.record.mutate({ action: 'export', entityType: 'invoice', entityId: id });
 *
 * Calls made in the same tick are batched into one HTTP request. Only types come from the server.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './app-router.ts';

/** The most calls one HTTP request may carry: the server refuses larger batches, and the client splits them. */
export const MAX_BATCH_SIZE = 10;

export type AuditClientOptions = {
  /** The server's base URL, e.g. `http://localhost:3000` (the client adds `/trpc`). */
  url: string;
  /** Extra headers for every request (a request id, tracing). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
} & ({ apiKey: string; cookie?: never } | { cookie: string; apiKey?: never });

export function createAuditClient(options: AuditClientOptions) {
  const auth: Record<string, string> = options.apiKey
    ? { authorization: `Bearer ${options.apiKey}` }
    : { cookie: options.cookie ?? '' };
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${options.url.replace(/\/$/, '')}/trpc`,
        maxItems: MAX_BATCH_SIZE,
        headers: () => ({ ...options.headers, ...auth }),
        fetch: options.fetch,
      }),
    ],
  });
}

export type AuditClient = ReturnType<typeof createAuditClient>;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type { AppRouter };
export { AuditExportError, exportAuditLog } from './export.ts';
export type { AuditExportFilters, AuditExportRequest, AuditLogExport } from './export.ts';
