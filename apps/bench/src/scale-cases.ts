/**
 * The list cases of the scale bench: the spec's filters alone and together, one calendar month, page 10,000 by number
 * and by cursor against page 1, and the investigation filters (actor, IP exact and CIDR, one record, one request).
 *
 * The investigation filters are offered in whichever spelling the list input accepts: each candidate is parsed with
 * the API's own `listInputSchema` and used only if the filter survives the parse (zod strips keys it does not know),
 * so on a branch without them the case is reported as "not in the list input" instead of silently unfiltered.
 */
import { listInputSchema } from '@auditlog/api';
import type { ListInput } from '@auditlog/api';
import { median, percentile, time } from './stats.ts';
import type { Caller } from './list-speed.ts';
import { scaleFixture } from './scale-load.ts';

const DAY = 86_400_000;

export interface ScaleCase {
  name: string;
  input: ListInput | null;
  /** The page the response must be on (deep pages), checked on every call. */
  page?: number;
}

export interface ScaleCaseResult {
  case: string;
  total: number | null;
  p50: number;
  p95: number;
  /** Timed calls behind p50 and p95. */
  calls?: number;
  /** Why there is no measurement. */
  missing?: string;
}

/** The first candidate whose filter keys survive the API's parse, or null. */
function accepted(candidates: Record<string, unknown>[]): ListInput | null {
  for (const candidate of candidates) {
    const parsed = listInputSchema.safeParse({ ...candidate, page: 1, pageSize: 25 });
    if (!parsed.success) continue;
    const kept = parsed.data as Record<string, unknown>;
    if (Object.keys(candidate).every((key) => JSON.stringify(kept[key]) === JSON.stringify(candidate[key])))
      return parsed.data;
  }
  return null;
}

/** The investigation filters in the spellings the investigation issue may give them. */
function investigationCases(tag: string, requestId: string, now: number): ScaleCase[] {
  const busiest = scaleFixture.userId(tag, 0);
  const typical = scaleFixture.userId(tag, 120);
  const actor = (id: string) => [
    { actorId: id },
    { actorUserId: id },
    { actor: id },
    { actor: `user:${id}` },
    { actor: { type: 'user', id } },
  ];
  const ip = (value: string) => [{ ip: value }, { ipAddress: value }];
  const record = (type: string, id: string) => [
    { entityType: type, entityId: id },
    { record: { type, id } },
    { entity: { type, id } },
  ];
  const week = new Date(now - 7 * DAY).toISOString();
  return [
    { name: 'actor = busiest user (≈12% of entries)', input: accepted(actor(busiest)) },
    { name: 'actor = a typical user', input: accepted(actor(typical)) },
    {
      name: 'actor = busiest user, last 7 days',
      input: accepted(actor(busiest).map((c) => ({ ...c, startDate: week }))),
    },
    { name: 'IP exact (busiest user’s home)', input: accepted(ip(scaleFixture.homeIp(0))) },
    { name: `IP CIDR ${scaleFixture.officeCidr} (office, ≈19%)`, input: accepted(ip(scaleFixture.officeCidr)) },
    { name: 'record = hottest ticket', input: accepted(record('ticket', scaleFixture.record(0))) },
    { name: 'record = a typical ticket', input: accepted(record('ticket', scaleFixture.record(150_000))) },
    { name: 'request id', input: accepted([{ requestId }, { request: requestId }]) },
  ];
}

/** The cases at the current size; `requestId` is a real request id of the organization. */
export async function scaleCases(caller: Caller, tag: string, requestId: string): Promise<ScaleCase[]> {
  const now = Date.now();
  const today = new Date(Math.floor(now / DAY) * DAY);
  const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
  const monthEnd = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1) - 1);
  const page = async (n: number) => (await caller.audit.list({ page: n, pageSize: 25 })).nextCursor ?? undefined;
  const first = await caller.audit.list({ pageSize: 25 });
  const deep = first.pageCount >= 10_000 ? 10_000 : Math.max(2, Math.floor(first.pageCount / 2));
  const deepCursor = await page(deep - 1);
  const iso = (date: Date) => date.toISOString();
  const base: ScaleCase[] = [
    { name: 'no filter', input: { page: 1, pageSize: 25 } },
    { name: 'action = delete', input: { action: 'delete', page: 1, pageSize: 25 } },
    { name: 'entity type = ticket', input: { entityType: 'ticket', page: 1, pageSize: 25 } },
    { name: 'start date (last 7 days)', input: { startDate: iso(new Date(now - 7 * DAY)), page: 1, pageSize: 25 } },
    { name: 'end date (older than 30 days)', input: { endDate: iso(new Date(now - 30 * DAY)), page: 1, pageSize: 25 } },
    {
      name: `one month (${monthStart.toISOString().slice(0, 7)})`,
      input: { startDate: iso(monthStart), endDate: iso(monthEnd), page: 1, pageSize: 25 },
    },
    {
      name: 'all filters together',
      input: {
        action: 'update',
        entityType: 'invoice',
        startDate: iso(new Date(now - 45 * DAY)),
        endDate: iso(new Date(now - 15 * DAY)),
        page: 1,
        pageSize: 25,
      },
    },
    { name: `page ${deep.toLocaleString('en-US')} by page number`, input: { page: deep, pageSize: 25 }, page: deep },
    {
      name: `page ${deep.toLocaleString('en-US')} by cursor`,
      input: { page: 1, pageSize: 25, cursor: deepCursor },
      page: deep,
    },
  ];
  return [...base, ...investigationCases(tag, requestId, now)];
}

/** One warm-up call, then `samples` timed calls. */
export async function measureScaleCase(caller: Caller, c: ScaleCase, samples: number): Promise<ScaleCaseResult> {
  const input = c.input;
  if (!input) return { case: c.name, total: null, p50: Number.NaN, p95: Number.NaN, missing: 'not in the list input' };
  await caller.audit.list(input);
  const timings: number[] = [];
  let total = 0;
  // A slow case stops after 15 s (at least 5 calls): its p95 is then over fewer calls, as the table says.
  const started = performance.now();
  for (let i = 0; i < samples && (i < 5 || performance.now() - started < 15_000); i++) {
    timings.push(
      await time(async () => {
        const result = await caller.audit.list(input);
        total = result.total;
        if (c.page !== undefined && result.page !== c.page)
          throw new Error(`expected page ${c.page}, got ${result.page}`);
      }),
    );
  }
  return { case: c.name, total, p50: median(timings), p95: percentile(timings, 95), calls: timings.length };
}
