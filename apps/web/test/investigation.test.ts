/**
 * Investigation in a real browser (Chromium at 1440 and 768 px) against the real server: the search bar and its
 * suggestions and errors, in sync with the controls; the actor, IP and request filters; clicking a row's user, IP or
 * entity; a record's history (lazy-loaded, reachable from the entity cell and the details dialog) with a deleted
 * record named from its last snapshot; a client's roll-up. Screenshots land in apps/web/test-results/.
 */
import { runAsSystem, withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import type { Prisma } from '@auditlog/db';
import { startTestServer, TEST_PASSWORD } from '@auditlog/server/testing';
import type { TestOrganization, TestServer } from '@auditlog/server/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchForErrors } from './browser.ts';

const dayAt = (days: number, minutes = 0) => {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, 12, minutes));
};

let server: TestServer;
let org: TestOrganization;
let browser: Browser;
const ids: Record<string, string> = {};

async function seed(): Promise<void> {
  const prisma = server.db.prisma;
  const organizationId = org.id;
  const as = <T>(user: { id: string; name: string; email: string }, ip: string, at: Date, fn: () => PromiseLike<T>) =>
    withAuditContext(
      { userId: user.id, name: user.name, email: user.email, ipAddress: ip, requestId: `req-${ip}` },
      () => withSeedClock(at, fn),
    );
  const admin = org.users.ADMIN;
  const tech = org.users.TECHNICIAN;
  const client = await as(admin, '203.0.113.9', dayAt(10), () =>
    prisma.client.create({ data: { organizationId, name: 'Acme Dental' } }),
  );
  const ticket = await as(admin, '203.0.113.9', dayAt(10, 5), () =>
    prisma.ticket.create({ data: { organizationId, number: 1042, subject: 'Printer offline', clientId: client.id } }),
  );
  const doomed = await as(admin, '203.0.113.9', dayAt(10, 6), () =>
    prisma.ticket.create({ data: { organizationId, number: 1043, subject: 'Duplicate', clientId: client.id } }),
  );
  await as(tech, '198.51.100.20', dayAt(9), () =>
    prisma.ticket.update({ where: { id: ticket.id }, data: { status: 'OPEN', priority: 'HIGH' } }),
  );
  await as(org.users.BILLING, '198.51.100.77', dayAt(8), () =>
    prisma.invoice.create({ data: { organizationId, clientId: client.id, number: 'INV-2031', total: '480.00' } }),
  );
  await as(tech, '198.51.100.20', dayAt(7), () => prisma.ticket.delete({ where: { id: doomed.id } }));
  await runAsSystem({ name: 'Email sync' }, () =>
    withSeedClock(dayAt(1), () => prisma.contact.create({ data: { organizationId, name: 'Dana from email' } })),
  );
  Object.assign(ids, { client: client.id, ticket: ticket.id, doomed: doomed.id });
}

const count = (where: Prisma.AuditLogWhereInput) =>
  server.db.prisma.auditLog.count({ where: { organizationId: org.id, ...where } });
