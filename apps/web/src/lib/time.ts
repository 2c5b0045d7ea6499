/**
 * Times in the admin's locale, in the zone the page shows (the admin's own or UTC, or the one a shared link names:
 * `displayZone`). Every formatter reads the zone, so what shows a time follows a switch of zone.
 */
import { displayZone, wallTime } from './zone.ts';

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

const FORMATS = {
  timeOfDay: { hour: '2-digit', minute: '2-digit' },
  /** "Nov 28" */
  dayThisYear: { month: 'short', day: 'numeric' },
  /** "Nov 28, 2025" */
  day: { year: 'numeric', month: 'short', day: 'numeric' },
  full: { dateStyle: 'full', timeStyle: 'long' },
  exact: {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
    timeZoneName: 'short',
  },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

const cache = new Map<string, Intl.DateTimeFormat>();
function format(kind: keyof typeof FORMATS, date: Date): string {
  const timeZone = displayZone();
  const key = `${kind} ${timeZone}`;
  let formatter = cache.get(key);
  if (!formatter) cache.set(key, (formatter = new Intl.DateTimeFormat(undefined, { ...FORMATS[kind], timeZone })));
  return formatter.format(date);
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "2 hours ago", "yesterday", "just now". */
export function relativeTime(date: Date, now = new Date()): string {
  const seconds = (date.getTime() - now.getTime()) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return Math.abs(seconds) < 45 ? 'just now' : relative.format(Math.round(seconds / 60), 'minute');
}

/** Whether `date` falls on the same calendar day as `now` in the zone shown. */
export function isSameDay(date: Date, now: Date): boolean {
  const a = wallTime(date, displayZone());
  const b = wallTime(now, displayZone());
  return a.year === b.year && a.month === b.month && a.day === b.day;
}

/** "Nov 28" this year, "Nov 28, 2025" before, in the zone shown. */
export function formatDay(date: Date, now = new Date()): string {
  const sameYear = wallTime(date, displayZone()).year === wallTime(now, displayZone()).year;
  return format(sameYear ? 'dayThisYear' : 'day', date);
}

export const formatTimeOfDay = (date: Date) => format('timeOfDay', date);
export const formatFull = (date: Date) => format('full', date);
export const formatExact = (date: Date) => format('exact', date);
