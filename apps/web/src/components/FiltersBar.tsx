import { actionLabel, entityTypeLabel } from '@auditlog/audit/catalog';
import type { Component } from 'solid-js';
import { For, Show } from 'solid-js';
import RotateCcw from 'lucide-solid/icons/rotate-ccw';
import { ACTION_OPTIONS, ENTITY_OPTIONS, hasFilters } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';

type Option = { value: string; label: string };

/** A native select over `options`, plus the current value when a link carried one the list does not offer. */
const FilterSelect: Component<{
  id: string;
  label: string;
  options: Option[];
  value: string;
  describe: (value: string) => string;
  onChange: (value: string) => void;
}> = (props) => {
  const options = () =>
    props.value && !props.options.some((option) => option.value === props.value)
      ? [...props.options, { value: props.value, label: props.describe(props.value) }]
      : props.options;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        class="select"
        value={props.value}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        <For each={options()}>
          {(option) => (
            <option value={option.value} selected={option.value === props.value}>
              {option.label}
            </option>
          )}
        </For>
      </select>
    </div>
  );
};

/** A calendar day in the admin's time zone; `invalid` marks it when the range is backwards. */
const DateFilter: Component<{
  id: string;
  label: string;
  value: string;
  invalid: boolean;
  onChange: (value: string) => void;
}> = (props) => (
  <div class="field">
    <label for={props.id}>{props.label}</label>
    <input
      id={props.id}
      class="input"
      type="date"
      value={props.value}
      aria-invalid={props.invalid ? 'true' : undefined}
      aria-describedby={props.invalid ? 'filter-problem' : undefined}
      onChange={(event) => props.onChange(event.currentTarget.value)}
    />
  </div>
);

export const FiltersBar: Component<{
  filters: Filters;
  problem: string | null;
  onChange: (next: Partial<Filters>) => void;
  onClear: () => void;
}> = (props) => (
  <form class="filters" role="search" aria-label="Filter entries" onSubmit={(event) => event.preventDefault()}>
    <FilterSelect
      id="filter-action"
      label="Action Type"
      options={ACTION_OPTIONS}
      value={props.filters.action}
      describe={actionLabel}
      onChange={(action) => props.onChange({ action })}
    />
    <FilterSelect
      id="filter-entity"
      label="Entity Type"
      options={ENTITY_OPTIONS}
      value={props.filters.entityType}
      describe={entityTypeLabel}
      onChange={(entityType) => props.onChange({ entityType })}
    />
    <DateFilter
      id="filter-from"
      label="Start Date"
      value={props.filters.from}
      invalid={Boolean(props.problem)}
      onChange={(from) => props.onChange({ from })}
    />
    <DateFilter
      id="filter-to"
      label="End Date"
      value={props.filters.to}
      invalid={Boolean(props.problem)}
      onChange={(to) => props.onChange({ to })}
    />
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
