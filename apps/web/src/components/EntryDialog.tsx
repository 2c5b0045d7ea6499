/**
 * The full entry in a native modal dialog: focus moves to its close button and is trapped inside, Esc closes it, and
 * the caller puts focus back on the row's Details button.
 */
import { actionLabel, entityTypeLabel } from '@auditlog/audit/catalog';
import { useQuery } from '@tanstack/solid-query';
import type { Component } from 'solid-js';
import { createEffect, For, Match, onCleanup, onMount, Show, Switch } from 'solid-js';
import X from 'lucide-solid/icons/x';
import { api, errorCode, errorMessage } from '../lib/api.ts';
import { formatExact } from '../lib/time.ts';
import { ActionBadge } from './ActionBadge.tsx';
import { ActorCell, EntityCell } from './cells.tsx';
import { historyHref } from '../lib/filters.ts';
import { ChangesTable, Value } from './ChangesTable.tsx';
import { EntrySealFact } from './SealStatus.tsx';

/** What the database noted about how an entry came to be, in words: moves, TRUNCATE, an unreadable context. */
const NOTES: Record<string, Record<string, string>> = {
  moved: {
    out: 'This record moved to another organization. These are its last values here.',
    in: 'This record arrived from another organization.',
  },
  via: { truncate: 'Removed by a TRUNCATE of its table, recorded row by row.' },
  auditContext: {
    malformed_context: 'The write carried an audit context that could not be read, so who acted is unknown.',
    clock_refused: 'A backdated time was asked for and refused: the time shown is the database’s.',
  },
};

const EntryNotes: Component<{ metadata: Record<string, unknown> | null }> = (props) => {
  const notes = () =>
    Object.entries(NOTES).flatMap(([key, texts]) => {
      const value = props.metadata?.[key];
      const text = typeof value === 'string' ? texts[value] : undefined;
      return text ? [text] : [];
    });
  return (
    <Show when={notes().length > 0}>
      <ul class="entry-notes">
        <For each={notes()}>{(note) => <li>{note}</li>}</For>
      </ul>
    </Show>
  );
};

export const EntryDialog: Component<{ id: string; onClose: () => void }> = (props) => {
  let dialog: HTMLDialogElement | undefined;
  let closeButton: HTMLButtonElement | undefined;
  const entry = useQuery(() => ({
    queryKey: ['audit.get', props.id],
    queryFn: () => api.audit.get.query({ id: props.id }),
    retry: (count: number, error: unknown) => errorCode(error) !== 'NOT_FOUND' && count < 2,
  }));

  onMount(() => {
    dialog?.showModal();
    closeButton?.focus();
  });
  onCleanup(() => dialog?.close());
  // The title names the entry once it has loaded: "Update · Ticket #1042 Printer offline".
  const title = () => {
    const data = entry.data;
    return data
      ? `${actionLabel(data.action)} · ${entityTypeLabel(data.entity.type)} ${data.entity.label}`
      : 'Audit entry';
  };
  createEffect(() => {
    if (dialog) dialog.dataset.loaded = entry.data ? 'true' : 'false';
  });

  return (
    <dialog
      ref={(element) => (dialog = element)}
      class="entry"
      aria-labelledby="entry-title"
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
      onClick={(event) => {
        if (event.target === dialog) props.onClose(); // a click on the backdrop
      }}
    >
      <div class="dialog-header">
        <h2 id="entry-title">{title()}</h2>
        <button
          ref={(element) => (closeButton = element)}
          type="button"
          class="button ghost small"
          aria-label="Close details"
          onClick={() => props.onClose()}
        >
          <X aria-hidden />
        </button>
      </div>
      <div class="dialog-body">
        <Switch>
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
                <dl class="facts">
                  <dt>Timestamp</dt>
                  <dd class="num">
                    <time datetime={data().createdAt}>{formatExact(new Date(data().createdAt))}</time>
                  </dd>
                  <dt>Action</dt>
                  <dd>
                    <ActionBadge action={data().action} />
                  </dd>
                  <dt>Entity</dt>
                  <dd>
                    <EntityCell entity={data().entity} />
                    <a class="record-history-link" href={historyHref(data().entity)}>
                      Record history
                    </a>
                  </dd>
                  <dt>User</dt>
                  <dd>
                    <ActorCell actor={data().actor} />
                  </dd>
                  <dt>IP Address</dt>
                  <dd class="mono">{data().ipAddress ?? '—'}</dd>
                  <dt>User Agent</dt>
                  <dd class="mono">{data().userAgent ?? '—'}</dd>
                  <dt>Seal</dt>
                  <dd>
                    <EntrySealFact seal={data().seal} />
                  </dd>
                </dl>
                <EntryNotes metadata={data().metadata} />
                <section class="changes" aria-labelledby="changes-title">
                  <h3 id="changes-title">Changes</h3>
                  <Show
                    when={data().changes && Object.keys(data().changes ?? {}).length > 0 ? data().changes : undefined}
                    fallback={
                      <>
                        <p class="muted">No field changes.</p>
                        <Show when={data().metadata}>
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
                    {(changes) => <ChangesTable changes={changes()} action={data().action} />}
                  </Show>
                </section>
              </>
            )}
          </Match>
        </Switch>
      </div>
    </dialog>
  );
};
