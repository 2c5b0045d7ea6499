import type { Component, JSX } from 'solid-js';
import { For, Index, Show } from 'solid-js';
import CircleAlert from 'lucide-solid/icons/circle-alert';
import Filter from 'lucide-solid/icons/funnel';
import ShieldAlert from 'lucide-solid/icons/shield-alert';

/** Rows of the same height as real ones, so nothing jumps when the data arrives. */
export const SkeletonRows: Component<{ rows: number; columns: number }> = (props) => (
  <Index each={Array.from({ length: props.rows })}>
    {() => (
      <tr aria-hidden="true">
        <For each={Array.from({ length: props.columns }, (_, i) => i)}>
          {(i) => (
            <td classList={{ 'cell-ip': i === 4 }}>
              <span class="skeleton" />
              {i < 2 ? <span class="skeleton" /> : null}
            </td>
          )}
        </For>
      </tr>
    )}
  </Index>
);

export const EmptyState: Component<{ children?: JSX.Element }> = (props) => (
  <div class="state" role="status">
    <Filter class="state-icon" aria-hidden />
    <h2>No entries match these filters</h2>
    <p>Try a wider date range or another action or entity type.</p>
    {props.children}
  </div>
);

/** A failure in plain words; Retry only where asking again can help (not for a request the server refused). */
export const ErrorState: Component<{ message: string; onRetry?: () => void; children?: JSX.Element }> = (props) => (
  <div class="state" role="alert">
    <CircleAlert class="state-icon" aria-hidden />
    <h2>The audit log could not be loaded</h2>
    <p>{props.message}</p>
    <Show when={props.onRetry}>
      {(retry) => (
        <button type="button" class="button" onClick={() => retry()()}>
          Retry
        </button>
      )}
    </Show>
    {props.children}
  </div>
);

export const PermissionError: Component<{ message: string }> = (props) => (
  <div class="card">
    <div class="state full-page" role="alert">
      <ShieldAlert class="state-icon" aria-hidden />
      <h2>Access denied</h2>
      <p>{props.message}</p>
      <a class="button" href="/">
        Back to home
      </a>
    </div>
  </div>
);
