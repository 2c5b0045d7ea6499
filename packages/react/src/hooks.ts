import type { AppRouter, RouterInputs } from '@auditlog/api/client';
import { skipToken } from '@tanstack/react-query';
import type { inferReactQueryProcedureOptions } from '@trpc/react-query';
import { trpc } from './trpc.ts';

type Options = inferReactQueryProcedureOptions<AppRouter>['audit'];

/** A page of the organization's log, newest first: `data.items`, `data.total`, cursors for the next pages. */
export function useAuditList(input: RouterInputs['audit']['list'] = {}, options?: Options['list']) {
  return trpc.audit.list.useQuery(input, options);
}

/** One entry with its changes and metadata; idle until `id` is known. */
export function useAuditEntry(id: string | undefined, options?: Options['get']) {
  return trpc.audit.get.useQuery(id ? { id } : skipToken, options);
}

/** Records a custom action (`export`, `sync`, …); lists refetch once it is recorded. */
export function useRecordAuditEntry(options?: Options['record']) {
  const utils = trpc.useUtils();
  return trpc.audit.record.useMutation({
    ...options,
    async onSuccess(...args) {
      await utils.audit.list.invalidate();
      await options?.onSuccess?.(...args);
    },
  });
}
