/**
 * Completions for the search bar (`@auditlog/audit/search`'s grammar): keys while a key is typed, then values from
 * the catalog and the organization's users. Its own module, so that a page can read and write queries without
 * carrying the suggestions until the bar is used.
 */
import { isSearchKey, quoteSearchValue, SEARCH_KEYS } from './search-query.ts';
import type { SearchKey } from './search-query.ts';

export interface SuggestionSources {
  actions: readonly { value: string; label: string }[];
  entityTypes: readonly { value: string; label: string }[];
  users: readonly { name: string; email: string }[];
  systems?: readonly string[];
}

export interface SearchSuggestion {
  /** The term that replaces the one being typed, e.g. `action:delete`. */
  term: string;
  label: string;
  /** Where the replaced term is in the query: [start, end). */
  start: number;
  end: number;
}

const KEY_HINTS: Record<SearchKey, string> = {
  actor: 'who acted: an email, system, anonymous, unattributed',
  action: 'what was done, e.g. delete',
  entity: 'a record type, or type/id for one record',
  within: 'a record and everything belonging to it, e.g. client/<id>',
  ip: 'an address or CIDR range',
  created: 'a day or a range, e.g. 2026-11-01..2026-11-07',
  request: 'one request id',
};

/** The word around `cursor` (from the last space before it to the next space after it). */
function wordAt(query: string, cursor: number): { start: number; end: number; text: string } {
  let start = Math.min(cursor, query.length);
  while (start > 0 && !/\s/.test(query[start - 1] ?? '')) start -= 1;
  let end = Math.min(cursor, query.length);
  while (end < query.length && !/\s/.test(query[end] ?? '')) end += 1;
  return { start, end, text: query.slice(start, end) };
}

function valueCandidates(key: SearchKey, sources: SuggestionSources): { value: string; label: string }[] {
  switch (key) {
    case 'action':
      return [...sources.actions];
    case 'entity':
    case 'within':
      return sources.entityTypes.map((type) => ({
        value: key === 'within' ? `${type.value}/` : type.value,
        label: type.label,
      }));
    case 'actor':
      return [
        ...sources.users.map((user) => ({ value: user.email.toLowerCase(), label: `${user.name} (${user.email})` })),
        { value: 'system', label: 'System (any job or API key)' },
        ...(sources.systems ?? []).map((name) => ({
          value: `system:${quoteSearchValue(name)}`,
          label: `System: ${name}`,
        })),
        { value: 'anonymous', label: 'Anonymous (failed sign-ins)' },
        { value: 'unattributed', label: 'Unattributed (written outside any audit context)' },
      ];
    default:
      return [];
  }
}

/** Completions for the term at `cursor`: keys while the key is typed, then values from the catalog and the users. */
export function suggestSearch(
  query: string,
  cursor: number,
  sources: SuggestionSources,
  limit = 8,
): SearchSuggestion[] {
  const word = wordAt(query, cursor);
  const colon = word.text.indexOf(':');
  const at = { start: word.start, end: word.end };
  if (colon < 0) {
    const prefix = word.text.toLowerCase();
    return SEARCH_KEYS.filter((key) => key.startsWith(prefix)).map((key) => ({
      term: `${key}:`,
      label: `${key}: ${KEY_HINTS[key]}`,
      ...at,
    }));
  }
  const key = word.text.slice(0, colon).toLowerCase();
  if (!isSearchKey(key)) return [];
  const typed = word.text.slice(colon + 1).toLowerCase();
  return valueCandidates(key, sources)
    .filter(
      (candidate) => candidate.value.toLowerCase().includes(typed) || candidate.label.toLowerCase().includes(typed),
    )
    .filter((candidate) => candidate.value.toLowerCase() !== typed)
    .slice(0, limit)
    .map((candidate) => ({ term: `${key}:${candidate.value}`, label: candidate.label, ...at }));
}
