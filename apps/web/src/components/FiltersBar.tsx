import { actionLabel, entityTypeLabel } from '@auditlog/audit/catalog';
import type { Component } from 'solid-js';
import { For, Show } from 'solid-js';
import RotateCcw from 'lucide-solid/icons/rotate-ccw';
import { ACTION_OPTIONS, ENTITY_OPTIONS, hasFilters } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';

/** The options, plus the current value when a link carried one the list does not offer (e.g. `action=export`). */
function withCurrent(options: { value: string; label: string }[], current: string, label: (value: string) => string) {
  return current && !options.some((option) => option.value === current) ? [...options, { value: current, label: label(current) }] : options;
}

export const FiltersBar: Component<{
  filters: Filters;
  problem: string | null;
  onChange: (next: Partial<Filters>) => void;
  onClear: () => void;
}> = (props) => (
  <form class="filters" role="search" aria-label="Filter entries" onSubmit={(event) => event.preventDefault()}>
    <div class="field">
      <label for="filter-action">Action Type</label>
      <select id="filter-action" class="select" value={props.filters.action} onChange={(event) => props.onChange({ action: event.currentTarget.value })}>
        <For each={withCurrent(ACTION_OPTIONS, props.filters.action, actionLabel)}>
          {(option) => (
            <option value={option.value} selected={option.value === props.filters.action}>
              {option.label}
            </option>
          )}
        </For>
      </select>
    </div>
    <div class="field">
      <label for="filter-entity">Entity Type</label>
      <select id="filter-entity" class="select" value={props.filters.entityType} onChange={(event) => props.onChange({ entityType: event.currentTarget.value })}>
        <For each={withCurrent(ENTITY_OPTIONS, props.filters.entityType, entityTypeLabel)}>
          {(option) => (
            <option value={option.value} selected={option.value === props.filters.entityType}>
              {option.label}
            </option>
          )}
        </For>
      </select>
    </div>
    <div class="field">
      <label for="filter-from">Start Date</label>
      <input
        id="filter-from"
        class="input"
        type="date"
        value={props.filters.from}
        aria-invalid={props.problem ? 'true' : undefined}
        aria-describedby={props.problem ? 'filter-problem' : undefined}
        onChange={(event) => props.onChange({ from: event.currentTarget.value })}
      />
    </div>
    <div class="field">
      <label for="filter-to">End Date</label>
      <input
        id="filter-to"
        class="input"
        type="date"
        value={props.filters.to}
        aria-invalid={props.problem ? 'true' : undefined}
        aria-describedby={props.problem ? 'filter-problem' : undefined}
        onChange={(event) => props.onChange({ to: event.currentTarget.value })}
      />
    </div>
    <button type="button" class="button clear" disabled={!hasFilters(props.filters)} onClick={() => props.onClear()}>
      <RotateCcw aria-hidden /> Clear Filters
    </button>
    <Show when={props.problem}>
      <p class="field-error filters-error" id="filter-problem" role="alert">
        {props.problem}
      </p>
    </Show>
  </form>
);
