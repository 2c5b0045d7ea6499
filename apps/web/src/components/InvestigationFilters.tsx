/**
 * The investigation's controls beside the spec's filters: who acted (a searchable picker of the organization's users,
 * its API keys, System, anonymous callers and unattributed writes), an IP address or range, a request id, and chips
 * for a record or a roll-up set from the rows. Every value goes through the same parsing as the search bar.
 */
import { entityTypeLabel } from '@auditlog/audit/catalog';
import { parseIpFilter } from '@auditlog/audit/search';
import type { Component } from 'solid-js';
import { createEffect, createMemo, createSignal, For, on, Show } from 'solid-js';
import X from 'lucide-solid/icons/x';
import type { ActorsList } from '../lib/api.ts';
import { actorOf, historyHref, recordOf } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';

type Change = (next: Partial<Filters>) => void;

/** The picker's options: value as the grammar writes it, label as a person reads it. */
export function actorOptions(actors: ActorsList | undefined): { value: string; label: string }[] {
  return [
    ...(actors?.users ?? []).map((user) => ({
      value: user.email.toLowerCase(),
      label: `${user.name}${user.deactivated ? ' (deactivated)' : ''}`,
    })),
    { value: 'system', label: 'System: any job, integration or API key' },
    ...(actors?.apiKeys ?? []).map((key) => ({
      value: `system:"${key.name.replace(/["\\]/g, (c) => `\\${c}`)}"`,
      label: `API key: ${key.name}${key.revoked ? ' (revoked)' : ''}`,
    })),
    { value: 'anonymous', label: 'Anonymous: failed sign-ins' },
    { value: 'unattributed', label: 'Unattributed: written outside any audit context' },
  ];
}

/** `user:<id>` shown as the user's email when the organization has them (both filter the same entries). */
function actorDisplay(value: string, actors: ActorsList | undefined): string {
  const actor = actorOf(value);
  if (actor?.type !== 'user' || !('id' in actor)) return value;
  return actors?.users.find((user) => user.id === actor.id)?.email.toLowerCase() ?? value;
}

/** A text field applied on change (Enter or leaving it), with its own validation message. */
const TextFilter: Component<{
  id: string;
  label: string;
  value: string;
  placeholder: string;
  list?: string;
  check: (value: string) => { value: string } | { message: string };
  onInput?: (value: string) => void;
  onApply: (value: string) => void;
}> = (props) => {
  const [text, setText] = createSignal(props.value);
  const [problem, setProblem] = createSignal<string | null>(null);
  createEffect(
    on(
      () => props.value,
      (value) => {
        setText(value);
        setProblem(null);
      },
    ),
  );
  const commit = () => {
    const value = text().trim();
    if (!value) {
      setProblem(null);
      if (props.value) props.onApply('');
      return;
    }
    const checked = props.check(value);
    if ('message' in checked) return setProblem(checked.message);
    setProblem(null);
    if (checked.value !== props.value) props.onApply(checked.value);
  };
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        class="input"
        type="text"
        autocomplete="off"
        spellcheck={false}
        list={props.list}
        placeholder={props.placeholder}
        value={text()}
        aria-invalid={problem() ? 'true' : undefined}
        aria-describedby={problem() ? `${props.id}-error` : undefined}
        onInput={(event) => {
          setText(event.currentTarget.value);
          props.onInput?.(event.currentTarget.value);
        }}
        onChange={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault();
            commit();
          }
        }}
      />
      <Show when={problem()}>
        <p id={`${props.id}-error`} class="field-error" role="alert">
          {problem()}
        </p>
      </Show>
    </div>
  );
};

const Chip: Component<{ label: string; value: string; href: string; onRemove: () => void }> = (props) => (
  <span class="chip">
    <span class="chip-label">{props.label}</span>
    <a class="mono" href={props.href} title="Open this record's history">
      {props.value}
    </a>
    <button
      type="button"
      class="chip-remove"
      aria-label={`Remove filter ${props.label} ${props.value}`}
      onClick={() => props.onRemove()}
    >
      <X aria-hidden />
    </button>
  </span>
);

export const InvestigationFilters: Component<{
  filters: Filters;
  actors: ActorsList | undefined;
  onActorQuery: (query: string) => void;
  onChange: Change;
}> = (props) => {
  const options = () => actorOptions(props.actors);
  // A memo: the field resets its text only when the shown value really changes, not on every picker search.
  const shownActor = createMemo(() => actorDisplay(props.filters.actor, props.actors));
  const record = () => recordOf(props.filters.record);
  const within = () => recordOf(props.filters.within);
  const short = (id: string) => (id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id);
  return (
    <div class="investigation" role="group" aria-label="Investigation filters">
      <TextFilter
        id="filter-actor"
        label="User"
        value={shownActor()}
        placeholder="Name, email, System…"
        list="actor-options"
        onInput={(text) => props.onActorQuery(text)}
        check={(value) => {
          const picked = options().find((option) => option.label.toLowerCase() === value.toLowerCase());
          const text = picked?.value ?? value;
          return actorOf(text)
            ? { value: text }
            : { message: 'Pick someone from the list, or type an email, "system" or "unattributed".' };
        }}
        onApply={(actor) => props.onChange({ actor })}
      />
      <datalist id="actor-options">
        <For each={options()}>{(option) => <option value={option.value} label={option.label} />}</For>
      </datalist>
      <TextFilter
        id="filter-ip"
        label="IP Address"
        value={props.filters.ip}
        placeholder="203.0.113.7 or 203.0.113.0/24"
        check={(value) => {
          const parsed = parseIpFilter(value);
          return parsed.ok ? { value: parsed.value.text } : { message: `${parsed.message}.` };
        }}
        onApply={(ip) => props.onChange({ ip })}
      />
      <TextFilter
        id="filter-request"
        label="Request ID"
        value={props.filters.request}
        placeholder="req_…"
        check={(value) => (value.length <= 200 ? { value } : { message: 'A request id is at most 200 characters.' })}
        onApply={(request) => props.onChange({ request })}
      />
      <Show when={record() || within()}>
        <div class="chips">
          <Show when={record()}>
            {(ref) => (
              <Chip
                label={`Record: ${entityTypeLabel(ref().entityType)}`}
                value={short(ref().entityId)}
                href={historyHref({ type: ref().entityType, id: ref().entityId })}
                onRemove={() => props.onChange({ record: '' })}
              />
            )}
          </Show>
          <Show when={within()}>
            {(ref) => (
              <Chip
                label={`Everything for ${entityTypeLabel(ref().entityType)}`}
                value={short(ref().entityId)}
                href={historyHref({ type: ref().entityType, id: ref().entityId })}
                onRemove={() => props.onChange({ within: '' })}
              />
            )}
          </Show>
        </div>
      </Show>
    </div>
  );
};
