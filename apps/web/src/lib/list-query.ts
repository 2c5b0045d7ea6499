/**
 * The list's query, shared by the page and the route's preload: on a first visit the list is asked for in the same
 * tick as `auth.me` (one batched request) instead of after it (issue 13: a 250 ms waterfall).
 */
import type { QueryClient } from '@tanstack/solid-query';
import { api, errorCode } from './api.ts';
import { rangeProblem, readFilters, toListInput } from './filters.ts';
import type { Filters } from './filters.ts';

export const PAGE_SIZE = 25;

/** Errors that asking again cannot mend. */
const FINAL_ERRORS = ['FORBIDDEN', 'UNAUTHORIZED', 'BAD_REQUEST', 'NOT_FOUND'];

export function listQuery(filters: Filters, cursor?: string) {
  return {
    queryKey: ['audit.list', filters] as const,
    queryFn: () => api.audit.list.query(toListInput(filters, PAGE_SIZE, cursor)),
    retry: (count: number, error: unknown) => !FINAL_ERRORS.includes(errorCode(error) ?? '') && count < 2,
  };
}

/** The route's preload: on the first load of the page, start its list call before the session is known. */
export function preloadList(client: QueryClient, query: Partial<Record<string, string | string[]>>): void {
  const filters = readFilters(query);
  if (rangeProblem(filters)) return;
  void client.prefetchQuery(listQuery(filters));
}
