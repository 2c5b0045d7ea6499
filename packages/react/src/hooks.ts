import type { AppRouter, RouterInputs, RouterOutputs } from '@auditlog/client';
import { skipToken } from '@tanstack/react-query';
import type { TRPCClientErrorLike } from '@trpc/client';
import type { inferReactQueryProcedureOptions } from '@trpc/react-query';
import type { UseTRPCMutationResult, UseTRPCQueryResult } from '@trpc/react-query/shared';
import { trpc } from './trpc.ts';

type Options = inferReactQueryProcedureOptions<AppRouter>['audit'];
type AuditError = TRPCClientErrorLike<AppRouter>;
// Written out, so the published declarations name only tRPC's public types.
type Query<T> = UseTRPCQueryResult<T, AuditError>;
type Outputs = RouterOutputs['audit'];

/** A page of the organization's log, newest first: `data.items`, `data.total`, cursors for the next pages. */
export function useAuditList(
  input: RouterInputs['audit']['list'] = {},
  options?: Options['list'],
): Query<Outputs['list']> {
  return trpc.audit.list.useQuery(input, options);
}

/** One entry with its changes and metadata; idle until `id` is known. */
export function useAuditEntry(id: string | undefined, options?: Options['get']): Query<Outputs['get']> {
  return trpc.audit.get.useQuery(id ? { id } : skipToken, options);
}

/** Records a custom action (`export`, `sync`, …); lists refetch once it is recorded. */
export function useRecordAuditEntry(
  options?: Options['record'],
): UseTRPCMutationResult<Outputs['record'], AuditError, RouterInputs['audit']['record'], unknown> {
  const utils = trpc.useUtils();
  return trpc.audit.record.useMutation({
    ...options,
    async onSuccess(...args) {
      await utils.audit.list.invalidate();
      await options?.onSuccess?.(...args);
    },
  });
}

/** Records up to 500 custom entries in one call, all or nothing (`audit.recordMany`); lists refetch once written. */
export function useRecordAuditEntries(
  options?: Options['recordMany'],
): UseTRPCMutationResult<Outputs['recordMany'], AuditError, RouterInputs['audit']['recordMany'], unknown> {
  const utils = trpc.useUtils();
  return trpc.audit.recordMany.useMutation({
    ...options,
    async onSuccess(...args) {
      await utils.audit.list.invalidate();
      await options?.onSuccess?.(...args);
    },
  });
}
