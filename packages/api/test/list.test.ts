/**
 * audit.list and audit.get over known datasets, through `createCaller` (moved from the server's HTTP suite): filters,
 * pagination and entity labels. Every organization and entry is
 * made in the first beforeAll, before any list runs; each expectation is computed here from the dataset, never read
 * back from the API: totals, items and their order.
 */
import { withAuditContext } from '@auditlog/audit';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ListOutput } from '../src/index.ts';
import { muteAccessEntries, newestFirst, seedEntries, storedEntries } from '../src/testing.ts';
import type { TestOrganization } from '../src/testing.ts';
import { failureOf, useTestApi } from './support/callers.ts';
import type { ApiCaller } from './support/callers.ts';

type Entry = ListOutput['items'][number];

// ───────────────────────────── the filter dataset ─────────────────────────────
// 30 entries over 10 days, three a day, two of them at the same millisecond, with every action and entity type.

const DAY = 86_400_000;
const ACTIONS = ['create', 'update', 'delete', 'login', 'logout'] as const;
const ENTITY_TYPES = ['client', 'ticket', 'invoice', 'user'] as const;
const FIRST_DAY = Date.parse('2025-03-01T00:00:00.000Z');

/** Entry i: day ⌊i/3⌋; the first of the day at 08:00:00.123, the other two both at 14:30:00.456 (a tie). */
function timeOf(i: number): Date {
  const day = Math.floor(i / 3);
  const time = i % 3 === 0 ? Date.parse('1970-01-01T08:00:00.123Z') : Date.parse('1970-01-01T14:30:00.456Z');
  return new Date(FIRST_DAY + day * DAY + time);
}

const FILTER_PLAN = Array.from({ length: 30 }, (_, i) => ({
  action: ACTIONS[i % ACTIONS.length] ?? 'create',
  entityType: ENTITY_TYPES[i % ENTITY_TYPES.length] ?? 'client',
  entityId: `seed-${String(i).padStart(2, '0')}`,
  at: timeOf(i),
}));

interface ModelEntry {
  id: string;
  createdAt: string;
  action: string;
  entityType: string;
}

