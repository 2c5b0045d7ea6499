/**
 * Admin → Audit Logs: the organization's entries, newest first, filtered by action, entity type and dates, a page at
 * a time, with the details of an entry in a dialog. Filters, page and the open entry live in the URL.
 */
import { useSearchParams } from '@solidjs/router';
import { keepPreviousData, useQuery } from '@tanstack/solid-query';
import { createColumnHelper, createTable, tableFeatures } from '@tanstack/solid-table';
import type { Component } from 'solid-js';
import { createMemo, createSignal, For, Match, onCleanup, Show, Switch } from 'solid-js';
import ChevronLeft from 'lucide-solid/icons/chevron-left';
import ChevronRight from 'lucide-solid/icons/chevron-right';
import { ActionBadge } from '../components/ActionBadge.tsx';
import { ActorCell, EntityCell, IpCell, TimestampCell } from '../components/cells.tsx';
import { EntryDialog } from '../components/EntryDialog.tsx';
import { FiltersBar } from '../components/FiltersBar.tsx';
import { EmptyState, ErrorState, PermissionError, SkeletonRows } from '../components/states.tsx';
import { api, errorCode, errorMessage } from '../lib/api.ts';
import type { AuditEntrySummary } from '../lib/api.ts';
import { filterParams, hasFilters, rangeProblem, readFilters, toListInput } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';
import { SealStatusLine } from '../components/SealStatus.tsx';
import { EvidencePackButton } from '../components/EvidencePackButton.tsx';
import { ExportButton } from '../components/ExportButton.tsx';

const PAGE_SIZE = 25;
const features = tableFeatures({});
const column = createColumnHelper<typeof features, AuditEntrySummary>();

/** The clock the relative times are computed against, refreshed every minute. */
const [now, setNow] = createSignal(new Date());

// Columns at module scope: the table is rebuilt only when its data changes.
const columns = column.columns([
  column.accessor('createdAt', {
    id: 'timestamp',
    header: 'Timestamp',
    cell: (info) => <TimestampCell at={info.getValue()} now={now()} />,
  }),
  column.accessor('actor', { id: 'user', header: 'User', cell: (info) => <ActorCell actor={info.getValue()} /> }),
  column.accessor('action', {
    id: 'action',
    header: 'Action',
    cell: (info) => <ActionBadge action={info.getValue()} />,
  }),
  column.accessor('entity', {
    id: 'entity',
    header: 'Entity',
    cell: (info) => <EntityCell entity={info.getValue()} />,
  }),
  column.accessor('ipAddress', { id: 'ip', header: 'IP Address', cell: (info) => <IpCell ip={info.getValue()} /> }),
  column.display({ id: 'details', header: () => <span class="visually-hidden">Actions</span> }),
]);

const COLUMN_CLASSES: Record<string, string> = {
  timestamp: 'col-time',
  user: 'col-user',
  action: 'col-action',
  entity: 'col-entity',
  ip: 'col-ip',
  details: 'col-details',
};

