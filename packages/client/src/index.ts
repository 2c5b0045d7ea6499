/**
 * The typed client for internal Node services:
 *
 *   const audit = createAuditClient({ url: 'https://audit.internal', apiKey: process.env.AUDIT_API_KEY });
 *   const { items, total } = await audit.audit.list.query({ action: 'delete', pageSize: 50 });
 *   await audit.audit.record.mutate({ action: 'export', entityType: 'invoice', entityId: id });
 *
 * Calls made in the same tick are batched into one HTTP request (`audit.record` calls in requests of their own, more
 * of them to a request). Only types come from the server.
 */
import { createTRPCClient, httpBatchLink, splitLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './app-router.ts';

/** The most calls one HTTP request may carry: the server refuses larger batches, and the client splits them. */
export const MAX_BATCH_SIZE = 10;

/**
 * The most `audit.record` calls one request may carry when it carries nothing else. A call is one small entry, and
 * the server writes the calls of a request with one statement (its record fold), so a larger batch spreads the
 * request's cost (HTTP, the key's lookup, the limit's statement, the insert) over more entries.
 */
export const MAX_RECORD_BATCH_SIZE = 50;

/** The procedure whose calls are batched by MAX_RECORD_BATCH_SIZE. */
export const RECORD_PATH = 'audit.record';

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
  const batch = (maxItems: number) =>
    httpBatchLink({
      url: `${options.url.replace(/\/$/, '')}/trpc`,
      maxItems,
      headers: () => ({ ...options.headers, ...auth }),
      fetch: options.fetch,
    });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'mutation' && op.path === RECORD_PATH,
        true: batch(MAX_RECORD_BATCH_SIZE),
        false: batch(MAX_BATCH_SIZE),
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
