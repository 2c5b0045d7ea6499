/**
 * Admin → Audit Logs: the organization's entries, newest first, filtered by action, entity type and dates, a page at
 * a time, with the details of an entry in a side drawer beside the list. Filters, page and the open entry live in the
 * URL.
 */
import { useSearchParams } from '@solidjs/router';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/solid-query';
import { createColumnHelper, createTable, tableFeatures } from '@tanstack/solid-table';
import type { Component } from 'solid-js';
import { createEffect, createMemo, createSignal, For, lazy, Match, onCleanup, Show, Suspense, Switch } from 'solid-js';
import ChevronLeft from 'lucide-solid/icons/chevron-left';
import ChevronRight from 'lucide-solid/icons/chevron-right';
import { ActionBadge } from '../components/ActionBadge.tsx';
import { TimestampCell, TimestampHeader } from '../components/cells.tsx';
import { FilterableActor, FilterableEntity, FilterableIp } from '../components/FilterCells.tsx';

// The search bar and the investigation's controls are a chunk of their own, loaded while the first rows are: the
// first visit's JavaScript stays within its budget. Their slots keep their height (no layout shift).
const SearchBar = lazy(() => import('../components/SearchBar.tsx').then((m) => ({ default: m.SearchBar })));
const InvestigationFilters = lazy(() =>
  import('../components/InvestigationFilters.tsx').then((m) => ({ default: m.InvestigationFilters })),
);
import { FiltersBar } from '../components/FiltersBar.tsx';
import { EmptyState, ErrorState, PermissionError, SkeletonRows } from '../components/states.tsx';
import { api, errorCode, errorMessage } from '../lib/api.ts';
import type { AuditEntrySummary, AuditList } from '../lib/api.ts';
import { filterParams, hasFilters, rangeProblem, readFilters, zoneOf } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';
import type { ChangeOptions } from '../components/DateRange.tsx';
import { PageOutOfRange } from '../components/Pagination.tsx';
import { listQuery, PAGE_SIZE } from '../lib/list-query.ts';
import { useTitle } from '../lib/title.ts';
import { setDisplayZone, setLinkZone } from '../lib/zone.ts';
import { SealStatusLine } from '../components/SealStatus.tsx';
import { EvidencePackButton } from '../components/EvidencePackButton.tsx';
import { ExportButton } from '../components/ExportButton.tsx';

/** The details drawer is fetched on demand (first hover or focus of a Details button): not in the first download. */
const loadDrawer = () => import('../components/EntryDrawer.tsx');
const EntryDrawer = lazy(loadDrawer);

/**
 * What the open drawer left in `history.state`: how many history entries it pushed (opening from the list pushes one,
 * opening a related entry another, stepping with J/K replaces), and whether stepping crossed into another page of the
 * list. Closing goes back that many, so Back after closing leaves the page instead of landing on the same list again;
 * after a crossing the entry it goes back to is of the page the drawer was opened on, so closing then stays where the
 * admin stepped to instead.
 */
interface DrawerState {
  drawer: number;
  crossed: boolean;
}
const drawerState = (): DrawerState => {
  const state: unknown = window.history.state;
  const { drawer, crossed } = state && typeof state === 'object' ? (state as Partial<Record<string, unknown>>) : {};
  return { drawer: typeof drawer === 'number' && drawer > 0 ? drawer : 0, crossed: crossed === true };
};
/** Times show in the zone the dates are in (the link's, or the admin's own); the page's links keep the link's. */
function showZoneOf(filters: Filters): void {
  setDisplayZone(zoneOf(filters));
  setLinkZone(filters.tz);
}

const features = tableFeatures({});
const column = createColumnHelper<typeof features, AuditEntrySummary>();

/** The clock the relative times are computed against, refreshed every minute. */
const [now, setNow] = createSignal(new Date());

/** What a click on a row's user, entity or IP does: the page sets it (the columns live at module scope). */
let filterFromRow: (next: Partial<Filters>) => void = () => undefined;
const byRow = (next: Partial<Filters>) => filterFromRow(next);

