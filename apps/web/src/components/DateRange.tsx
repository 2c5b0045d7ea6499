/**
 * The date filters (issue 13, item 7): Start Date and End Date, each with an optional time of day, in the zone named
 * beside them and switchable between the admin's zone and UTC (or the zone a shared link names), and quick ranges.
 * Typing a date by keyboard commits only complete dates of years 1970–9999 (the browser reports "0002", "0020", …
 * while the year is typed) and adds one history entry per field edit, not one per keystroke.
 */
import type { Component } from 'solid-js';
import { createMemo, For } from 'solid-js';
import { presetRange, RANGE_PRESETS, parseDayTime, zoneOf } from '../lib/filters.ts';
import type { Filters, RangePreset } from '../lib/filters.ts';
import { localZone, UTC, zoneAbbreviation, zoneLabel } from '../lib/zone.ts';

export interface ChangeOptions {
  /** Replace the current history entry instead of adding one (a field still being edited). */
  replace?: boolean;
}
type OnChange = (next: Partial<Filters>, options?: ChangeOptions) => void;

/** A day input and an optional time input for one end of the range; `value` is `YYYY-MM-DD[THH:mm]`. */
const DateTimeField: Component<{
  id: string;
  label: string;
  zone: string;
  value: string;
  invalid: boolean;
  onChange: (value: string, options: ChangeOptions) => void;
}> = (props) => {
  const day = () => props.value.slice(0, 10);
  const time = () => props.value.slice(11, 16);
  // The first commit of an edit (between focus and blur) adds a history entry; the next ones replace it.
  let committed = false;
  const commit = (value: string) => {
    props.onChange(value, { replace: committed });
    committed = true;
  };
  const onDay = (input: HTMLInputElement) => {
    if (!input.value) return commit('');
    // Incomplete (a year being typed) or out of range: not applied until it is a date the API takes.
    if (!parseDayTime(input.value)) return;
    commit(time() ? `${input.value}T${time()}` : input.value);
  };
  const onTime = (input: HTMLInputElement) => {
    if (!day()) return;
    commit(input.value ? `${day()}T${input.value}` : day());
  };
  const described = () => (props.invalid ? 'filter-problem' : undefined);
  return (
    <div class="field">
      <label for={props.id}>
        {props.label} <span class="zone-hint">· {zoneAbbreviation(props.zone)}</span>
      </label>
      <div class="date-time">
        <input
          id={props.id}
          class="input"
          type="date"
          min="1970-01-01"
          max="9999-12-31"
          value={day()}
          aria-invalid={props.invalid ? 'true' : undefined}
          aria-describedby={described()}
          onFocus={() => (committed = false)}
          onChange={(event) => onDay(event.currentTarget)}
          // A value left incomplete goes back to the one applied.
          onBlur={(event) => {
            if (event.currentTarget.value !== day()) event.currentTarget.value = day();
          }}
        />
        <input
          class="input time"
          type="time"
          aria-label={`${props.label.replace(' Date', '')} time (optional)`}
          title={day() ? 'Optional: a time of day' : 'Choose a date first'}
          value={time()}
          disabled={!day()}
          aria-invalid={props.invalid ? 'true' : undefined}
          aria-describedby={described()}
          onFocus={() => (committed = false)}
          onChange={(event) => onTime(event.currentTarget)}
        />
      </div>
    </div>
  );
};

export const DateRangeFields: Component<{ filters: Filters; problem: string | null; onChange: OnChange }> = (props) => {
  const zone = () => zoneOf(props.filters);
  // A link with dates names their zone, so the same link means the same window for everyone.
  const withZone = (next: Partial<Filters>) => ({ ...next, tz: props.filters.tz || localZone() });
  return (
    <>
      <DateTimeField
        id="filter-from"
        label="Start Date"
        zone={zone()}
        value={props.filters.from}
        invalid={Boolean(props.problem)}
        onChange={(from, options) => props.onChange(withZone({ from }), options)}
      />
      <DateTimeField
        id="filter-to"
        label="End Date"
        zone={zone()}
        value={props.filters.to}
        invalid={Boolean(props.problem)}
        onChange={(to, options) => props.onChange(withZone({ to }), options)}
      />
    </>
  );
};

/** The zone switch and the quick ranges, on a row under the filters. */
export const RangeTools: Component<{ filters: Filters; onChange: OnChange }> = (props) => {
  const zone = () => zoneOf(props.filters);
  const zones = createMemo(() => {
    const own = localZone();
    const list = [{ value: own, label: `${zoneLabel(own)} · your zone` }];
    if (own !== UTC) list.push({ value: UTC, label: 'UTC' });
    const linked = zone();
    if (!list.some((option) => option.value === linked))
      list.push({ value: linked, label: `${zoneLabel(linked)} · from the link` });
    return list;
  });
  /** Whether the range is the preset's: 24 hours to the minute, or the preset's days up to today. */
  const isActive = (preset: RangePreset) => {
    const { from, to } = props.filters;
    if (preset === '24h') return from.length === 16 && Date.parse(`${to}Z`) - Date.parse(`${from}Z`) === 86_400_000;
    const range = presetRange(preset, new Date(), zone());
    return from === range.from && to === range.to;
  };
  return (
    <div class="range-tools">
      <label class="zone-select">
        <span class="field-label">Time zone</span>
        <select class="select" value={zone()} onChange={(event) => props.onChange({ tz: event.currentTarget.value })}>
          <For each={zones()}>
            {(option) => (
              <option value={option.value} selected={option.value === zone()}>
                {option.label}
              </option>
            )}
          </For>
        </select>
      </label>
      <div class="presets" role="group" aria-label="Quick ranges">
        <For each={RANGE_PRESETS}>
          {(preset) => (
            <button
              type="button"
              class="button small"
              aria-pressed={isActive(preset.id)}
              onClick={() => props.onChange({ ...presetRange(preset.id, new Date(), zone()), tz: zone() })}
            >
              {preset.label}
            </button>
          )}
        </For>
      </div>
    </div>
  );
};
