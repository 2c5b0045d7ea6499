/**
 * Before / After per changed field. A create shows only After, a delete only Before. A foreign key shows the record
 * it named as it was named then ("Client: Acme → Bolton"); a changed Json value is diffed key by key; money and byte
 * sizes are formatted (the stored value in a title); a change the log could only fingerprint (a secret, or a text
 * whose differences were all redacted) says "changed (value hidden)".
 */
import type { Component } from 'solid-js';
import { For, Match, Show, Switch } from 'solid-js';
import EyeOff from 'lucide-solid/icons/eye-off';
import type { AuditEntryDetail } from '../lib/api.ts';
import { exactBytes, fieldKind, fieldLabel, formatBytes, formatMoney, isCurrency } from '../lib/field-format.ts';
import type { FieldKind } from '../lib/field-format.ts';
import { isJsonDiff, JsonDiff } from './JsonDiff.tsx';
import { Value } from './Values.tsx';

type Changes = NonNullable<AuditEntryDetail['changes']>;
type Change = Changes[string];
type Reference = AuditEntryDetail['references'][string];
type Referenced = NonNullable<Reference['before']>;

/** The record a foreign key named: its label then, and its id; "deleted" when it is gone now. */
const RecordValue: Component<{ record: Referenced }> = (props) => (
  <span
    class="record-ref two-line"
    title={
      props.record.asOf === 'entry'
        ? `${props.record.id}: named as it was when this entry was written`
        : `${props.record.id}: its current name (the log holds none from then)`
    }
  >
    <span>{props.record.label}</span>
    <span class="secondary">
      <Show when={props.record.label !== props.record.id}>
        <span class="mono">{props.record.id.length > 12 ? `…${props.record.id.slice(-8)}` : props.record.id}</span>
      </Show>
      <Show when={props.record.exists === false}>
        {' '}
        <span class="deleted">deleted</span>
      </Show>
    </span>
  </span>
);

/** A value as its field's kind reads it: money, a byte size, or as it is. */
const FieldValue: Component<{
  value: unknown;
  kind: FieldKind;
  currency: string | null;
  record?: Referenced | null;
}> = (props) => (
  <Switch fallback={<Value value={props.value} />}>
    <Match when={props.record}>{(record) => <RecordValue record={record()} />}</Match>
    <Match when={props.kind === 'money' && props.value != null ? String(props.value) : undefined}>
      {(amount) => (
        <span class="value-text num" title={`Stored as ${amount()}${props.currency ? ` ${props.currency}` : ''}`}>
          {formatMoney(amount(), props.currency)}
        </span>
      )}
    </Match>
    <Match when={props.kind === 'bytes' && props.value != null ? String(props.value) : undefined}>
      {(size) => (
        <span class="value-text num" title={exactBytes(size())}>
          {formatBytes(size())}
        </span>
      )}
    </Match>
  </Switch>
);

/** What the fingerprints say when the stored values cannot show the change. */
function hiddenChange(change: Change): string | null {
  const print = change.fingerprint;
  if (!print) return null;
  if (print.before && print.after)
    return print.before === print.after ? 'unchanged (same value)' : 'changed (value hidden)';
  if (print.after) return 'set (value hidden)';
  if (print.before) return 'cleared (value hidden)';
  return null;
}

/** The entry's currency, for its money fields: an invoice's `currency`, when the entry holds it. */
function currencyOf(changes: Changes): string | null {
  const currency = changes.currency;
  if (isCurrency(currency?.after)) return currency.after;
  if (isCurrency(currency?.before)) return currency.before;
  return null;
}

export const ChangesTable: Component<{
  changes: Changes;
  action: string;
  references?: AuditEntryDetail['references'];
}> = (props) => {
  const showBefore = () => props.action !== 'create';
  const showAfter = () => props.action !== 'delete';
  const both = () => showBefore() && showAfter();
  const fields = () => Object.entries(props.changes).sort(([a], [b]) => a.localeCompare(b));
  const currency = () => currencyOf(props.changes);
  return (
    <table class="changes-table">
      <thead>
        <tr>
          <th scope="col" class="field-name">
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
          {([field, change]) => {
            const reference = () => props.references?.[field];
            const kind = () => fieldKind(field, [change.before, change.after]);
            const hidden = () => (both() ? hiddenChange(change) : null);
            return (
              <tr data-field={field}>
                <th scope="row" class="field-name" title={field}>
                  {fieldLabel(field, reference() !== undefined)}
                </th>
                <Show
                  when={!(both() && isJsonDiff(change.before, change.after))}
                  fallback={
                    <td class="diff" colSpan={2}>
                      <JsonDiff before={change.before} after={change.after} />
                    </td>
                  }
                >
                  <Show when={showBefore()}>
                    <td class="before" classList={{ removed: props.action === 'delete' || change.after === null }}>
                      <FieldValue
                        value={change.before}
                        kind={kind()}
                        currency={currency()}
                        record={reference()?.before}
                      />
                    </td>
                  </Show>
                  <Show when={showAfter()}>
                    <td class="after">
                      <FieldValue
                        value={change.after}
                        kind={kind()}
                        currency={currency()}
                        record={reference()?.after}
                      />
                      <Show when={hidden()}>
                        {(note) => (
                          <span class="hidden-change">
                            <EyeOff aria-hidden /> {note()}
                          </span>
                        )}
                      </Show>
                    </td>
                  </Show>
                </Show>
              </tr>
            );
          }}
        </For>
      </tbody>
    </table>
  );
};
