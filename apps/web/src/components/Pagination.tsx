/** What the page shows for a page number past the last page (a stale link, `?page=99999999999`). */
import { useQuery } from '@tanstack/solid-query';
import type { Component } from 'solid-js';
import { Show } from 'solid-js';
import CircleAlert from 'lucide-solid/icons/circle-alert';
import type { Filters } from '../lib/filters.ts';
import { listQuery } from '../lib/list-query.ts';

export const PageOutOfRange: Component<{ filters: Filters; onGo: (page: number) => void }> = (props) => {
  // The first page says how many there are (and is the page most likely wanted next).
  const first = useQuery(() => listQuery({ ...props.filters, page: 1 }));
  const last = () => Math.max(1, first.data?.pageCount ?? 1);
  return (
    <div class="state" role="status">
      <CircleAlert class="state-icon" aria-hidden />
      <h2>There is no page {props.filters.page.toLocaleString()}</h2>
      <Show when={first.data} fallback={<p>Looking up the last page…</p>}>
        {(data) => (
          <p>
            {data().total === 0
              ? 'No entries match these filters.'
              : `These filters have ${data().pageCount.toLocaleString()} ${data().pageCount === 1 ? 'page' : 'pages'}.`}
          </p>
        )}
      </Show>
      <button type="button" class="button" disabled={!first.data} onClick={() => props.onGo(last())}>
        Go to page {last().toLocaleString()}
      </button>
    </div>
  );
};
