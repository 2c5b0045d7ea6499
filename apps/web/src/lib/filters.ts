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
import { formatSearch, parseIpFilter, parseSearch } from '@auditlog/audit/search';
import type { ActorFilter, RecordRef, SearchFilters } from '@auditlog/audit/search';
import type { AuditListInput } from './api.ts';

export interface Filters {
  action: string;
  entityType: string;
  from: string;
  to: string;
  page: number;
  /** The investigation's filters, as the search grammar writes their values: `actor=adam@…`, `record=ticket/ck1`. */
  actor: string;
  ip: string;
  record: string;
  within: string;
  request: string;
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
    ...readInvestigation(params),
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
    actor: filters.actor || undefined,
    ip: filters.ip || undefined,
    record: filters.record || undefined,
    within: filters.within || undefined,
    request: filters.request || undefined,
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
    ...investigationInput(filters),
  };
}

export const hasFilters = (filters: Filters) =>
  Boolean(
    filters.action ||
    filters.entityType ||
    filters.from ||
    filters.to ||
    filters.actor ||
    filters.ip ||
    filters.record ||
    filters.within ||
    filters.request,
  );

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

// ───────────────────────────── the investigation's filters and the search bar ─────────────────────────────

/** Parameters no page link could carry are dropped (`actor` must read as an actor, `ip` as an address or range). */
function readInvestigation(params: Params): Pick<Filters, 'actor' | 'ip' | 'record' | 'within' | 'request'> {
  const ip = parseIpFilter(one(params.ip));
  const ref = (key: string) => {
    const text = one(params[key]).slice(0, 400);
    const parsed = recordOf(text);
    return parsed && NAME_PATTERN.test(parsed.entityType) && parsed.entityId ? text : '';
  };
  return {
    actor: actorOf(one(params.actor).slice(0, 400)) ? one(params.actor) : '',
    ip: one(params.ip) && ip.ok ? ip.value.text : '',
    record: ref('record'),
    within: ref('within'),
    request: one(params.request).slice(0, 200),
  };
}

/** The actor filter the URL value (the grammar's, after `actor:`) says. */
export function actorOf(text: string): ActorFilter | undefined {
  const parsed = text ? parseSearch(`actor:${text}`) : null;
  return parsed?.ok ? parsed.filters.actor : undefined;
}

/** The URL value of an actor filter. */
export const actorParam = (actor: ActorFilter) => formatSearch({ actor }).slice('actor:'.length);

export function recordOf(text: string): RecordRef | undefined {
  const slash = text.indexOf('/');
  return slash > 0 ? { entityType: text.slice(0, slash), entityId: text.slice(slash + 1) } : undefined;
}

/** `type/id` for the URL. */
export const recordParam = (ref: RecordRef) => `${ref.entityType}/${ref.entityId}`;

function investigationInput(filters: Filters): Partial<AuditListInput> {
  const record = recordOf(filters.record);
  return {
    actor: actorOf(filters.actor),
    ip: filters.ip || undefined,
    ...(record ? { entityType: record.entityType, entityId: record.entityId } : {}),
    within: recordOf(filters.within),
    requestId: filters.request || undefined,
  };
}

/** What the search bar shows for the filters. */
export function searchOf(filters: Filters): string {
  const record = recordOf(filters.record);
  const search: SearchFilters = {
    actor: actorOf(filters.actor),
    action: filters.action || undefined,
    entityType: record?.entityType ?? (filters.entityType || undefined),
    entityId: record?.entityId,
    within: recordOf(filters.within),
    ip: filters.ip || undefined,
    from: filters.from || undefined,
    to: filters.to || undefined,
    requestId: filters.request || undefined,
  };
  return formatSearch(JSON.parse(JSON.stringify(search)) as SearchFilters);
}

/** The filters a parsed query sets (every filter: what the query leaves out is cleared). */
export function filtersOfSearch(search: SearchFilters): Omit<Filters, 'page'> {
  return {
    action: search.action ?? '',
    entityType: search.entityId === undefined ? (search.entityType ?? '') : '',
    from: search.from ?? '',
    to: search.to ?? '',
    actor: search.actor ? actorParam(search.actor) : '',
    ip: search.ip ?? '',
    record: search.entityType && search.entityId !== undefined ? `${search.entityType}/${search.entityId}` : '',
    within: search.within ? recordParam(search.within) : '',
    request: search.requestId ?? '',
  };
}

/** Where a record's history lives. */
export const historyHref = (ref: { type: string; id: string }) =>
  `/admin/audit-logs/records/${encodeURIComponent(ref.type)}/${encodeURIComponent(ref.id)}`;