// Columns at module scope: the table is rebuilt only when its data changes.
const columns = column.columns([
  column.accessor('createdAt', {
    id: 'timestamp',
    header: () => <TimestampHeader />,
    cell: (info) => <TimestampCell at={info.getValue()} now={now()} />,
  }),
  column.accessor('actor', {
    id: 'user',
    header: 'User',
    cell: (info) => <FilterableActor actor={info.getValue()} onFilter={byRow} />,
  }),
  column.accessor('action', {
    id: 'action',
    header: 'Action',
    cell: (info) => <ActionBadge action={info.getValue()} />,
  }),
  column.accessor('entity', {
    id: 'entity',
    header: 'Entity',
    cell: (info) => <FilterableEntity entity={info.getValue()} onFilter={byRow} />,
  }),
  column.accessor('ipAddress', {
    id: 'ip',
    header: 'IP Address',
    cell: (info) => <FilterableIp ip={info.getValue()} onFilter={byRow} />,
  }),
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

/** The actor picker's and the search bar's people: the organization's users, searched as the admin types. */
function useActors(enabled: () => boolean) {
  const [actorQuery, setActorQuery] = createSignal('');
  const actors = useQuery(() => ({
    queryKey: ['audit.actors', actorQuery()],
    queryFn: () => api.audit.actors.query({ query: actorQuery() || undefined, limit: 50 }),
    enabled: enabled(),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  }));
  return [actors, setActorQuery] as const;
}

type SetParams = (
  params: Record<string, string | undefined>,
  options?: { replace?: boolean; state?: DrawerState },
) => void;

/** Opening, stepping through and closing the drawer's entry, in the URL (`entry`) and the history depth it pushed. */
function entryNavigation(entry: () => string | undefined, setParams: SetParams) {
  const openEntry = (id: string) =>
    setParams({ entry: id }, { state: { ...drawerState(), drawer: drawerState().drawer + 1 } });
  const stepEntry = (id: string) => setParams({ entry: id }, { replace: true, state: drawerState() });
  /** Steps into another page of the list: its page (or cursor's page) and the entry change in one history entry. */
  const crossTo = (pageParams: Record<string, string | undefined>, id: string) =>
    setParams({ ...pageParams, entry: id }, { replace: true, state: { drawer: 0, crossed: true } });
  const closeEntry = () => {
    // Focus returns to the Details button of the entry shown (the list stays, so the button is there).
    document.querySelector<HTMLButtonElement>(`button[data-entry="${CSS.escape(entry() ?? '')}"]`)?.focus();
    const { drawer, crossed } = drawerState();
    if (drawer > 0 && !crossed) return window.history.go(-drawer);
    if (drawer === 0) return setParams({ entry: undefined }, { replace: true });
    // Related entries opened after a crossing: back to the crossing's entry, then the drawer closes on its page.
    window.addEventListener('popstate', () => setParams({ entry: undefined }, { replace: true }), { once: true });
    window.history.go(-drawer);
  };
  return { openEntry, stepEntry, crossTo, closeEntry };
}

/** Every filter, the page and the entry removed from the URL (the zone stays). */
const CLEARED = {
  actor: undefined,
  ip: undefined,
  record: undefined,
  within: undefined,
  request: undefined,
  action: undefined,
  entity: undefined,
  from: undefined,
  to: undefined,
  page: undefined,
  entry: undefined,
};

/** The open entry's row stays in view as the drawer steps (at 1440 px the list is beside it). */
function keepInView(entry: () => string | undefined, listed: () => string[]): void {
  createEffect(() => {
    const id = entry();
    if (id && listed().includes(id))
      document
        .querySelector(`button[data-entry="${CSS.escape(id)}"]`)
        ?.closest('tr')
        ?.scrollIntoView({ block: 'nearest' });
  });
}

/**
 * The drawer steps past the page's edge into the next or previous page: that page is read first (by its cursor, as
 * Next/Previous would), then the page and the entry change together, so the URL never names an entry of a page that
 * is not shown.
 */
function pageCrossing(page: {
  current: () => AuditList | undefined;
  filters: () => Filters;
  pageCount: () => number;
  cursors: Map<string, string>;
  cursorKey: (filters: Filters) => string;
  crossTo: (pageParams: Record<string, string | undefined>, id: string) => void;
}) {
  const queryClient = useQueryClient();
  const canCross = (direction: -1 | 1) =>
    Boolean(page.current()) && (direction > 0 ? page.filters().page < page.pageCount() : page.filters().page > 1);
  const cross = async (direction: -1 | 1) => {
    const data = page.current();
    if (!data || !canCross(direction)) return;
    const target = { ...page.filters(), page: page.filters().page + direction };
    const cursor = direction > 0 ? data.nextCursor : data.prevCursor;
    if (cursor) page.cursors.set(page.cursorKey(target), cursor);
    const next = await queryClient.fetchQuery(listQuery(target, cursor ?? undefined));
    const id = direction > 0 ? next.items[0]?.id : next.items.at(-1)?.id;
    if (id) page.crossTo(filterParams(target), id);
  };
  return { canCross, cross };
}

export const AuditLogsPage: Component = () => {
  const [params, setParams] = useSearchParams<{
    action?: string;
    entity?: string;
    from?: string;
    to?: string;
    tz?: string;
    page?: string;
    entry?: string;
    actor?: string;
    ip?: string;
    record?: string;
    within?: string;
    request?: string;
  }>();
  const filters = createMemo(() => readFilters(params), undefined, {
    equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });
  const problem = () => rangeProblem(filters());
  // Times show in the zone the dates are in: the link's, or the admin's own.
  createEffect(() => showZoneOf(filters()));

  // Cursors met while paging, so Previous/Next walk by keyset instead of an offset; page numbers stay in the URL.
  const cursors = new Map<string, string>();
  const cursorKey = (f: Filters) => JSON.stringify(f);

  const list = useQuery(() => ({
    ...listQuery(filters(), cursors.get(cursorKey(filters()))),
    enabled: !problem(),
    placeholderData: keepPreviousData,
  }));
  /** The answer for the filters in the URL (not the previous one kept on screen while it loads). */
  const current = () => (list.isPlaceholderData ? undefined : list.data);

  const forbidden = () => errorCode(list.error) === 'FORBIDDEN';
  const [actors, setActorQuery] = useActors(() => !forbidden());

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
  const setFilters = (next: Partial<Filters>, options?: ChangeOptions) => {
    setParams({ ...filterParams({ ...filters(), ...next, page: 1 }), entry: undefined }, { replace: options?.replace });
  };
  filterFromRow = setFilters;
  const clearFilters = () => setParams(CLEARED);
  let results: HTMLDivElement | undefined;
  const goToPage = (page: number, cursor: string | null) => {
    const target = { ...filters(), page };
    if (cursor) cursors.set(cursorKey(target), cursor);
    setParams(filterParams(target));
    // Focus and the view go to the top of the new rows (the button pressed may scroll away or disappear).
    results?.focus({ preventScroll: true });
    results?.scrollIntoView({ block: 'start' });
  };

  const { openEntry, stepEntry, crossTo, closeEntry } = entryNavigation(() => params.entry, setParams);
  const listedIds = createMemo(() => list.data?.items.map((item) => item.id) ?? []);

  const { canCross, cross } = pageCrossing({
    current,
    filters,
    pageCount: () => pageCount(),
    cursors,
    cursorKey,
    crossTo,
  });
  keepInView(() => params.entry, listedIds);

  // No total for a range that is not sent (it would be the previous range's).
  const total = () => (problem() ? undefined : list.data?.total);
  const pageCount = () => list.data?.pageCount ?? 0;
  const pastLastPage = () => errorCode(list.error) === 'BAD_REQUEST' && filters().page > 1;
  useTitle(() => {
    if (forbidden()) return 'Access denied';
    const data = current();
    const where = data && data.pageCount > 1 ? ` (page ${data.page} of ${data.pageCount.toLocaleString()})` : '';
    return `${params.entry ? 'Entry details · ' : ''}Audit Logs${hasFilters(filters()) ? ' · filtered' : ''}${where}`;
  });

  return (
    <Show when={!forbidden()} fallback={<PermissionError message={errorMessage(list.error)} />}>
      <section class="card list-card" aria-labelledby="page-title" aria-busy={list.isFetching}>
        <Show when={list.isFetching && list.data}>
          <div class="progress" role="progressbar" aria-label="Loading entries" />
        </Show>
        <div class="card-header">
          <div>
            <h1 id="page-title">Audit Logs</h1>
            <p>Who did what, to which record, and when, across your organization.</p>
          </div>
          <div class="total num" aria-live="polite">
            <Show
              when={total() !== undefined}
              fallback={problem() ? <span>—</span> : <span class="skeleton" style={{ width: '96px' }} />}
            >
              <strong>{total()?.toLocaleString()}</strong> {total() === 1 ? 'entry' : 'entries'}
            </Show>
          </div>
        </div>

        <SealStatusLine now={now()} />
        <div class="page-tools">
          <EvidencePackButton filters={filters()} disabled={problem() !== null} />
          {/* Last on the row: its progress and messages grow to the right without moving the other button. */}
          <ExportButton filters={filters()} total={total()} disabled={problem() !== null} />
        </div>

        <div class="search-slot">
          <SearchBar
            filters={filters()}
            users={actors.data?.users ?? []}
            systems={(actors.data?.apiKeys ?? []).map((key) => key.name)}
            onApply={(next) => setFilters(next)}
          />
        </div>
        <FiltersBar filters={filters()} problem={problem()} onChange={setFilters} onClear={clearFilters} />
        <div class="investigation-slot">
          <InvestigationFilters
            filters={filters()}
            actors={actors.data}
            onActorQuery={setActorQuery}
            onChange={setFilters}
          />
        </div>

        <div
          class="table-wrap"
          ref={(element) => (results = element)}
          tabindex="-1"
          aria-label={current() ? `Entries, page ${current()?.page} of ${current()?.pageCount}` : 'Entries'}
          role="region"
        >
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
                <Match when={pastLastPage()}>
                  <tr>
                    <td colSpan={columns.length}>
                      <PageOutOfRange filters={filters()} onGo={(page) => goToPage(page, null)} />
                    </td>
                  </tr>
                </Match>
                <Match when={list.isError && !list.data}>
                  <tr>
                    <td colSpan={columns.length}>
                      <ErrorState
                        message={errorMessage(list.error)}
                        onRetry={errorCode(list.error) === 'BAD_REQUEST' ? undefined : () => void list.refetch()}
                      >
                        <Show when={hasFilters(filters())}>
                          <button type="button" class="button" onClick={clearFilters}>
                            Clear Filters
                          </button>
                        </Show>
                      </ErrorState>
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
                      <tr classList={{ current: params.entry === row.original.id }}>
                        <For each={row.getAllCells()}>
                          {(cell) => (
                            <td classList={{ 'cell-ip': cell.column.id === 'ip' }}>
                              <Show when={cell.column.id === 'details'} fallback={<table.FlexRender cell={cell} />}>
                                <button
                                  type="button"
                                  class="button small"
                                  data-entry={row.original.id}
                                  aria-haspopup="dialog"
                                  aria-expanded={params.entry === row.original.id}
                                  aria-label={`Details of ${row.original.action} on ${row.original.entity.label}`}
                                  onPointerEnter={() => void loadDrawer()}
                                  onFocus={() => void loadDrawer()}
                                  onClick={() =>
                                    params.entry === row.original.id
                                      ? closeEntry()
                                      : params.entry
                                        ? stepEntry(row.original.id)
                                        : openEntry(row.original.id)
                                  }
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

        <Show when={!problem() && !list.isError && pageCount() > 1}>
          <nav class="pagination" aria-label="Pagination">
            <span class="pages num">
              Page {(list.data?.page ?? 1).toLocaleString()} of {pageCount().toLocaleString()}
            </span>
            <div class="buttons">
              <button
                type="button"
                class="button small"
                disabled={filters().page <= 1}
                // Not disabled while loading: a focused button that is disabled drops focus to the body.
                aria-disabled={list.isFetching ? 'true' : undefined}
                onClick={() => !list.isFetching && goToPage(filters().page - 1, list.data?.prevCursor ?? null)}
              >
                <ChevronLeft aria-hidden /> Previous
              </button>
              <button
                type="button"
                class="button small"
                disabled={filters().page >= pageCount()}
                aria-disabled={list.isFetching ? 'true' : undefined}
                onClick={() => !list.isFetching && goToPage(filters().page + 1, list.data?.nextCursor ?? null)}
              >
                Next <ChevronRight aria-hidden />
              </button>
            </div>
          </nav>
        </Show>
      </section>

      <Show when={params.entry}>
        {(id) => (
          <Suspense>
            <EntryDrawer
              id={id()}
              ids={listedIds()}
              offset={((current()?.page ?? 1) - 1) * PAGE_SIZE}
              total={current()?.total}
              canCross={canCross}
              onCross={cross}
              onStep={stepEntry}
              onOpen={openEntry}
              onClose={closeEntry}
            />
          </Suspense>
        )}
      </Show>
    </Show>
  );
};
