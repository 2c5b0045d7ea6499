/**
 * The full entry in a side drawer that leaves the list visible and usable (a non-modal `role="dialog"`): focus moves
 * to its close button, Esc and the close button close it (the page puts focus back on the row's Details button),
 * J/K and the arrow keys step to the next/previous entry of the list (past a page's edge into the next or previous
 * page), and the open entry stays in the URL, which
 * "Copy link" copies. Loaded on demand: none of it is in the page's first download.
 */
import { actionLabel, entityTypeLabel } from '@auditlog/audit/catalog';
import { A } from '@solidjs/router';
import { keepPreviousData, useQuery } from '@tanstack/solid-query';
import { TRPCClientError } from '@trpc/client';
import type { Component } from 'solid-js';
import { createEffect, createSignal, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import { Portal } from 'solid-js/web';
import ChevronDown from 'lucide-solid/icons/chevron-down';
import ChevronUp from 'lucide-solid/icons/chevron-up';
import History from 'lucide-solid/icons/file-clock';
import Funnel from 'lucide-solid/icons/funnel';
import Link from 'lucide-solid/icons/link';
import X from 'lucide-solid/icons/x';
import { api, errorCode, errorMessage } from '../lib/api.ts';
import type { AuditEntryDetail } from '../lib/api.ts';
import { historyHref, requestHref } from '../lib/filters.ts';
import { formatExact } from '../lib/time.ts';
import { describeUserAgent } from '../lib/user-agent.ts';
import { ActionBadge } from './ActionBadge.tsx';
import { ActorCell, EntityCell } from './cells.tsx';
import { ChangesTable } from './ChangesTable.tsx';
import { EntryNotes } from './EntryNotes.tsx';
import { EntrySealFact } from './SealStatus.tsx';
import { Value } from './Values.tsx';

/** What `audit.get` takes: an entry id is a UUID. A link with anything else is refused here, without a request. */
const ENTRY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A 4xx answer means the request itself is wrong: asking again gives the same answer, so it is never retried. */
function isClientError(error: unknown): boolean {
  const status = error instanceof TRPCClientError ? (error.data as { httpStatus?: number } | undefined)?.httpStatus : 0;
  return status !== undefined && status >= 400 && status < 500;
}

/** Keys that step through the list, unless the admin is typing in a field. */
function stepOf(event: KeyboardEvent): -1 | 1 | 0 {
  if (event.altKey || event.ctrlKey || event.metaKey) return 0;
  const target = event.target;
  if (target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)))
    return 0;
  if (['j', 'ArrowDown', 'ArrowRight'].includes(event.key)) return 1;
  if (['k', 'ArrowUp', 'ArrowLeft'].includes(event.key)) return -1;
  return 0;
}

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** A button that copies `text` and says so. */
const CopyButton: Component<{ text: () => string; label: string; done: string }> = (props) => {
  const [said, setSaid] = createSignal('');
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  const copy = async () => {
    setSaid((await copyText(props.text())) ? props.done : 'Could not copy: select the text instead');
    clearTimeout(timer);
    timer = setTimeout(() => setSaid(''), 2500);
  };
  return (
    <>
      <button type="button" class="button small" onClick={() => void copy()}>
        <Link aria-hidden /> {props.label}
      </button>
      <span class="copied" role="status">
        {said()}
      </span>
    </>
  );
};

const UserAgentFact: Component<{ ua: string | null }> = (props) => (
  <Show when={props.ua} fallback={<span class="dash">—</span>}>
    {(ua) => (
      <div class="two-line">
        <Show when={describeUserAgent(ua())}>{(words) => <span class="ua-parsed">{words()}</span>}</Show>
        <span class="mono secondary ua-raw">{ua()}</span>
      </div>
    )}
  </Show>
);

const Facts: Component<{ data: AuditEntryDetail }> = (props) => (
  <dl class="facts">
    <dt>Timestamp</dt>
    <dd class="num">
      <time datetime={props.data.createdAt}>{formatExact(new Date(props.data.createdAt))}</time>
    </dd>
    <dt>Action</dt>
    <dd>
      <ActionBadge action={props.data.action} />
    </dd>
    <dt>Entity</dt>
    <dd class="entity-fact">
      <EntityCell entity={props.data.entity} />
      <Show when={props.data.entity.exists !== null}>
        <A class="history-link" href={historyHref(props.data.entity)}>
          <History aria-hidden /> Record history
        </A>
      </Show>
    </dd>
    <dt>User</dt>
    <dd>
      <ActorCell actor={props.data.actor} />
    </dd>
    <dt>IP Address</dt>
    <dd class="mono">{props.data.ipAddress ?? '—'}</dd>
    <dt>User Agent</dt>
    <dd>
      <UserAgentFact ua={props.data.userAgent} />
    </dd>
    <dt>Entry ID</dt>
    <dd class="mono">{props.data.id}</dd>
    <dt>Request ID</dt>
    <dd class="request-fact">
      <span class="mono">{props.data.requestId ?? '—'}</span>
      <Show when={props.data.requestId}>
        {(requestId) => (
          <A class="history-link" href={requestHref(requestId())}>
            <Funnel aria-hidden /> Show the request in the list
          </A>
        )}
      </Show>
    </dd>
    <dt>Seal</dt>
    <dd>
      <EntrySealFact seal={props.data.seal} />
    </dd>
  </dl>
);