export const AuditLogsPage: Component = () => {
  const [params, setParams] = useSearchParams<{
    action?: string;
    entity?: string;
    from?: string;
    to?: string;
    page?: string;
    entry?: string;
  }>();
  const filters = createMemo(() => readFilters(params), undefined, {
    equals: (a, b) =>
      a.action === b.action && a.entityType === b.entityType && a.from === b.from && a.to === b.to && a.page === b.page,
  });
  const problem = () => rangeProblem(filters());

  // Cursors met while paging, so Previous/Next walk by keyset instead of an offset; page numbers stay in the URL.
  const cursors = new Map<string, string>();
  const cursorKey = (f: Filters) => JSON.stringify([f.action, f.entityType, f.from, f.to, f.page]);

  const list = useQuery(() => ({
    queryKey: ['audit.list', filters()],
    queryFn: () => api.audit.list.query(toListInput(filters(), PAGE_SIZE, cursors.get(cursorKey(filters())))),
    enabled: !problem(),
    placeholderData: keepPreviousData,
    retry: (count: number, error: unknown) =>
      !['FORBIDDEN', 'UNAUTHORIZED', 'BAD_REQUEST'].includes(errorCode(error) ?? '') && count < 2,
  }));

  const timer = setInterval(() => setNow(new Date()), 60_000);
  onCleanup(() => clearInterval(timer));

  const table = createTable({
    features,
    columns,
    get data() {
      return list.data?.items ?? [];
    },
    getRowId: (row) => row.id,
  });

  /** Any filter change goes back to page 1; `replace` keeps typing in a date field out of the history. */
  const setFilters = (next: Partial<Filters>) => {
    setParams({ ...filterParams({ ...filters(), ...next, page: 1 }), entry: undefined });
  };
  const clearFilters = () =>
    setParams({
      action: undefined,
      entity: undefined,
      from: undefined,
      to: undefined,
      page: undefined,
      entry: undefined,
    });
  const goToPage = (page: number, cursor: string | null) => {
    const target = { ...filters(), page };
    if (cursor) cursors.set(cursorKey(target), cursor);
    setParams(filterParams(target));
  };

  const openEntry = (id: string) => setParams({ entry: id });
  const closeEntry = () => {
    const id = params.entry;
    setParams({ entry: undefined }, { replace: true });
    // Focus returns to the button that opened the dialog.
    queueMicrotask(() =>
      document.querySelector<HTMLButtonElement>(`button[data-entry="${CSS.escape(id ?? '')}"]`)?.focus(),
    );
  };

  const forbidden = () => errorCode(list.error) === 'FORBIDDEN';
  const total = () => list.data?.total;
  const pageCount = () => list.data?.pageCount ?? 0;

  return (
    <Show when={!forbidden()} fallback={<PermissionError message={errorMessage(list.error)} />}>
      <section class="card" aria-labelledby="page-title" aria-busy={list.isFetching}>
        <Show when={list.isFetching && list.data}>
          <div class="progress" role="progressbar" aria-label="Loading entries" />
        </Show>
        <div class="card-header">
          <div>
            <h1 id="page-title">Audit Logs</h1>
            <p>Who did what, to which record, and when, across your organization.</p>
          </div>
          <div class="total num" aria-live="polite">
            <Show when={total() !== undefined} fallback={<span class="skeleton" style={{ width: '96px' }} />}>
              <strong>{total()?.toLocaleString()}</strong> {total() === 1 ? 'entry' : 'entries'}
            </Show>
          </div>
        </div>

        <SealStatusLine now={now()} />
        <EvidencePackButton filters={filters()} disabled={problem() !== null} />
        <ExportButton filters={filters()} disabled={problem() !== null} />

        <FiltersBar filters={filters()} problem={problem()} onChange={setFilters} onClear={clearFilters} />

        <div class="table-wrap">
          <table class="log">
            <colgroup>
              <For each={table.getFlatHeaders()}>{(header) => <col class={COLUMN_CLASSES[header.id]} />}</For>
            </colgroup>
            <thead>
              <For each={table.getHeaderGroups()}>
                {(group) => (
                  <tr>
                    <For each={group.headers}>
                      {(header) => (
                        <th scope="col" classList={{ 'cell-ip': header.id === 'ip' }}>
                          <table.FlexRender header={header} />
                        </th>
                      )}
                    </For>
                  </tr>
                )}
              </For>
            </thead>
            <tbody>
              <Switch>
                <Match when={problem()}>
                  <tr>
                    <td colSpan={columns.length}>
                      <div class="state" role="status">
                        <p>Choose a start date on or before the end date to see entries.</p>
                      </div>
                    </td>
                  </tr>
                </Match>
                <Match when={list.isPending}>
                  <SkeletonRows rows={10} columns={columns.length} />
                </Match>
                <Match when={list.isError && !list.data}>
                  <tr>
                    <td colSpan={columns.length}>
                      <ErrorState message={errorMessage(list.error)} onRetry={() => void list.refetch()} />
                    </td>
                  </tr>
                </Match>
                <Match when={list.data && list.data.items.length === 0}>
                  <tr>
                    <td colSpan={columns.length}>
                      <Show
                        when={(list.data?.total ?? 0) > 0}
                        fallback={
                          <EmptyState>
                            <Show when={hasFilters(filters())}>
                              <button type="button" class="button" onClick={clearFilters}>
                                Clear Filters
                              </button>
                            </Show>
                          </EmptyState>
                        }
                      >
                        <div class="state" role="status">
                          <h2>This page is past the last one</h2>
                          <button type="button" class="button" onClick={() => goToPage(Math.max(1, pageCount()), null)}>
                            Go to page {pageCount()}
                          </button>
                        </div>
                      </Show>
                    </td>
                  </tr>
                </Match>
                <Match when={list.data}>
                  <For each={table.getRowModel().rows}>
                    {(row) => (
                      <tr>
                        <For each={row.getAllCells()}>
                          {(cell) => (
                            <td classList={{ 'cell-ip': cell.column.id === 'ip' }}>
                              <Show when={cell.column.id === 'details'} fallback={<table.FlexRender cell={cell} />}>
                                <button
                                  type="button"
                                  class="button small"
                                  data-entry={row.original.id}
                                  aria-haspopup="dialog"
                                  aria-label={`Details of ${row.original.action} on ${row.original.entity.label}`}
                                  onClick={() => openEntry(row.original.id)}
                                >
                                  Details
                                </button>
                              </Show>
                            </td>
                          )}
                        </For>
                      </tr>
                    )}
                  </For>
                </Match>
              </Switch>
            </tbody>
          </table>
        </div>

        <Show when={pageCount() > 1}>
          <nav class="pagination" aria-label="Pagination">
            <span class="pages num">
              Page {list.data?.page ?? filters().page} of {pageCount().toLocaleString()}
            </span>
            <div class="buttons">
              <button
                type="button"
                class="button small"
                disabled={filters().page <= 1 || list.isFetching}
                onClick={() => goToPage(filters().page - 1, list.data?.prevCursor ?? null)}
              >
                <ChevronLeft aria-hidden /> Previous
              </button>
              <button
                type="button"
                class="button small"
                disabled={filters().page >= pageCount() || list.isFetching}
                onClick={() => goToPage(filters().page + 1, list.data?.nextCursor ?? null)}
              >
                Next <ChevronRight aria-hidden />
              </button>
            </div>
          </nav>
        </Show>
      </section>

      <Show when={params.entry}>{(id) => <EntryDialog id={id()} onClose={closeEntry} />}</Show>
    </Show>
  );
};