const totalOf = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'entry' : 'entries'}`;
/**
 * The page's total against the log's count. A count is taken again while polling: the reader's own access entry
 * (written with the page's first read of the hour) may land after the test first counted.
 */
const expectTotal = (page: Page, n: number | (() => Promise<number>)) =>
  expect
    .poll(async () => {
      const shown = await page.locator('.total').innerText();
      return shown === totalOf(typeof n === 'number' ? n : await n()) ? 'match' : shown;
    })
    .toBe('match');
const rows = (page: Page) => page.locator('table.log tbody tr:has(button[data-entry])');
const query = (page: Page) => new URL(page.url()).searchParams;

beforeAll(async () => {
  server = await startTestServer('pglite');
  org = await server.createOrganization('Northwind');
  await seed();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each([1440, 768])('investigating at %i px', (width) => {
  async function open(path: string) {
    const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: { width, height: 900 } });
    const page = await context.newPage();
    const errors = watchForErrors(page);
    const scripts: string[] = [];
    page.on('request', (request) => scripts.push(request.url()));
    await page.goto(`${server.url}/login?next=${encodeURIComponent(path)}`);
    await page.getByLabel('Email').fill(org.users.ADMIN.email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === path.split('?')[0]);
    return { context, page, errors, scripts };
  }

  it('searches with the grammar, in sync with the controls, suggests users, and names the wrong part', async () => {
    const { context, page, errors, scripts } = await open('/admin/audit-logs');
    await expectTotal(page, () => count({}));
    const bar = page.getByRole('combobox', { name: 'Search' });
    await bar.fill('action:delete entity:ticket');
    await bar.press('Enter');
    await expect.poll(() => query(page).toString()).toBe('action=delete&entity=ticket');
    await expectTotal(page, () => count({ action: 'delete', entityType: 'ticket' }));
    expect(await page.getByLabel('Action Type').inputValue()).toBe('delete');
    // The controls write the bar.
    await page.getByLabel('Action Type').selectOption('create');
    await expect.poll(() => bar.inputValue()).toBe('action:create entity:ticket');

    // Suggestions from the organization's users.
    await bar.fill('');
    await bar.pressSequentially('actor:techn');
    const tech = org.users.TECHNICIAN;
    await expect
      .poll(() => page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option').first().innerText())
      .toContain(tech.email);
    await screenshot(page, `investigation-suggestions-${width}`);
    await bar.press('ArrowDown');
    await bar.press('Enter');
    await expect.poll(() => bar.inputValue()).toBe(`actor:${tech.email} `);
    await bar.press('Enter');
    await expect.poll(() => query(page).get('actor')).toBe(tech.email);
    await expectTotal(page, () => count({ actorUserId: tech.id }));

    // A malformed query changes nothing and says which part is wrong.
    const before = page.url();
    await bar.fill('action:delete ip:300.1.2.3');
    await bar.press('Enter');
    const alert = page.locator('#search-error');
    await expect.poll(() => alert.innerText()).toContain('In ip:300.1.2.3: ip: "300.1.2.3" is not an IP address');
    expect(page.url()).toBe(before);
    await screenshot(page, `investigation-search-error-${width}`);
    // The history page is its own chunk, not loaded by the list.
    expect(scripts.some((url) => url.includes('RecordHistoryPage'))).toBe(false);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reads dates with a time of day into the bar and back, keeping the link’s zone out of it', async () => {
    const path = '/admin/audit-logs?from=2026-11-01T09:30&to=2026-11-07&tz=Europe/Berlin&action=delete';
    const { context, page, errors } = await open(path);
    const bar = page.getByRole('combobox', { name: 'Search' });
    await expect.poll(() => bar.inputValue()).toBe('action:delete created:2026-11-01T09:30..2026-11-07');
    // Enter on the bar as shown is accepted and changes nothing: the times and the zone stay.
    const before = query(page).toString();
    await bar.press('Enter');
    await expect.poll(() => page.locator('#search-help').isVisible()).toBe(true);
    expect(await page.locator('#search-error').count()).toBe(0);
    expect(query(page).toString()).toBe(before);
    // A time typed in the bar reaches the date filters, in the link's zone.
    await bar.fill('created:2026-11-02T08:15..2026-11-02T17:45');
    await bar.press('Enter');
    await expect.poll(() => query(page).get('from')).toBe('2026-11-02T08:15');
    expect(query(page).get('to')).toBe('2026-11-02T17:45');
    expect(query(page).get('tz')).toBe('Europe/Berlin');
    expect(query(page).get('action')).toBeNull();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('filters by clicking a user, an IP and an entity, and from the IP, user and request fields', async () => {
    const { context, page, errors } = await open('/admin/audit-logs');
    await expectTotal(page, () => count({}));
    const ticketRow = rows(page).filter({ hasText: 'Printer offline' }).filter({ hasText: 'Update' }).first();
    await ticketRow.getByRole('button', { name: /^Filter by Technician/ }).click();
    await expect.poll(() => query(page).get('actor')).toBe(`user:${org.users.TECHNICIAN.id}`);
    await expectTotal(page, () => count({ actorUserId: org.users.TECHNICIAN.id }));
    if (width > 900) {
      await rows(page).first().getByRole('button', { name: 'Filter by IP 198.51.100.20' }).click();
      await expect.poll(() => query(page).get('ip')).toBe('198.51.100.20');
    }
    await rows(page)
      .filter({ hasText: 'Printer offline' })
      .first()
      .getByRole('button', { name: /^Filter by Ticket/ })
      .click();
    await expect.poll(() => query(page).get('record')).toBe(`ticket/${ids.ticket}`);
    await expectTotal(page, () => count({ actorUserId: org.users.TECHNICIAN.id, entityId: ids.ticket }));
    await expect.poll(() => page.locator('.chip').innerText()).toContain('Record: Ticket');
    await screenshot(page, `investigation-clicked-filters-${width}`);

    await page.getByRole('button', { name: 'Clear Filters' }).first().click();
    await expect.poll(() => page.url()).toBe(`${server.url}/admin/audit-logs`);
    const ip = page.getByLabel('IP Address', { exact: true });
    await ip.fill('198.51.100.999');
    await ip.press('Enter');
    await expect.poll(() => page.locator('#filter-ip-error').innerText()).toContain('is not an IP address');
    await ip.fill('198.51.100.0/24');
    await ip.press('Enter');
    await expect.poll(() => query(page).get('ip')).toBe('198.51.100.0/24');
    await expectTotal(page, () => count({ ipAddress: { startsWith: '198.51.100.' } }));
    const user = page.getByLabel('User', { exact: true });
    await user.fill('system');
    await user.press('Enter');
    await expect.poll(() => query(page).get('actor')).toBe('system');
    await expectTotal(page, 0);
    await page.getByRole('button', { name: 'Clear Filters' }).first().click();
    await page.getByLabel('Request ID').fill('req-198.51.100.77');
    await page.getByLabel('Request ID').press('Enter');
    await expectTotal(page, () => count({ requestId: 'req-198.51.100.77' }));
    await expect
      .poll(() => page.getByRole('combobox', { name: 'Search' }).inputValue())
      .toBe('request:req-198.51.100.77');
    await screenshot(page, `investigation-fields-${width}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows a deleted record's history oldest first, from the entity cell and the dialog, and a client's roll-up", async () => {
    const { context, page, errors } = await open(`/admin/audit-logs?record=ticket/${ids.doomed}`);
    await expectTotal(page, 2);
    await rows(page)
      .first()
      .getByRole('link', { name: /^History of Ticket/ })
      .click();
    await page.waitForURL((url) => url.pathname === `/admin/audit-logs/records/ticket/${ids.doomed}`);
    const title = page.getByRole('heading', { level: 1 });
    await expect.poll(() => title.innerText()).toBe('History of Ticket #1043 Duplicate deleted');
    const entries = page.locator('ol.history > li');
    await expect.poll(() => entries.count()).toBe(2);
    expect(await entries.nth(0).locator('.badge, [class*=badge]').first().innerText()).toContain('Create');
    expect(await entries.nth(1).innerText()).toContain('Duplicate');
    await expect.poll(() => page.title()).toBe('History of Ticket #1043 Duplicate · Audit Logs · Ledgerline');
    // The changes table's cells line up (no form `.field` flex on its Field column).
    const cells = await entries
      .nth(0)
      .locator('table.changes-table tbody tr')
      .first()
      .locator('th, td')
      .evaluateAll((elements) =>
        elements.map((element) => {
          const box = element.getBoundingClientRect();
          return {
            display: getComputedStyle(element).display,
            top: Math.round(box.top),
            bottom: Math.round(box.bottom),
          };
        }),
      );
    expect(cells.length).toBeGreaterThan(1);
    for (const cell of cells)
      expect(cell).toEqual({ display: 'table-cell', top: cells[0]?.top, bottom: cells[0]?.bottom });
    // A foreign key reads as the record it named then, as in the details (it was a raw id here before).
    const client = entries.nth(0).locator('table.changes-table tr[data-field="clientId"]');
    expect(await client.locator('th').innerText()).toBe('Client');
    expect(await client.locator('td.after').innerText()).toContain('Acme Dental');
    await screenshot(page, `investigation-history-deleted-${width}`);
    // Times in the zone the link names, and the way back to the list keeps it.
    await page.goto(`${server.url}/admin/audit-logs/records/ticket/${ids.doomed}?tz=Asia/Tokyo`);
    await expect.poll(() => entries.first().locator('.history-meta time').innerText()).toContain('GMT+9');
    expect(await page.getByRole('link', { name: 'Show in the list' }).getAttribute('href')).toContain(
      'tz=Asia%2FTokyo',
    );

    await page.goto(`${server.url}/admin/audit-logs?record=client/${ids.client}&entry=`);
    await rows(page).first().getByRole('button', { name: 'Details' }).click();
    await page.getByRole('link', { name: 'Record history' }).click();
    await page.waitForURL((url) => url.pathname === `/admin/audit-logs/records/client/${ids.client}`);
    await expect.poll(() => title.innerText()).toBe('History of Client Acme Dental');
    await page.getByLabel(/Include records that belong to it/).check();
    const everything = await count({ OR: [{ entityId: ids.client }, { entityType: { in: ['ticket', 'invoice'] } }] });
    await expectTotal(page, everything);
    await expect.poll(() => entries.count()).toBe(everything);
    // The deleted ticket's entries are named from its last snapshot.
    expect(await page.locator('ol.history').innerText()).toContain('#1043 Duplicate');
    await screenshot(page, `investigation-rollup-${width}`);
    await page.getByRole('link', { name: 'Show in the list' }).click();
    await expect.poll(() => query(page).get('within')).toBe(`client/${ids.client}`);
    await expectTotal(page, everything);
    expect(errors).toEqual([]);
    await context.close();
  });
});
