/**
 * The page's filters and page number, kept in the URL (`?action=delete&entity=ticket&from=2026-11-01&to=2026-11-07
 * &page=2`) so that reload, back/forward and a pasted link restore the same view. Dates are calendar days in the
 * admin's time zone; the API gets instants: the start of the first day and the last millisecond of the last.
 */
import {
  actionLabel,
  entityTypeLabel,
  FILTER_ACTIONS,
  FILTER_ENTITY_TYPES,
  NAME_PATTERN,
} from '@auditlog/audit/catalog';
import type { AuditListInput } from './api.ts';

export interface Filters {
  action: string;
  entityType: string;
  from: string;
  to: string;
  page: number;
}

/** The spec's menus, from the catalog: "All …" first, then its filter subsets in order. */
export const ACTION_OPTIONS = [
  { value: '', label: 'All Actions' },
  ...FILTER_ACTIONS.map((action) => ({ value: action, label: actionLabel(action) })),
];

export const ENTITY_OPTIONS = [
  { value: '', label: 'All Types' },
  ...FILTER_ENTITY_TYPES.map((type) => ({ value: type, label: entityTypeLabel(type) })),
];

const DAY = /^\d{4}-\d{2}-\d{2}$/;

type Params = Partial<Record<string, string | string[]>>;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

/** Reads the filters from URL parameters, ignoring values that could not have come from the page. */
export function readFilters(params: Params): Filters {
  const action = one(params.action);
  const entityType = one(params.entity);
  const from = one(params.from);
  const to = one(params.to);
  const page = Number.parseInt(one(params.page), 10);
  return {
    action: NAME_PATTERN.test(action) ? action : '',
    entityType: NAME_PATTERN.test(entityType) ? entityType : '',
    from: DAY.test(from) && isRealDay(from) ? from : '',
    to: DAY.test(to) && isRealDay(to) ? to : '',
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

/** URL parameters for `filters`; empty values are removed from the URL. */
export function filterParams(filters: Filters): Record<string, string | undefined> {
  return {
    action: filters.action || undefined,
    entity: filters.entityType || undefined,
    from: filters.from || undefined,
    to: filters.to || undefined,
    page: filters.page > 1 ? String(filters.page) : undefined,
  };
}

function isRealDay(day: string): boolean {
  const [y, m, d] = day.split('-').map(Number);
  const date = new Date(y ?? 0, (m ?? 1) - 1, d ?? 1);
  return date.getFullYear() === y && date.getMonth() === (m ?? 1) - 1 && date.getDate() === d;
}

/** Local midnight of `day` (YYYY-MM-DD) as an ISO instant. */
export function startOfDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1, 0, 0, 0, 0).toISOString();
}

/** The last millisecond of `day` in local time, as an ISO instant (the end date is inclusive). */
export function endOfDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y ?? 1970, (m ?? 1) - 1, d ?? 1, 23, 59, 59, 999).toISOString();
}

/** A problem with the date range that the page shows instead of sending the request. */
export function rangeProblem(filters: Filters): string | null {
  return filters.from && filters.to && filters.from > filters.to ? 'The start date is after the end date.' : null;
}

export function toListInput(filters: Filters, pageSize: number, cursor?: string): AuditListInput {
  return {
    action: filters.action || undefined,
    entityType: filters.entityType || undefined,
    startDate: filters.from ? startOfDay(filters.from) : undefined,
    endDate: filters.to ? endOfDay(filters.to) : undefined,
    page: filters.page,
    pageSize,
    cursor,
  };
}

export const hasFilters = (filters: Filters) =>
  Boolean(filters.action || filters.entityType || filters.from || filters.to);

/** The longest range the server packs at once (longer ones: `pnpm audit:export`). */
export const MAX_PACK_DAYS = 400;

/**
 * The evidence pack's range for the page's filters, [from, to): the filtered days (the end date included), or, without
 * dates, the last MAX_PACK_DAYS days up to `now`.
 */
export function packRange(filters: Filters, now: Date): { from: string; to: string } {
  const to = filters.to ? new Date(new Date(endOfDay(filters.to)).getTime() + 1) : now;
  const from = filters.from ? new Date(startOfDay(filters.from)) : new Date(to.getTime() - MAX_PACK_DAYS * 86_400_000);
  return { from: from.toISOString(), to: to.toISOString() };
}