/** "2 other changes in the same request", each a button that opens it here. */
const SameRequest: Component<{
  related: NonNullable<AuditEntryDetail['sameRequest']>;
  onOpen: (id: string) => void;
}> = (props) => (
  <section class="same-request" aria-labelledby="same-request-title">
    <h3 id="same-request-title">
      {props.related.total === 0
        ? 'No other changes in the same request'
        : `${props.related.total.toLocaleString()} other ${props.related.total === 1 ? 'change' : 'changes'} in the same request`}
    </h3>
    <Show when={props.related.items.length > 0}>
      <ul>
        <For each={props.related.items}>
          {(item) => (
            <li>
              <button type="button" class="related" data-related={item.id} onClick={() => props.onOpen(item.id)}>
                <ActionBadge action={item.action} />
                <span class="entity-type">{entityTypeLabel(item.entity.type)}</span>
                <span class="related-label">{item.entity.label}</span>
                <Show when={item.entity.exists === false}>
                  <span class="deleted">deleted</span>
                </Show>
              </button>
            </li>
          )}
        </For>
      </ul>
      <Show when={props.related.total > props.related.items.length}>
        <p class="muted">The first {props.related.items.length} are listed.</p>
      </Show>
    </Show>
  </section>
);

const Changes: Component<{ data: AuditEntryDetail }> = (props) => (
  <section class="changes" aria-labelledby="changes-title">
    <h3 id="changes-title">Changes</h3>
    <Show
      when={props.data.changes && Object.keys(props.data.changes).length > 0 ? props.data.changes : undefined}
      fallback={
        <>
          <p class="muted">No field changes.</p>
          <Show when={props.data.metadata}>
            {(metadata) => (
              <>
                <h3>Details</h3>
                <Value value={metadata()} />
              </>
            )}
          </Show>
        </>
      }
    >
      {(changes) => <ChangesTable changes={changes()} action={props.data.action} references={props.data.references} />}
    </Show>
  </section>
);

/**
 * Below 1280 px the page cannot make room for the drawer (styles.css), which then covers part of the list: under
 * 900 px all of it, the whole width; from 900 px its right half, with the Action, Entity and Details columns. There
 * it is a modal sheet over a dimmed page (inert, so Tab cannot wander into controls nobody can see, and a click on
 * the dimmed page closes it) until it closes; from 1280 px the list beside it stays usable.
 */
const DRAWER_COVERS_LIST = '(max-width: 1279px)';
function useCoveringSheet() {
  const narrow = window.matchMedia(DRAWER_COVERS_LIST);
  const [covers, setCovers] = createSignal(narrow.matches);
  const onChange = (event: MediaQueryListEvent) => setCovers(event.matches);
  narrow.addEventListener('change', onChange);
  const page = document.getElementById('root');
  createEffect(() => {
    if (page) page.inert = covers();
  });
  // The page is given back before the focus returns to it (an inert element takes no focus).
  const release = () => {
    if (page) page.inert = false;
  };
  onCleanup(() => {
    narrow.removeEventListener('change', onChange);
    release();
  });
  return { covers, release };
}

export interface EntryDrawerProps {
  id: string;
  /** The entries listed, in list order: J/K and the arrows step through them. */
  ids: readonly string[];
  /** Where the listed entries start in the whole filtered list (0 on page 1), and how many it has. */
  offset: number;
  total: number | undefined;
  /** Whether the list has a page before (-1) or after (1) the one listed. */
  canCross: (direction: -1 | 1) => boolean;
  /** Shows the last entry of the previous page (-1) or the first of the next (1), once that page has loaded. */
  onCross: (direction: -1 | 1) => Promise<void>;
  /** Shows another entry in place of this one (stepping: the history is not added to). */
  onStep: (id: string) => void;
  /** Opens another entry (a related one: a new history entry, so Back returns here). */
  onOpen: (id: string) => void;
  onClose: () => void;
}