interface Filters {
  action?: string;
  entityType?: string;
  startDate?: string;
  endDate?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const at = (i: number) => timeOf(i).getTime();

function matching(model: ModelEntry[], filters: Filters): ModelEntry[] {
  return model
    .filter(
      (entry) =>
        (!filters.action || entry.action === filters.action) &&
        (!filters.entityType || entry.entityType === filters.entityType) &&
        (!filters.startDate || Date.parse(entry.createdAt) >= Date.parse(filters.startDate)) &&
        (!filters.endDate || Date.parse(entry.createdAt) <= Date.parse(filters.endDate)),
    )
    .sort(newestFirst);
}

/** Date windows for the combinations: none, from the tie of day 2, until the morning entry of day 7, or both. */
const WINDOWS: { label: string; startDate?: string; endDate?: string }[] = [
  { label: 'any time' },
  { label: 'from day 2 14:30:00.456', startDate: iso(at(7)) },
  { label: 'until day 7 08:00:00.123', endDate: iso(at(21)) },
  { label: 'from day 2 14:30:00.456 until day 7 08:00:00.123', startDate: iso(at(7)), endDate: iso(at(21)) },
];

/** Every combination of the four filters (16), each with several values: 'create' and 'user' also match setup entries. */
const COMBINATIONS = [undefined, 'create', 'update', 'login'].flatMap((action) =>
  [undefined, 'user', 'ticket'].flatMap((entityType) =>
    WINDOWS.map((window) => ({
      name: `action ${action ?? '(any)'}, entity type ${entityType ?? '(any)'}, ${window.label}`,
      filters: {
        ...(action ? { action } : {}),
        ...(entityType ? { entityType } : {}),
        ...(window.startDate ? { startDate: window.startDate } : {}),
        ...(window.endDate ? { endDate: window.endDate } : {}),
      } satisfies Filters,
    })),
  ),
);

// ───────────────────────────── the paging dataset ─────────────────────────────
// 23 `sync` entries at 8 instants: ties of three straddle the page boundaries of 5.

const PAGE_COUNT_ENTRIES = 23;
const PAGE_SIZE = 5;
const SYNC = { action: 'sync' } as const;
const PAGING_PLAN = Array.from({ length: PAGE_COUNT_ENTRIES }, (_, i) => ({
  action: 'sync',
  entityType: 'integration',
  entityId: `sync-${String(i).padStart(2, '0')}`,
  at: new Date(Date.parse('2025-06-01T12:00:00.000Z') + Math.floor(i / 3) * 3_600_000),
}));

const ids = (page: ListOutput) => page.items.map((item) => item.id);

/** What the log shows for a record it knows no name of: an ellipsis and the id's last eight characters. */
const shortened = (id: string) => (id.length > 12 ? `…${id.slice(-8)}` : id);

describe.each(testEngines)('audit.list and audit.get on %s', { timeout: 30_000 }, (engine) => {
  const api = useTestApi(engine);
  const filtering = {} as { org: TestOrganization; client: ApiCaller; model: ModelEntry[] };
  const paging = {} as { org: TestOrganization; key: string; client: ApiCaller; order: string[] };
  const labels = {} as {
    org: TestOrganization;
    client: ApiCaller;
    owner: ApiCaller;
    ids: Record<'client' | 'ticket' | 'invoice' | 'quote' | 'deletedClient' | 'renamedClient' | 'rivalClient', string>;
  };

  beforeAll(async () => {
    const { prisma, callerWithKey, callerAs, createOrganization } = api();

    // Filters: the organization's own setup entries, then the 30 seeded ones.
    filtering.org = await createOrganization('Filter Org');
    filtering.client = await callerWithKey(await filtering.org.createApiKey(['audit:read']));
    const setup = await storedEntries(prisma, filtering.org.id);
    const seeded = await seedEntries(prisma, filtering.org.id, { userId: filtering.org.users.OWNER.id }, FILTER_PLAN);
    // The model is the dataset: the client's reads write no access entry (audit-log-reads.test.ts tests those).
    await muteAccessEntries(prisma, filtering.org.id);
    filtering.model = [...setup, ...seeded].map(({ id, createdAt, action, entityType }) => ({
      id,
      createdAt,
      action,
      entityType,
    }));

    // Paging.
    paging.org = await createOrganization('Paging Org');
    paging.key = await paging.org.createApiKey(['audit:read', 'audit:write']);
    paging.client = await callerWithKey(paging.key);
    const synced = await seedEntries(prisma, paging.org.id, { systemName: 'RMM sync' }, PAGING_PLAN);
    paging.order = [...synced].sort(newestFirst).map((entry) => entry.id);

    // Labels: live, deleted and renamed records, and a client of another organization.
    labels.org = await createOrganization('Label Org');
    labels.client = await callerWithKey(await labels.org.createApiKey(['audit:read', 'audit:write']));
    labels.owner = await callerAs(labels.org.users.OWNER);
    const organizationId = labels.org.id;
    labels.ids = await withAuditContext({ userId: labels.org.users.OWNER.id }, async () => {
      const globex = await prisma.client.create({ data: { organizationId, name: 'Globex Corporation' } });
      const ticket = await prisma.ticket.create({
        data: { organizationId, number: 1042, subject: 'Printer on fire', clientId: globex.id },
      });
      const invoice = await prisma.invoice.create({
        data: { organizationId, clientId: globex.id, number: 'INV-2025-0042' },
      });
      const quote = await prisma.quote.create({
        data: { organizationId, clientId: globex.id, number: 'Q-2025-007', title: 'New firewall' },
      });
      const gone = await prisma.client.create({ data: { organizationId, name: 'Gone Ltd' } });
      await prisma.client.delete({ where: { id: gone.id } });
      const renamed = await prisma.client.create({ data: { organizationId, name: 'Initech' } });
      await prisma.client.update({ where: { id: renamed.id }, data: { name: 'Initrode' } });
      return {
        client: globex.id,
        ticket: ticket.id,
        invoice: invoice.id,
        quote: quote.id,
        deletedClient: gone.id,
        renamedClient: renamed.id,
        rivalClient: '',
      };
    });
    // The paging organization plays the rival: it owns a client whose id the label organization will mention.
    const rival = await withAuditContext({ userId: paging.org.users.OWNER.id }, () =>
      prisma.client.create({ data: { organizationId: paging.org.id, name: 'Rival Secret Client' } }),
    );
    labels.ids.rivalClient = rival.id;
  }, 90_000);

  describe('filters', () => {
    const listAll = (filters: Filters) => filtering.client.audit.list({ ...filters, pageSize: 100 });

    it('holds exactly the dataset: the seeded entries at their chosen times, and nothing written by reading', async () => {
      const stored = await storedEntries(api().prisma, filtering.org.id);
      expect(stored.map((entry) => entry.id)).toEqual([...filtering.model].sort(newestFirst).map((entry) => entry.id));
      const seeded = stored.filter((entry) => entry.entityId.startsWith('seed-'));
      expect(seeded).toHaveLength(30);
      for (const entry of seeded) {
        expect(entry.createdAt, entry.entityId).toBe(
          FILTER_PLAN.find((item) => item.entityId === entry.entityId)?.at.toISOString(),
        );
      }
      await listAll({});
      expect(await api().prisma.auditLog.count({ where: { organizationId: filtering.org.id } })).toBe(
        filtering.model.length,
      );
    });

    it('lists newest first, breaking ties at the same millisecond by id descending', async () => {
      const { items, total } = await listAll({});
      expect(total).toBe(filtering.model.length);
      expect(items.map((item) => item.id)).toEqual([...filtering.model].sort(newestFirst).map((entry) => entry.id));
      // The dataset has ten ties; each must come out in descending id order.
      const tied = items.filter((item) => item.createdAt.endsWith('14:30:00.456Z'));
      expect(tied).toHaveLength(20);
      for (let i = 0; i < tied.length; i += 2) {
        const [a, b] = [tied[i], tied[i + 1]];
        expect(a?.createdAt, `tie ${i / 2}`).toBe(b?.createdAt);
        expect((a?.id ?? '') > (b?.id ?? ''), `tie ${i / 2}: ${a?.id} before ${b?.id}`).toBe(true);
      }
    });

    it.each([...ACTIONS, 'export'])('filters by action alone: %s', async (action) => {
      const expected = matching(filtering.model, { action });
      const { items, total } = await listAll({ action });
      expect(total).toBe(expected.length);
      expect(items.map((item) => item.id)).toEqual(expected.map((entry) => entry.id));
      expect(items.every((item) => item.action === action)).toBe(true);
      if (action !== 'export') expect(total).toBeGreaterThanOrEqual(6);
    });

    it.each([...ENTITY_TYPES, 'quote'])('filters by entity type alone: %s', async (entityType) => {
      const expected = matching(filtering.model, { entityType });
      const { items, total } = await listAll({ entityType });
      expect(total).toBe(expected.length);
      expect(items.map((item) => item.id)).toEqual(expected.map((entry) => entry.id));
      expect(items.every((item) => item.entity.type === entityType)).toBe(true);
      if (entityType !== 'quote') expect(total).toBeGreaterThanOrEqual(7);
    });

    it('includes an entry created exactly at startDate, and excludes it one millisecond later', async () => {
      const startDate = iso(at(15)); // day 5, 08:00:00.123
      const included = await listAll({ startDate });
      expect(included.total).toBe(matching(filtering.model, { startDate }).length);
      expect(included.items.at(-1)?.createdAt).toBe(startDate);

      const excluded = await listAll({ startDate: iso(at(15) + 1) });
      expect(excluded.total).toBe(included.total - 1);
      expect(excluded.items.map((item) => item.createdAt)).not.toContain(startDate);
    });

    it('includes an entry created exactly at endDate (inclusive at the millisecond), and excludes it one millisecond earlier', async () => {
      const endDate = iso(at(15));
      const included = await listAll({ endDate });
      expect(included.total).toBe(16); // entries 0 to 15
      expect(included.items[0]?.createdAt).toBe(endDate);

      const excluded = await listAll({ endDate: iso(at(15) - 1) });
      expect(excluded.total).toBe(15);
      expect(excluded.items.map((item) => item.createdAt)).not.toContain(endDate);
    });

    it('includes both entries of a tie at endDate, and returns only them when startDate equals endDate', async () => {
      const tie = iso(at(4)); // entries 4 and 5, day 1 14:30:00.456
      const until = await listAll({ endDate: tie });
      expect(until.total).toBe(6);
      expect(until.items.slice(0, 2).map((item) => item.createdAt)).toEqual([tie, tie]);

      const instant = await listAll({ startDate: tie, endDate: tie });
      expect(instant.total).toBe(2);
      expect(instant.items.map((item) => item.id)).toEqual(
        matching(filtering.model, { startDate: tie, endDate: tie }).map((entry) => entry.id),
      );
    });

    it('reads dates with a time-zone offset as the same instant as in UTC', async () => {
      // 2025-03-04T08:00:00.123Z and 2025-03-06T08:00:00.123Z, written as +02:00, +01:00 and -05:30.
      const offset = await listAll({
        startDate: '2025-03-04T10:00:00.123+02:00',
        endDate: '2025-03-06T09:00:00.123+01:00',
      });
      const utc = await listAll({ startDate: iso(at(9)), endDate: iso(at(15)) });
      expect(offset.items.map((item) => item.id)).toEqual(utc.items.map((item) => item.id));
      expect(offset.total).toBe(7);
      expect((await listAll({ endDate: '2025-03-04T02:30:00.123-05:30' })).total).toBe(10);
    });

    it.each(COMBINATIONS)('filters by $name', async ({ filters }) => {
      const expected = matching(filtering.model, filters);
      const { items, total, pageCount } = await listAll(filters);
      expect(total).toBe(expected.length);
      expect(pageCount).toBe(expected.length === 0 ? 0 : 1);
      expect(items.map((item) => item.id)).toEqual(expected.map((entry) => entry.id));
    });

    it('finds the one entry matching all four filters, at the inclusive end of the window', async () => {
      // update × ticket happens for entries 1 and 21 only; entry 21 sits exactly at endDate, entry 1 before startDate.
      const { items, total } = await listAll({
        action: 'update',
        entityType: 'ticket',
        startDate: iso(at(7)),
        endDate: iso(at(21)),
      });
      expect(total).toBe(1);
      expect(items.map((item) => item.entity.id)).toEqual(['seed-21']);
    });
  });

  describe('pagination', () => {
    const pageByNumber = (page: number, pageSize = PAGE_SIZE) => paging.client.audit.list({ ...SYNC, page, pageSize });
    const byCursor = (cursor: string | null) =>
      paging.client.audit.list({ ...SYNC, pageSize: PAGE_SIZE, cursor: cursor ?? '' });

    it('answers an empty result with total 0, pageCount 0 and no cursors', async () => {
      expect(await paging.client.audit.list({ action: 'archive' })).toEqual({
        items: [],
        total: 0,
        page: 1,
        pageSize: 25,
        pageCount: 0,
        nextCursor: null,
        prevCursor: null,
      });
    });

    it('returns everything on exactly one page when the page size equals the total', async () => {
      const page = await pageByNumber(1, PAGE_COUNT_ENTRIES);
      expect(ids(page)).toEqual(paging.order);
      expect(page).toMatchObject({
        total: PAGE_COUNT_ENTRIES,
        page: 1,
        pageCount: 1,
        nextCursor: null,
        prevCursor: null,
      });
    });

    it('returns a partial last page with a way back and no way forward', async () => {
      const last = await pageByNumber(5);
      expect(ids(last)).toEqual(paging.order.slice(20));
      expect(last.items).toHaveLength(3);
      expect(last).toMatchObject({ total: PAGE_COUNT_ENTRIES, page: 5, pageCount: 5, nextCursor: null });
      expect(last.prevCursor).toEqual(expect.any(String));
    });

    it('refuses a page past the last with 400 BAD_REQUEST naming the last page', async () => {
      for (const [page, pageSize, last] of [
        [6, PAGE_SIZE, 5],
        [1_000_000, 100, 1],
      ] as const) {
        const failure = await failureOf(pageByNumber(page, pageSize));
        expect(failure, `page ${page} of ${pageSize}`).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
        expect(failure.message, `page ${page} of ${pageSize}`).toContain(
          `page ${page} is past the last page: the last page is ${last}`,
        );
      }
    });

    it('accepts page sizes 1 and 100', async () => {
      const one = await pageByNumber(1, 1);
      expect(ids(one)).toEqual(paging.order.slice(0, 1));
      expect(one.pageCount).toBe(PAGE_COUNT_ENTRIES);
      expect(ids(await pageByNumber(2, 1))).toEqual(paging.order.slice(1, 2));
      const hundred = await pageByNumber(1, 100);
      expect(ids(hundred)).toEqual(paging.order);
      expect(hundred.pageCount).toBe(1);
    });

    it.each([0, 101])('refuses page size %s with BAD_REQUEST (400) naming pageSize', async (pageSize) => {
      const failure = await failureOf(paging.client.audit.list({ pageSize }));
      expect(failure.httpStatus).toBe(400);
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.message).toContain('pageSize');
    });

    it('gives every page by number in order, without gaps or repeats, with ties split across pages', async () => {
      const pages = await Promise.all([1, 2, 3, 4, 5].map((page) => pageByNumber(page)));
      expect(pages.flatMap(ids)).toEqual(paging.order);
      expect(pages.map((page) => page.page)).toEqual([1, 2, 3, 4, 5]);
    });

    it('walks forward with nextCursor through the same pages as page numbers', async () => {
      const walked: ListOutput[] = [await pageByNumber(1)];
      for (let current = walked[0]; current?.nextCursor;) {
        current = await byCursor(current.nextCursor);
        walked.push(current);
        if (walked.length > 10) throw new Error('nextCursor never ends');
      }
      expect(walked.map((page) => page.page)).toEqual([1, 2, 3, 4, 5]);
      for (const page of walked) {
        expect(ids(page), `page ${page.page}`).toEqual(ids(await pageByNumber(page.page)));
        expect(page, `page ${page.page}`).toMatchObject({ total: PAGE_COUNT_ENTRIES, pageCount: 5 });
      }
      expect(walked.flatMap(ids)).toEqual(paging.order);
    });

    it('walks back with prevCursor from the last page through the same pages as page numbers', async () => {
      const walked: ListOutput[] = [await pageByNumber(5)];
      for (let current = walked[0]; current?.prevCursor;) {
        current = await byCursor(current.prevCursor);
        walked.push(current);
        if (walked.length > 10) throw new Error('prevCursor never ends');
      }
      expect(walked.map((page) => page.page)).toEqual([5, 4, 3, 2, 1]);
      for (const page of walked) expect(ids(page), `page ${page.page}`).toEqual(ids(await pageByNumber(page.page)));
      expect(walked.at(-1)?.nextCursor).toEqual(expect.any(String));
    });

    it('lands on the same page going back then forward again from the middle', async () => {
      const third = await pageByNumber(3);
      const second = await byCursor(third.prevCursor);
      const thirdAgain = await byCursor(second.nextCursor);
      expect(ids(second)).toEqual(paging.order.slice(5, 10));
      expect(ids(thirdAgain)).toEqual(ids(third));
      expect(thirdAgain.page).toBe(3);
    });

    it.each([
      { change: 'another action', input: { action: 'login' } },
      { change: 'no action filter', input: {} },
      { change: 'an added entity type', input: { ...SYNC, entityType: 'integration' } },
      { change: 'an added startDate', input: { ...SYNC, startDate: '2025-01-01T00:00:00Z' } },
      { change: 'an added endDate', input: { ...SYNC, endDate: '2030-01-01T00:00:00Z' } },
      { change: 'another page size', input: { ...SYNC, pageSize: 6 } },
    ])('refuses a cursor reused with $change: 400 BAD_REQUEST', async ({ input }) => {
      const cursor = (await pageByNumber(1)).nextCursor ?? '';
      const failure = await failureOf(paging.client.audit.list({ pageSize: PAGE_SIZE, ...input, cursor }));
      expect(failure).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
      expect(failure.message).toMatch(/cursor/i);
      // The same cursor with the filters it was made for still works.
      expect(ids(await byCursor(cursor))).toEqual(paging.order.slice(5, 10));
    });

    it('refuses a cursor made in another organization with 400 BAD_REQUEST (it is signed for its organization)', async () => {
      const cursor = (await paging.client.audit.list({ pageSize: PAGE_SIZE })).nextCursor ?? '';
      const failure = await failureOf(filtering.client.audit.list({ pageSize: PAGE_SIZE, cursor }));
      expect(failure).toMatchObject({ code: 'BAD_REQUEST', httpStatus: 400 });
      expect(failure.message).toMatch(/cursor/i);
    });

    it('keeps cursor pages stable while newer entries arrive (no repeats, no gaps)', async () => {
      // Walks the integration entries (the 23 syncs); the newer ones are imports, so other tests keep their 23 syncs.
      const filter = { entityType: 'integration', pageSize: 4 };
      const first = await paging.client.audit.list(filter);
      expect(ids(first)).toEqual(paging.order.slice(0, 4));
      // Two newer entries arrive, through the API: page numbers now shift by two; cursors must not.
      await paging.client.audit.record({ action: 'import', entityType: 'integration', entityId: 'late-1' });
      await paging.client.audit.record({ action: 'import', entityType: 'integration', entityId: 'late-2' });
      expect(ids(await paging.client.audit.list({ ...filter, page: 2 }))).toEqual(paging.order.slice(2, 6));
      const second = await paging.client.audit.list({ ...filter, cursor: first.nextCursor ?? '' });
      const third = await paging.client.audit.list({ ...filter, cursor: second.nextCursor ?? '' });
      expect([...ids(first), ...ids(second), ...ids(third)]).toEqual(paging.order.slice(0, 12));
      expect(second.total).toBe(PAGE_COUNT_ENTRIES + 2);
    });
  });

  describe('entity labels', () => {
    async function entriesFor(entityType: string, entityId: string): Promise<Entry[]> {
      const { items } = await labels.client.audit.list({ entityType, pageSize: 100 });
      return items.filter((item) => item.entity.id === entityId);
    }

    it.each([
      { type: 'client', key: 'client', label: 'Globex Corporation' },
      { type: 'ticket', key: 'ticket', label: '#1042 Printer on fire' },
      { type: 'invoice', key: 'invoice', label: 'INV-2025-0042' },
      { type: 'quote', key: 'quote', label: 'Q-2025-007' },
    ] as const)(
      'names a live $type by "$label" with exists: true, in the list and in get',
      async ({ type, key, label }) => {
        const entries = await entriesFor(type, labels.ids[key]);
        expect(entries.map((entry) => entry.action)).toEqual(['create']);
        expect(entries[0]?.entity).toEqual({ type, id: labels.ids[key], label, exists: true });
        expect(entries[0]?.actor).toMatchObject({ type: 'user', id: labels.org.users.OWNER.id });
        const detail = await labels.owner.audit.get({ id: entries[0]?.id ?? '' });
        expect(detail.entity).toEqual({ type, id: labels.ids[key], label, exists: true });
      },
    );

    it('names a deleted record from its last snapshot with exists: false, on its create and delete entries alike', async () => {
      const id = labels.ids.deletedClient;
      const entries = await entriesFor('client', id);
      // (Sorted: the two can share a millisecond, and then their order is their ids'.)
      expect(entries.map((entry) => entry.action).sort()).toEqual(['create', 'delete']);
      for (const entry of entries)
        expect(entry.entity, `its ${entry.action} entry`).toEqual({
          type: 'client',
          id,
          label: 'Gone Ltd',
          exists: false,
        });
    });

    it('shows the current name of a renamed record on its older entries too', async () => {
      const entries = await entriesFor('client', labels.ids.renamedClient);
      expect(entries.map((entry) => entry.action).sort()).toEqual(['create', 'update']);
      for (const entry of entries) expect(entry.entity.label, `its ${entry.action} entry`).toBe('Initrode');
    });

    it("gives a custom entity type ('report') exists: null", async () => {
      const longId = 'report-2025-annual-summary';
      const { id } = await labels.client.audit.record({
        action: 'export',
        entityType: 'report',
        entityId: longId,
      });
      const detail = await labels.client.audit.get({ id });
      expect(detail.entity).toEqual({ type: 'report', id: longId, label: shortened(longId), exists: null });
      expect((await entriesFor('report', longId))[0]?.entity).toEqual(detail.entity);
    });

    it("never names another organization's record: its id reads as a record this log never saw", async () => {
      const rivalId = labels.ids.rivalClient;
      const { id } = await labels.client.audit.record({
        action: 'access',
        entityType: 'client',
        entityId: rivalId,
      });
      const detail = await labels.client.audit.get({ id });
      expect(detail.entity).toEqual({ type: 'client', id: rivalId, label: shortened(rivalId), exists: null });
      expect(JSON.stringify(await entriesFor('client', rivalId))).not.toContain('Rival Secret Client');
    });
  });
});
