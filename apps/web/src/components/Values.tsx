/**
 * One value of the log as the admin reads it. Placeholders (`[REDACTED]`, `[BINARY DATA]`, `[TOO DEEP]`, a
 * `[TRUNCATED …]` marker) are gray pills with an icon wherever they stand: a whole value, inside a text
 * ("Bearer [REDACTED]"), or deep inside a Json value; never text that could pass for a value. Json is shown as a tree,
 * collapsed past ten lines; dates in the admin's time zone.
 */
import { BINARY_DATA, REDACTED } from '@auditlog/audit/catalog';
import { TOO_DEEP, TRUNCATED_PATTERN } from '@auditlog/audit/secret-rule';
import type { Component, JSX } from 'solid-js';
import { createSignal, For, Match, Show, Switch } from 'solid-js';
import FileLock from 'lucide-solid/icons/file-lock';
import Layers from 'lucide-solid/icons/layers';
import Lock from 'lucide-solid/icons/lock';
import Scissors from 'lucide-solid/icons/scissors';
import { formatExact } from '../lib/time.ts';

/** Dates are recorded as ISO 8601 instants in UTC; they are shown in the admin's time zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] =>
  value !== null && typeof value === 'object';

/** A placeholder as a pill; `value` is the whole text of the placeholder. */
export const Pill: Component<{ value: string }> = (props) => {
  const truncated = () => TRUNCATED_PATTERN.exec(props.value);
  return (
    <Switch>
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
      <Match when={props.value === TOO_DEEP}>
        <span class="placeholder" title="Nested too deeply to be stored">
          <Layers aria-hidden /> TOO DEEP
        </span>
      </Match>
      <Match when={truncated()}>
        {(match) => (
          <span
            class="placeholder"
            title={`Stored cut to its start: ${match()[1] ?? ''} bytes, SHA-256 ${match()[2] ?? ''}`}
          >
            <Scissors aria-hidden /> TRUNCATED · {Number(match()[1]).toLocaleString()} bytes
          </span>
        )}
      </Match>
    </Switch>
  );
};

const isPlaceholder = (text: string) =>
  text === REDACTED || text === BINARY_DATA || text === TOO_DEEP || TRUNCATED_PATTERN.test(text);

/** A text with its placeholders as pills: "Bearer [REDACTED]" → "Bearer " + pill; a truncated text: pill + its start. */
export const Text: Component<{ text: string }> = (props) => {
  const parts = () => {
    const truncated = TRUNCATED_PATTERN.exec(props.text);
    if (truncated)
      return [props.text.slice(0, props.text.length - (truncated[3] ?? '').length - 1), `${truncated[3] ?? ''}…`];
    return props.text.split(/(\[REDACTED\]|\[BINARY DATA\]|\[TOO DEEP\])/).filter((part) => part !== '');
  };
  return (
    <span class="value-text">
      <For each={parts()}>{(part) => (isPlaceholder(part) ? <Pill value={part} /> : part)}</For>
    </span>
  );
};

/** A scalar inside Json: strings quoted (placeholders as pills), numbers, booleans and null as they are. */
const JsonScalar: Component<{ value: unknown }> = (props) => (
  <Switch fallback={<span class="json-literal">{JSON.stringify(props.value) ?? 'undefined'}</span>}>
    <Match when={typeof props.value === 'string' && isPlaceholder(props.value) ? (props.value as string) : undefined}>
      {(text) => <Pill value={text()} />}
    </Match>
    <Match when={typeof props.value === 'string' ? (props.value as string) : undefined}>
      {(text) => (
        <span class="json-string">
          "<Text text={text()} />"
        </span>
      )}
    </Match>
  </Switch>
);

/** Json as an indented tree: `{`, one line per member, `}`. */
export const JsonNode: Component<{ value: unknown }> = (props): JSX.Element => (
  <Show when={isContainer(props.value) ? props.value : undefined} fallback={<JsonScalar value={props.value} />}>
    {(container) => {
      const array = () => Array.isArray(container());
      const members = () => Object.entries(container());
      return (
        // An empty object or array on one line ("filters": {}), not a brace on each of two.
        <Show when={members().length > 0} fallback={<span class="json-brace">{array() ? '[]' : '{}'}</span>}>
          <span class="json-brace">{array() ? '[' : '{'}</span>
          <div class="json-members">
            <For each={members()}>
              {([key, value]) => (
                <div class="json-member">
                  <Show when={!array()}>
                    <span class="json-key">{JSON.stringify(key)}</span>:{' '}
                  </Show>
                  <JsonNode value={value} />
                </div>
              )}
            </For>
          </div>
          <span class="json-brace">{array() ? ']' : '}'}</span>
        </Show>
      );
    }}
  </Show>
);

/** A block that collapses past ten lines, with Show all / Show less. */
export const Collapsible: Component<{ lines: number; children: JSX.Element }> = (props) => {
  const [expanded, setExpanded] = createSignal(false);
  const long = () => props.lines > 10;
  return (
    <>
      <div class="json" classList={{ collapsed: long() && !expanded() }}>
        {props.children}
      </div>
      <Show when={long()}>
        <button type="button" class="link-button" aria-expanded={expanded()} onClick={() => setExpanded(!expanded())}>
          {expanded() ? 'Show less' : 'Show all'}
        </button>
      </Show>
    </>
  );
};

export const jsonLines = (value: unknown) => (JSON.stringify(value, null, 2) ?? '').split('\n').length;

export const Value: Component<{ value: unknown }> = (props) => (
  <Switch fallback={<span class="value-text">{String(props.value)}</span>}>
    <Match when={props.value === null || props.value === undefined}>
      <span class="null">empty</span>
    </Match>
    <Match
      when={typeof props.value === 'string' && ISO_INSTANT.test(props.value) ? (props.value as string) : undefined}
    >
      {(iso) => (
        <time class="value-text num" datetime={iso()} title={iso()}>
          {formatExact(new Date(iso()))}
        </time>
      )}
    </Match>
    <Match when={typeof props.value === 'string' && isPlaceholder(props.value) ? (props.value as string) : undefined}>
      {(text) => <Pill value={text()} />}
    </Match>
    <Match when={typeof props.value === 'string' ? (props.value as string) : undefined}>
      {(text) => <Text text={text()} />}
    </Match>
    <Match when={isContainer(props.value)}>
      <Collapsible lines={jsonLines(props.value)}>
        <JsonNode value={props.value} />
      </Collapsible>
    </Match>
  </Switch>
);