export const EntryDrawer: Component<EntryDrawerProps> = (props) => {
  let closeButton: HTMLButtonElement | undefined;
  const valid = () => ENTRY_ID.test(props.id);
  const entry = useQuery(() => ({
    queryKey: ['audit.get', props.id],
    queryFn: () => api.audit.get.query({ id: props.id }),
    enabled: valid(),
    retry: (count: number, error: unknown) => !isClientError(error) && count < 2,
    // Stepping keeps the entry shown until the next has loaded: a pending query would suspend the drawer, whose
    // elements then leave the document and take the focus with them (it fell to the body on every J/K).
    placeholderData: keepPreviousData,
  }));
  const loaded = () => entry.data?.id === props.id && !entry.isPlaceholderData;
  const position = () => props.ids.indexOf(props.id);
  const neighbour = (step: -1 | 1) => {
    const at = position();
    return at < 0 ? undefined : props.ids[at + step];
  };
  /** At the page's edge the step goes on into the next or previous page (not from an entry the list does not show). */
  const crosses = (direction: -1 | 1) => position() >= 0 && !neighbour(direction) && props.canCross(direction);
  const canStep = (direction: -1 | 1) => Boolean(neighbour(direction)) || crosses(direction);
  // While the next page loads the buttons stay enabled (a focused button that is disabled drops focus to the body),
  // and further presses wait for it.
  const [crossing, setCrossing] = createSignal(false);
  const [crossFailed, setCrossFailed] = createSignal(false);
  const step = (direction: -1 | 1) => {
    if (crossing()) return;
    const next = neighbour(direction);
    if (next) return props.onStep(next);
    if (!crosses(direction)) return;
    setCrossing(true);
    setCrossFailed(false);
    props
      .onCross(direction)
      .catch(() => setCrossFailed(true))
      .finally(() => setCrossing(false));
  };

  const sheet = useCoveringSheet();
  const close = () => {
    sheet.release();
    props.onClose();
  };
  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
      return;
    }
    const direction = stepOf(event);
    if (direction === 0) return;
    event.preventDefault();
    step(direction);
  };
  onMount(() => {
    closeButton?.focus();
    document.addEventListener('keydown', onKey);
    document.body.classList.add('drawer-open');
  });
  onCleanup(() => {
    document.removeEventListener('keydown', onKey);
    document.body.classList.remove('drawer-open');
  });

  // The title names the entry once it has loaded: "Update · Ticket #1042 Printer offline".
  const title = () => {
    // The entry shown (the previous one until the next has loaded, so the title does not blink).
    const data = valid() ? entry.data : undefined;
    return data
      ? `${actionLabel(data.action)} · ${entityTypeLabel(data.entity.type)} ${data.entity.label}`
      : 'Audit entry';
  };

  return (
    // In the body, beside the page: the page can be made inert without the drawer.
    <Portal>
      <Show when={sheet.covers()}>
        <div class="drawer-backdrop" aria-hidden="true" onClick={close} />
      </Show>
      <aside
        class="drawer"
        role="dialog"
        aria-modal={sheet.covers() ? 'true' : 'false'}
        aria-labelledby="entry-title"
        data-loaded={loaded() ? 'true' : 'false'}
        data-entry={props.id}
      >
        <div class="drawer-header">
          <h2 id="entry-title">{title()}</h2>
          <div class="drawer-tools">
            <button
              type="button"
              class="button ghost small"
              aria-label="Previous entry"
              title="Previous entry (K or ↑)"
              aria-keyshortcuts="K ArrowUp"
              disabled={!canStep(-1)}
              aria-disabled={crossing() ? 'true' : undefined}
              onClick={() => step(-1)}
            >
              <ChevronUp aria-hidden />
            </button>
            <button
              type="button"
              class="button ghost small"
              aria-label="Next entry"
              title="Next entry (J or ↓)"
              aria-keyshortcuts="J ArrowDown"
              disabled={!canStep(1)}
              aria-disabled={crossing() ? 'true' : undefined}
              onClick={() => step(1)}
            >
              <ChevronDown aria-hidden />
            </button>
            <button
              ref={(element) => (closeButton = element)}
              type="button"
              class="button ghost small"
              aria-label="Close details"
              aria-keyshortcuts="Escape"
              onClick={close}
            >
              <X aria-hidden />
            </button>
          </div>
        </div>
        <div class="drawer-body" aria-busy={valid() && !loaded() && !entry.isError}>
          <Switch>
            <Match when={!valid()}>
              <div class="alert" role="alert">
                This link does not name an audit entry: “{props.id.slice(0, 64)}” is not an entry id.
              </div>
            </Match>
            <Match when={entry.isPending}>
              <p class="muted">Loading the entry…</p>
            </Match>
            <Match when={entry.isError}>
              <div class="alert" role="alert">
                {errorCode(entry.error) === 'NOT_FOUND'
                  ? 'This entry does not exist in your organization.'
                  : errorMessage(entry.error)}
              </div>
            </Match>
            <Match when={entry.data}>
              {(data) => (
                <>
                  <div class="drawer-actions">
                    <CopyButton text={() => window.location.href} label="Copy link" done="Link copied" />
                    <span class="muted position num">
                      <Show when={position() >= 0}>
                        <Show when={props.total} fallback={`${position() + 1} of ${props.ids.length} listed`}>
                          {(total) =>
                            `${(props.offset + position() + 1).toLocaleString()} of ${total().toLocaleString()}`
                          }
                        </Show>
                      </Show>
                      <Show when={crossing()}> · loading the page…</Show>
                      <Show when={crossFailed()}> · the page could not be loaded: try again</Show>
                    </span>
                  </div>
                  <Facts data={data()} />
                  <EntryNotes metadata={data().metadata} />
                  <Show when={data().sameRequest}>
                    {(related) => <SameRequest related={related()} onOpen={props.onOpen} />}
                  </Show>
                  <Changes data={data()} />
                </>
              )}
            </Match>
          </Switch>
        </div>
      </aside>
    </Portal>
  );
};

export default EntryDrawer;
