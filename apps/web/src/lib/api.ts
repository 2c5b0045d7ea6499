/**
 * The API, typed end to end from the server's router. Only types are imported from the server packages, so no server
 * code reaches the bundle.
 */
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { MAX_BATCH_SIZE } from '@auditlog/client';
import type { AppRouter, RouterInputs, RouterOutputs } from '@auditlog/client';

export const api = createTRPCClient<AppRouter>({
  links: [httpBatchLink({ url: '/trpc', maxItems: MAX_BATCH_SIZE })],
});

export type AuditListInput = RouterInputs['audit']['list'];
export type AuditList = RouterOutputs['audit']['list'];
export type AuditEntrySummary = AuditList['items'][number];
export type AuditEntryDetail = RouterOutputs['audit']['get'];
export type Me = NonNullable<RouterOutputs['auth']['me']>;

/** The tRPC error code of a failed call (`FORBIDDEN`, `UNAUTHORIZED`, …), if it is one. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
}

/** A message fit for the page: the server's words for errors it explains, a plain sentence for network failures. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (!error.data) return 'The server could not be reached. Check your connection and try again.';
    return error.message;
  }
  return error instanceof Error ? error.message : 'Something went wrong.';
}
export type ActorsList = RouterOutputs['audit']['actors'];
export type RecordHistory = RouterOutputs['audit']['history'];
