/**
 * Admin → Audit Logs → a record's history (`/admin/audit-logs/records/:entityType/:entityId`): every entry of one
 * record, oldest first, each change as a Before / After diff, for records since deleted too (named from their last
 * snapshot). "Include records that belong to it" shows the roll-up: for a client, its contacts, tickets, invoices…
 * Loaded lazily: the list page's first visit does not carry it.
 */
import { entityTypeLabel } from '@auditlog/audit/catalog';
import { A, useParams, useSearchParams } from '@solidjs/router';
import { useInfiniteQuery } from '@tanstack/solid-query';
import type { Component } from 'solid-js';
import { createEffect, For, Show } from 'solid-js';
import ArrowLeft from 'lucide-solid/icons/arrow-left';
import { ActionBadge } from '../components/ActionBadge.tsx';
import { ActorCell, EntityCell } from '../components/cells.tsx';
import { ChangesTable } from '../components/ChangesTable.tsx';
import { ErrorState, PermissionError } from '../components/states.tsx';
import { api, errorCode, errorMessage } from '../lib/api.ts';
import type { RecordHistory } from '../lib/api.ts';
import { historyHref, recordParam } from '../lib/filters.ts';
import { formatFull } from '../lib/time.ts';
import { useTitle } from '../lib/title.ts';
import { isZone, localZone, setDisplayZone, setLinkZone } from '../lib/zone.ts';

type Item = RecordHistory['items'][number];

const HistoryEntry: Component<{ item: Item; related: boolean }> = (props) => (
  <li class="history-entry">
    <div class="history-meta">
      <time class="num" datetime={props.item.createdAt}>
        {formatFull(new Date(props.item.createdAt))}
      </time>
      <ActionBadge action={props.item.action} />
      <ActorCell actor={props.item.actor} />
      <Show when={props.item.ipAddress}>{(ip) => <span class="mono secondary">{ip()}</span>}</Show>
      <Show when={props.related}>
        <a class="history-entity" href={historyHref(props.item.entity)}>
          <EntityCell entity={props.item.entity} />
        </a>
      </Show>
    </div>
    <Show
      when={props.item.changes && Object.keys(props.item.changes).length > 0 ? props.item.changes : null}
      fallback={<p class="secondary">No field changes</p>}
    >
      {(changes) => <ChangesTable changes={changes()} action={props.item.action} references={props.item.references} />}
    </Show>
  </li>
);

export const RecordHistoryPage: Component = () => {
  const params = useParams<{ entityType: string; entityId: string }>();
  const [search, setSearch] = useSearchParams<{ related?: string; tz?: string }>();
  const related = () => search.related === '1';
  const history = useInfiniteQuery(() => ({
    queryKey: ['audit.history', params.entityType, params.entityId, related()],
    queryFn: ({ pageParam }: { pageParam: string | undefined }) =>
      api.audit.history.query({
        entityType: params.entityType,
        entityId: params.entityId,
        includeRelated: related(),
        limit: 100,
        cursor: pageParam,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: RecordHistory) => last.nextCursor ?? undefined,
    retry: (count: number, error: unknown) =>
      !['FORBIDDEN', 'UNAUTHORIZED', 'BAD_REQUEST'].includes(errorCode(error) ?? '') && count < 2,
  }));
  const first = () => history.data?.pages[0];
  const items = () => history.data?.pages.flatMap((page) => page.items) ?? [];
  const title = () => {
    const record = first()?.record;
    return record ? `${entityTypeLabel(record.type)} ${record.label}` : entityTypeLabel(params.entityType);
  };
  useTitle(() => `History of ${title()} · Audit Logs`);
  // Times show in the zone the link names (`?tz=UTC`, as the list's links carry it), else the admin's own.
  createEffect(() => {
    setDisplayZone(search.tz && isZone(search.tz) ? search.tz : localZone());
    setLinkZone(search.tz ?? '');
  });
  const listHref = () =>
    `/admin/audit-logs?${new URLSearchParams({
      ...(related()
        ? { within: recordParam(params) }
        : { record: recordParam({ entityType: params.entityType, entityId: params.entityId }) }),
      ...(search.tz && isZone(search.tz) ? { tz: search.tz } : {}),
    })}`;

  return (
    <Show
      when={errorCode(history.error) !== 'FORBIDDEN'}
      fallback={<PermissionError message={errorMessage(history.error)} />}
    >
      <section class="card" aria-labelledby="history-title" aria-busy={history.isFetching}>
        <div class="card-header">
          <div>
            <A class="back-link" href="/admin/audit-logs">
              <ArrowLeft aria-hidden /> Audit Logs
            </A>
            <h1 id="history-title">
              History of {title()}
              <Show when={first()?.record.exists === false}>
                <span class="deleted"> deleted</span>
              </Show>
            </h1>
            <p>
              Every entry of this record, oldest first
              {related() ? ', with those of every record that belongs to it' : ''}.{' '}
              <a href={listHref()}>Show in the list</a>
            </p>
          </div>
          <div class="total num" aria-live="polite">
            <Show when={first()}>
              {(page) => (
                <>
                  <strong>{page().total.toLocaleString()}</strong> {page().total === 1 ? 'entry' : 'entries'}
                </>
              )}
            </Show>
          </div>
        </div>
        <div class="history-options">
          <label>
            <input
              type="checkbox"
              checked={related()}
              onChange={(event) => setSearch({ related: event.currentTarget.checked ? '1' : undefined })}
            />{' '}
            Include records that belong to it{params.entityType === 'client' ? ' (contacts, tickets, invoices, …)' : ''}
          </label>
        </div>
        <Show
          when={!history.isError || history.data}
          fallback={<ErrorState message={errorMessage(history.error)} onRetry={() => void history.refetch()} />}
        >
          <Show when={!history.isPending} fallback={<p class="state">Loading history…</p>}>
            <Show
              when={items().length > 0}
              fallback={
                <div class="state" role="status">
                  <p>No entries for this record.</p>
                </div>
              }
            >
              <ol class="history" aria-label={`Entries of ${title()}, oldest first`}>
                <For each={items()}>{(item) => <HistoryEntry item={item} related={related()} />}</For>
              </ol>
            </Show>
          </Show>
        </Show>
        <Show when={history.hasNextPage}>
          <div class="pagination">
            <button
              type="button"
              class="button"
              disabled={history.isFetchingNextPage}
              onClick={() => void history.fetchNextPage()}
            >
              Load later entries
            </button>
          </div>
        </Show>
      </section>
    </Show>
  );
};

export default RecordHistoryPage;
