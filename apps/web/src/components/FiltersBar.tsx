import { actionLabel, entityTypeLabel } from '@auditlog/audit/catalog';
import type { Component } from 'solid-js';
import { For, Show } from 'solid-js';
import RotateCcw from 'lucide-solid/icons/rotate-ccw';
import { ACTION_OPTIONS, ENTITY_OPTIONS, hasFilters } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';
import { DateRangeFields, RangeTools } from './DateRange.tsx';
import type { ChangeOptions } from './DateRange.tsx';

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

export const FiltersBar: Component<{
  filters: Filters;
  problem: string | null;
  onChange: (next: Partial<Filters>, options?: ChangeOptions) => void;
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
    <DateRangeFields filters={props.filters} problem={props.problem} onChange={props.onChange} />
    <button type="button" class="button clear" disabled={!hasFilters(props.filters)} onClick={() => props.onClear()}>
      <RotateCcw aria-hidden /> Clear Filters
    </button>
    <RangeTools filters={props.filters} onChange={props.onChange} />
    <Show when={props.problem}>
      <p class="field-error filters-error" id="filter-problem" role="alert">
        {props.problem}
      </p>
    </Show>
  </form>
);
