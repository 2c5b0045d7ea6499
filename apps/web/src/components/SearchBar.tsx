/**
 * The search bar: the whole filter state as one query in the search grammar (`@auditlog/audit/search`), kept in
 * sync with the controls both ways. Suggestions come from the catalog and the organization's users; a malformed query
 * says which part is wrong and changes nothing.
 */
import { actionLabel, entityTypeLabel, KNOWN_ACTIONS, KNOWN_ENTITY_TYPES } from '@auditlog/audit/catalog';
import { parseSearch } from '@auditlog/audit/search';
import type { SearchSuggestion, suggestSearch as SuggestSearch } from '@auditlog/audit/search-suggest';
import type { Component } from 'solid-js';
import { createEffect, createSignal, For, on, Show } from 'solid-js';
import Search from 'lucide-solid/icons/search';
import { filtersOfSearch, searchOf } from '../lib/filters.ts';
import type { Filters } from '../lib/filters.ts';

/** The suggestions are fetched when the bar is first focused or typed in: not in the page's first download. */
let suggester: { suggestSearch: typeof SuggestSearch } | undefined;
const loadSuggester = () => import('@auditlog/audit/search-suggest').then((module) => (suggester = module));

const ACTIONS = KNOWN_ACTIONS.map((value) => ({ value, label: actionLabel(value) }));
const ENTITY_TYPES = KNOWN_ENTITY_TYPES.map((value) => ({ value, label: entityTypeLabel(value) }));

export const SearchBar: Component<{
  filters: Filters;
  users: readonly { name: string; email: string }[];
  systems: readonly string[];
  onApply: (next: Omit<Filters, 'page' | 'tz'>) => void;
}> = (props) => {
  const [draft, setDraft] = createSignal(searchOf(props.filters));
  const [error, setError] = createSignal<{ message: string; part: string } | null>(null);
  const [suggestions, setSuggestions] = createSignal<SearchSuggestion[]>([]);
  const [active, setActive] = createSignal(-1);
  let input: HTMLInputElement | undefined;

  // The controls changed the filters: the bar shows them.
  createEffect(
    on(
      () => searchOf(props.filters),
      (query) => {
        setDraft(query);
        setError(null);
      },
    ),
  );

  const suggest = () => {
    if (!suggester) {
      // Once loaded, the bar suggests for what it holds then, if it still has focus.
      void loadSuggester().then(() => document.activeElement === input && suggest());
      return;
    }
    const { suggestSearch } = suggester;
    const at = input?.selectionStart ?? draft().length;
    const sources = { actions: ACTIONS, entityTypes: ENTITY_TYPES, users: props.users, systems: props.systems };
    setSuggestions(suggestSearch(draft(), at, sources));
    setActive(-1);
  };
  const accept = (suggestion: SearchSuggestion) => {
    const query = draft();
    const term = suggestion.term;
    const next = `${query.slice(0, suggestion.start)}${term}${term.endsWith(':') || term.endsWith('/') ? '' : ' '}${query.slice(suggestion.end).trimStart()}`;
    setDraft(next);
    setSuggestions([]);
    const caret = suggestion.start + term.length + (term.endsWith(':') || term.endsWith('/') ? 0 : 1);
    queueMicrotask(() => {
      input?.focus();
      input?.setSelectionRange(caret, caret);
      suggest();
    });
  };
  const apply = () => {
    const result = parseSearch(draft());
    if (!result.ok) {
      setError({ message: result.error.message, part: draft().slice(result.error.start, result.error.end) });
      return;
    }
    setError(null);
    setSuggestions([]);
    props.onApply(filtersOfSearch(result.filters));
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const list = suggestions();
    if (event.key === 'ArrowDown' && list.length) {
      event.preventDefault();
      setActive((active() + 1) % list.length);
    } else if (event.key === 'ArrowUp' && list.length) {
      event.preventDefault();
      setActive((active() - 1 + list.length) % list.length);
    } else if ((event.key === 'Enter' || event.key === 'Tab') && active() >= 0 && list[active()]) {
      event.preventDefault();
      accept(list[active()] as SearchSuggestion);
    } else if (event.key === 'Escape') {
      setSuggestions([]);
    }
  };

  return (
    <form
      class="search-bar"
      role="search"
      aria-label="Search entries"
      onSubmit={(event) => {
        event.preventDefault();
        apply();
      }}
    >
      <label for="search-query" class="visually-hidden">
        Search
      </label>
      <div class="search-box">
        <Search aria-hidden />
        <input
          ref={(element) => (input = element)}
          id="search-query"
          class="input mono"
          type="search"
          autocomplete="off"
          spellcheck={false}
          placeholder="actor:adam@… action:delete entity:ticket ip:203.0.113.0/24 created:2026-11-01..2026-11-07"
          role="combobox"
          aria-expanded={suggestions().length > 0}
          aria-controls="search-suggestions"
          aria-activedescendant={active() >= 0 ? `search-suggestion-${active()}` : undefined}
          aria-invalid={error() ? 'true' : undefined}
          aria-describedby={error() ? 'search-error' : 'search-help'}
          value={draft()}
          onInput={(event) => {
            setDraft(event.currentTarget.value);
            suggest();
          }}
          onFocus={suggest}
          onBlur={() => setTimeout(() => setSuggestions([]), 150)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" class="button">
          Search
        </button>
      </div>
      <Show when={suggestions().length > 0}>
        <ul id="search-suggestions" class="suggestions" role="listbox" aria-label="Suggestions">
          <For each={suggestions()}>
            {(suggestion, index) => (
              <li
                id={`search-suggestion-${index()}`}
                role="option"
                aria-selected={index() === active()}
                onMouseDown={(event) => {
                  event.preventDefault();
                  accept(suggestion);
                }}
              >
                <span class="mono">{suggestion.term}</span>
                <span class="secondary">{suggestion.label}</span>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show
        when={error()}
        fallback={
          <p id="search-help" class="search-help secondary">
            Keys: actor, action, entity, within, ip, created, request. Press Enter to search.
          </p>
        }
      >
        {(problem) => (
          <p id="search-error" class="field-error search-error" role="alert">
            In <code class="mono">{problem().part}</code>: {problem().message}
          </p>
        )}
      </Show>
    </form>
  );
};
