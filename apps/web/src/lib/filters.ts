/**
 * The page's filters and page number, kept in the URL (`?action=delete&entity=ticket&from=2026-11-01&to=2026-11-07
 * &tz=Europe/Berlin&page=2`) so that reload, back/forward and a pasted link restore the same view. Dates are calendar
 * days, optionally with a time of day (`from=2026-11-01T09:30`), in the zone `tz` names (the admin's own when the
 * URL names none); a link with dates always names its zone, so every admin who opens it sees the same window. The
 * API gets instants: the start of the first day (or minute) and the last millisecond of the last.
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
import { instantOf, isZone, linkZone, localZone, wallTime } from './zone.ts';
import type { WallTime } from './zone.ts';

export interface Filters {
  action: string;
  entityType: string;
  from: string;
  to: string;
  /** The zone the dates are in and times are shown in; '' = the admin's own. */
  tz: string;
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

/** `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm`, years 1970 to 9999 (what the API takes). */
const DAY_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/;
/** The largest page number the API takes. */
export const MAX_PAGE = 1_000_000;

type Params = Partial<Record<string, string | string[]>>;
const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

/** The wall-clock time a `from`/`to` value names, or null when it is not a real day and time of years 1970–9999. */
export function parseDayTime(value: string): (WallTime & { hasTime: boolean }) | null {
  const match = DAY_TIME.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute] = match.slice(1).map((part) => (part === undefined ? -1 : Number(part)));
  if (year === undefined || month === undefined || day === undefined) return null;
  if (year < 1970 || year > 9999) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  const hasTime = hour !== undefined && hour >= 0;
  if (hasTime && (hour > 23 || minute === undefined || minute < 0 || minute > 59)) return null;
  return {
    year,
    month,
    day,
    hour: hasTime ? hour : 0,
    minute: hasTime ? (minute ?? 0) : 0,
    second: 0,
    millisecond: 0,
    hasTime,
  };
}

/** Reads the filters from URL parameters, ignoring values that could not have come from the page. */
export function readFilters(params: Params): Filters {
  const action = one(params.action);
  const entityType = one(params.entity);
  const from = one(params.from);
  const to = one(params.to);
  const tz = one(params.tz);
  const page = Number(one(params.page));
  return {
    action: NAME_PATTERN.test(action) ? action : '',
    entityType: NAME_PATTERN.test(entityType) ? entityType : '',
    from: parseDayTime(from) ? from : '',
    to: parseDayTime(to) ? to : '',
    tz: isZone(tz) ? tz : '',
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
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
    tz: filters.tz || undefined,
    page: filters.page > 1 ? String(filters.page) : undefined,
    actor: filters.actor || undefined,
    ip: filters.ip || undefined,
    record: filters.record || undefined,
    within: filters.within || undefined,
    request: filters.request || undefined,
  };
}

/** The zone the filters' dates are in: the link's, or the admin's own. */
export const zoneOf = (filters: Pick<Filters, 'tz'>) => filters.tz || localZone();

/** The first instant of `from` (a day's midnight, or the minute given) in `zone`. */
export function startInstant(from: string, zone: string): Date | null {
  const time = parseDayTime(from);
  return time ? instantOf(time, zone) : null;
}

/** The last millisecond of `to` (the day, or the minute given, is included) in `zone`. */
export function endInstant(to: string, zone: string): Date | null {
  const time = parseDayTime(to);
  if (!time) return null;
  const end = time.hasTime
    ? { ...time, second: 59, millisecond: 999 }
    : { ...time, hour: 23, minute: 59, second: 59, millisecond: 999 };
  return instantOf(end, zone);
}

/** A problem with the date range that the page shows instead of sending the request. */
export function rangeProblem(filters: Filters): string | null {
  const zone = zoneOf(filters);
  const start = startInstant(filters.from, zone);
  const end = endInstant(filters.to, zone);
  if (!start || !end || start <= end) return null;
  return filters.from.slice(0, 10) === filters.to.slice(0, 10)
    ? 'The start time is after the end time.'
    : 'The start date is after the end date.';
}

/** The page number the API can be asked for (a larger one is past the last page of any log). */
export const requestablePage = (page: number) => Math.min(page, MAX_PAGE);

export function toListInput(filters: Filters, pageSize: number, cursor?: string): AuditListInput {
  const zone = zoneOf(filters);
  return {
    action: filters.action || undefined,
    entityType: filters.entityType || undefined,
    startDate: startInstant(filters.from, zone)?.toISOString(),
    endDate: endInstant(filters.to, zone)?.toISOString(),
    page: requestablePage(filters.page),
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

const pad = (n: number) => String(n).padStart(2, '0');
/** `YYYY-MM-DD` of `instant` in `zone`. */
export function dayIn(instant: Date, zone: string): string {
  const t = wallTime(instant, zone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)}`;
}
/** `YYYY-MM-DDTHH:mm` of `instant` in `zone`. */
export function minuteIn(instant: Date, zone: string): string {
  const t = wallTime(instant, zone);
  return `${dayIn(instant, zone)}T${pad(t.hour)}:${pad(t.minute)}`;
}

/** The quick ranges beside the date filters: fixed windows (so that a link to one shows the same entries later). */
export const RANGE_PRESETS = [
  { id: '24h', label: 'Last 24 hours' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number]['id'];

/** `from`/`to` of a quick range ending `now`: the last 24 hours to the minute, or the last 7 or 30 days with today. */
export function presetRange(preset: RangePreset, now: Date, zone: string): { from: string; to: string } {
  if (preset === '24h') return { from: minuteIn(new Date(now.getTime() - 86_400_000), zone), to: minuteIn(now, zone) };
  const days = preset === '7d' ? 7 : 30;
  const today = wallTime(now, zone);
  const first = new Date(Date.UTC(today.year, today.month - 1, today.day - (days - 1), 12));
  return { from: dayIn(first, UTC_ZONE), to: dayIn(now, zone) };
}
const UTC_ZONE = 'UTC';

/** The longest range the server packs at once (longer ones: `pnpm audit:export`). */
export const MAX_PACK_DAYS = 400;

/**
 * The evidence pack's range for the page's filters, [from, to): the filtered days (the end date included), or, without
 * dates, the last MAX_PACK_DAYS days up to `now`.
 */
export function packRange(filters: Filters, now: Date): { from: string; to: string } {
  const zone = zoneOf(filters);
  const end = endInstant(filters.to, zone);
  const to = end ? new Date(end.getTime() + 1) : now;
  const from = startInstant(filters.from, zone) ?? new Date(to.getTime() - MAX_PACK_DAYS * 86_400_000);
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
export function filtersOfSearch(search: SearchFilters): Omit<Filters, 'page' | 'tz'> {
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

/** Where a record's history lives (in the zone the current link names, if any). */
export function historyHref(ref: { type: string; id: string }): string {
  const tz = linkZone();
  return `/admin/audit-logs/records/${encodeURIComponent(ref.type)}/${encodeURIComponent(ref.id)}${tz ? `?tz=${encodeURIComponent(tz)}` : ''}`;
}

/**
 * The list filtered by one request (every change it made), in the zone the page's link names if it names one; the
 * drawer's Request ID links to it.
 */
export function requestHref(requestId: string): string {
  const tz = linkZone();
  const query = new URLSearchParams({ request: requestId, ...(tz ? { tz } : {}) });
  return `/admin/audit-logs?${query.toString()}`;
}
