/**
 * Time zones without a library: the admin's zone, UTC, or the zone a shared link names (`?tz=Europe/Berlin`), and
 * the conversions between an instant and the wall-clock time of a zone that the date filters and the list need.
 */
import { createSignal } from 'solid-js';

export const UTC = 'UTC';

/** The browser's zone (the admin's), e.g. `Europe/Berlin`; UTC when the browser does not say. */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || UTC;

const validity = new Map<string, boolean>();

/** Whether `name` is a time zone this browser knows (IANA names and `UTC`). */
export function isZone(name: string): boolean {
  if (!name || name.length > 64 || !/^[A-Za-z][\w+/-]*$/.test(name)) return false;
  let valid = validity.get(name);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: name });
      valid = true;
    } catch {
      valid = false;
    }
    validity.set(name, valid);
  }
  return valid;
}

/** The zone times are shown in; the Audit Logs page sets it from its URL, every formatter reads it. */
const [zone, setZone] = createSignal(localZone());
export const displayZone = zone;
export const setDisplayZone = (name: string) => setZone(isZone(name) ? name : localZone());

/** The zone the page's link names (`?tz=`), '' when it names none: the links the page makes to its views keep it. */
const [linked, setLinked] = createSignal('');
export const linkZone = linked;
export const setLinkZone = (name: string) => setLinked(isZone(name) ? name : '');

/** Wall-clock fields; months 1–12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock time of `instant` in `timeZone`. */
export function wallTime(instant: Date, timeZone: string): WallTime {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: (fields.hour ?? 0) % 24,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
    millisecond: ((instant.getTime() % 1000) + 1000) % 1000,
  };
}

const asUtc = (t: WallTime) => Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);

/**
 * The instant at which `timeZone`'s clocks show `time` (two passes, so that a change of offset between the guess and
 * the answer is taken into account). A time that does not exist there (clocks jumping forward) falls just after it.
 */
export function instantOf(time: WallTime, timeZone: string): Date {
  const target = asUtc(time);
  const offsetAt = (instant: number) => asUtc(wallTime(new Date(instant), timeZone)) - instant;
  const guess = target - offsetAt(target);
  return new Date(target - offsetAt(guess));
}

/** A zone's short name at `at`: "UTC", "GMT+1", "EST" (as the browser's locale writes it). */
export function zoneAbbreviation(timeZone: string, at = new Date()): string {
  const name = new Intl.DateTimeFormat(undefined, { timeZone, timeZoneName: 'short' })
    .formatToParts(at)
    .find((part) => part.type === 'timeZoneName')?.value;
  return name ?? timeZone;
}

/** "Europe/Berlin" → "Europe/Berlin (GMT+1)"; UTC → "UTC". */
export function zoneLabel(timeZone: string, at = new Date()): string {
  const short = zoneAbbreviation(timeZone, at);
  return timeZone === UTC || short === timeZone ? timeZone : `${timeZone.replaceAll('_', ' ')} (${short})`;
}
