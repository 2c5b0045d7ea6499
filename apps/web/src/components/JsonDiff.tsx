/**
 * A changed Json value, key by key: one tree of the union of both sides' keys, where only what changed is highlighted
 * (a removed member red and struck through, an added one green, a changed one as before → after) and the rest stays
 * plain (an unchanged nested object folded to `{…}`), so a one-key change in a 40-key settings object reads as one
 * line instead of two walls of JSON.
 */
import type { Component, JSX } from 'solid-js';
import { For, Match, Show, Switch } from 'solid-js';
import { changedCount, diffJson, isContainer } from '../lib/json-diff.ts';
import type { DiffNode } from '../lib/json-diff.ts';
import { JsonNode } from './Values.tsx';

const Key: Component<{ name: string; array: boolean }> = (props) => (
  <Show when={!props.array}>
    <span class="json-key">{JSON.stringify(props.name)}</span>:{' '}
  </Show>
);

const Member: Component<{ name: string; array: boolean; node: DiffNode }> = (props): JSX.Element => (
  <Switch>
    <Match when={props.node.kind === 'nested' ? props.node : undefined}>
      {(nested) => (
        <div class="json-member">
          <Key name={props.name} array={props.array} />
          <DiffTree node={nested()} />
        </div>
      )}
    </Match>
    <Match when={props.node.kind === 'changed' ? props.node : undefined}>
      {(changed) => (
        <div class="json-member diff-changed">
          <Key name={props.name} array={props.array} />
          <span class="diff-before">
            <JsonNode value={changed().before} />
          </span>
          <span class="diff-arrow" aria-label="changed to">
            {' → '}
          </span>
          <span class="diff-after">
            <JsonNode value={changed().after} />
          </span>
        </div>
      )}
    </Match>
    <Match when={props.node.kind === 'added' || props.node.kind === 'removed' ? props.node : undefined}>
      {(side) => (
        <div class={`json-member diff-${side().kind}`} title={side().kind === 'added' ? 'Added' : 'Removed'}>
          <span class="visually-hidden">{side().kind === 'added' ? 'added: ' : 'removed: '}</span>
          <Key name={props.name} array={props.array} />
          <JsonNode value={'value' in side() ? (side() as { value: unknown }).value : null} />
        </div>
      )}
    </Match>
    <Match when={props.node.kind === 'same' ? props.node : undefined}>
      {(same) => (
        <div class="json-member diff-same">
          <Key name={props.name} array={props.array} />
          <Show when={isContainer(same().value)} fallback={<JsonNode value={same().value} />}>
            <span class="json-literal" title="Unchanged">
              {Array.isArray(same().value) ? '[…]' : '{…}'}
            </span>
          </Show>
        </div>
      )}
    </Match>
  </Switch>
);

const DiffTree: Component<{ node: Extract<DiffNode, { kind: 'nested' }> }> = (props): JSX.Element => (
  <>
    <span class="json-brace">{props.node.array ? '[' : '{'}</span>
    <div class="json-members">
      <For each={props.node.members}>
        {([name, node]) => <Member name={name} array={props.node.array} node={node} />}
      </For>
    </div>
    <span class="json-brace">{props.node.array ? ']' : '}'}</span>
  </>
);

/** The key-by-key diff of a changed Json field, with a count of what changed. */
export const JsonDiff: Component<{ before: unknown; after: unknown }> = (props) => {
  const diff = () => diffJson(props.before, props.after);
  return (
    <Show when={diff().kind === 'nested' ? (diff() as Extract<DiffNode, { kind: 'nested' }>) : undefined}>
      {(nested) => (
        <div class="json-diff">
          <p class="diff-summary">
            {changedCount(nested())} {changedCount(nested()) === 1 ? 'key' : 'keys'} changed
          </p>
          <div class="json">
            <DiffTree node={nested()} />
          </div>
        </div>
      )}
    </Show>
  );
};

/** Whether a change is best shown as a key-by-key diff: both sides are Json containers of one kind. */
export const isJsonDiff = (before: unknown, after: unknown) =>
  isContainer(before) && isContainer(after) && Array.isArray(before) === Array.isArray(after);
