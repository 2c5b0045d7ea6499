/**
 * Before / After per changed field. Secrets and binary data show as labelled placeholders, never as text that could
 * pass for a value; JSON is pretty-printed and collapsed past ten lines. A create shows only After, a delete only
 * Before.
 */
import { BINARY_DATA, REDACTED } from '@auditlog/audit/catalog';
import type { Component } from 'solid-js';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import FileLock from 'lucide-solid/icons/file-lock';
import { formatExact } from '../lib/time.ts';
import Lock from 'lucide-solid/icons/lock';

type Changes = Record<string, { before?: unknown; after?: unknown }>;

/** Dates are recorded as ISO 8601 instants in UTC; they are shown in the admin's time zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export const Value: Component<{ value: unknown }> = (props) => {
  const [expanded, setExpanded] = createSignal(false);
  const json = () => JSON.stringify(props.value, null, 2);
  const long = () => json().split('\n').length > 10;
  return (
    <Switch fallback={<span class="value-text">{String(props.value)}</span>}>
      <Match when={props.value === null || props.value === undefined}>
        <span class="null">empty</span>
      </Match>
      <Match when={props.value === REDACTED}>
        <span class="placeholder" title="Sensitive value: redacted when the entry was recorded">
          <Lock aria-hidden /> REDACTED
        </span>
      </Match>
      <Match when={props.value === BINARY_DATA}>
        <span class="placeholder" title="Binary data is not stored in the log">
          <FileLock aria-hidden /> BINARY DATA
        </span>
      </Match>
      <Match when={typeof props.value === 'string' && ISO_INSTANT.test(props.value) ? props.value : undefined}>
        {(iso) => (
          <time class="value-text num" datetime={iso()} title={iso()}>
            {formatExact(new Date(iso()))}
          </time>
        )}
      </Match>
      <Match when={typeof props.value === 'string' && props.value}>
        {(text) => <span class="value-text">{text()}</span>}
      </Match>
      <Match when={typeof props.value === 'object'}>
        <pre class="json" classList={{ collapsed: long() && !expanded() }}>
          {json()}
        </pre>
        <Show when={long()}>
          <button type="button" class="link-button" onClick={() => setExpanded(!expanded())}>
            {expanded() ? 'Show less' : 'Show all'}
          </button>
        </Show>
      </Match>
    </Switch>
  );
};

/** `billingAddress` → "Billing address"; `mfa_secret` → "Mfa secret". */
export function fieldLabel(field: string): string {
  const words = field
    .replace(/[_-]+/g, ' ')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const ChangesTable: Component<{ changes: Changes; action: string }> = (props) => {
  const showBefore = () => props.action !== 'create';
  const showAfter = () => props.action !== 'delete';
  const fields = () => Object.entries(props.changes).sort(([a], [b]) => a.localeCompare(b));
  return (
    <table class="changes-table">
      <thead>
        <tr>
          <th scope="col" class="field">
            Field
          </th>
          <Show when={showBefore()}>
            <th scope="col">Before</th>
          </Show>
          <Show when={showAfter()}>
            <th scope="col">After</th>
          </Show>
        </tr>
      </thead>
      <tbody>
        <For each={fields()}>
          {([field, change]) => (
            <tr>
              <td class="field" title={field}>
                {fieldLabel(field)}
              </td>
              <Show when={showBefore()}>
                <td class="before" classList={{ removed: props.action === 'delete' || change.after === null }}>
                  <Value value={change.before} />
                </td>
              </Show>
              <Show when={showAfter()}>
                <td class="after">
                  <Value value={change.after} />
                </td>
              </Show>
            </tr>
          )}
        </For>
      </tbody>
    </table>
  );
};
