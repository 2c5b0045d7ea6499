/**
 * The Audit Logs page in a real browser, against the real server and a seeded database: sign-in, filters and totals,
 * details, URL state, pagination, permissions and sign-out. Screenshots land in apps/web/test-results/.
 */
import { runAsSystem, withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import type { Prisma } from '@auditlog/db';
import { startTestServer, TEST_PASSWORD } from '@auditlog/server/testing';
import type { TestOrganization, TestServer } from '@auditlog/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { recordVerification, sealOrganization, sqlClientFor, verifyOrganizations } from '@auditlog/seal';
import { launchBrowser, screenshot, watchForErrors } from './browser.ts';

/** Noon UTC, `days` days ago: the dataset's days, far from midnight in any test time zone (the browser runs in UTC). */
const dayAt = (days: number, minutes = 0) => {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, 12, minutes));
};
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

/** The server's seal key: the evidence pack it gives carries the public half, so blocks are signed with this one. */
const sealKey = generateKeyPairSync('ed25519');
let server: TestServer;
let org: TestOrganization;
let browser: Browser;

async function seed(): Promise<void> {
  const prisma = server.db.prisma;
  const admin = org.users.ADMIN;
  const tech = org.users.TECHNICIAN;
  const as = <T>(user: { id: string; name: string; email: string }, at: Date, fn: () => PromiseLike<T>) =>
    withAuditContext(
      { userId: user.id, name: user.name, email: user.email, ipAddress: '203.0.113.9', userAgent: 'Seed/1.0' },
      () => withSeedClock(at, fn),
    );
  const client = await as(admin, dayAt(10), () =>
    prisma.client.create({ data: { organizationId: org.id, name: 'Acme Dental' } }),
  );
  const ticket = await as(admin, dayAt(10, 5), () =>
    prisma.ticket.create({
      data: { organizationId: org.id, number: 1042, subject: 'Printer offline', clientId: client.id },
    }),
  );
  const doomed = await as(admin, dayAt(10, 6), () =>
    prisma.ticket.create({ data: { organizationId: org.id, number: 1043, subject: 'Duplicate' } }),
  );
  await as(tech, dayAt(9), () =>
    prisma.ticket.update({ where: { id: ticket.id }, data: { status: 'OPEN', priority: 'HIGH' } }),
  );
  await as(org.users.BILLING, dayAt(8), () =>
    prisma.invoice.create({
      data: { organizationId: org.id, clientId: client.id, number: 'INV-2031', total: '480.00' },
    }),
  );
  await as(admin, dayAt(7), () => prisma.ticket.delete({ where: { id: doomed.id } }));
  // Thirty views over days 6 to 2, so that the log has more than one page.
  for (let i = 0; i < 30; i++) {
    await as(tech, dayAt(6 - Math.floor(i / 8), i), () =>
      prisma.$record({ organizationId: org.id, action: 'view', entityType: 'ticket', entityId: ticket.id }),
    );
  }
  await runAsSystem({ name: 'Email sync' }, () =>
    withSeedClock(dayAt(1), () => prisma.contact.create({ data: { organizationId: org.id, name: 'Dana from email' } })),
  );
}

/** What the page should say for these filters, counted in the database. */
function count(where: Prisma.AuditLogWhereInput): Promise<number> {
  return server.db.prisma.auditLog.count({ where: { organizationId: org.id, ...where } });
}

async function newPage(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    timezoneId: 'UTC',
    locale: 'en-US',
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  return { context, page, errors: watchForErrors(page) };
}

async function signIn(page: Page, email: string, password = TEST_PASSWORD): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the page is at `path` (and, when given, a query string matching `search`). */
const at = (page: Page, path: string, search?: RegExp) =>
  page.waitForURL((url) => url.pathname === path && (search ? search.test(url.search) : url.search === ''));

const totalText = (page: Page) => page.locator('.total').innerText();
const expectTotal = async (page: Page, total: number) =>
  expect.poll(() => totalText(page)).toBe(`${total.toLocaleString('en-US')} ${total === 1 ? 'entry' : 'entries'}`);
const rows = (page: Page) => page.locator('table.log tbody tr:has(button[data-entry])');

beforeAll(async () => {
  server = await startTestServer('pglite', { sealPublicKey: sealKey.publicKey });
  org = await server.createOrganization('Northwind');
  await seed();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the Audit Logs page', () => {
  it('sends a signed-out visit to sign-in, shows a wrong password inline, and comes back to the page after sign-in', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/admin/audit-logs?action=update`);
    await at(page, '/login', /^\?next=/);
    await signIn(page, org.users.ADMIN.email, 'not the password');
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('The email or password is incorrect.');
    await screenshot(page, 'login-error');
    await signIn(page, org.users.ADMIN.email);
    await at(page, '/admin/audit-logs', /^\?action=update$/);
    await expectTotal(page, await count({ action: 'update' }));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a failed sign-in as Unverified, attempted as the email typed, never as the account’s owner', async () => {
    const victim = org.users.BILLING;
    const failed = await fetch(`${server.url}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: victim.email, password: 'a guess' }),
    });
    expect(failed.status).toBe(401);
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/login?next=${encodeURIComponent('/admin/audit-logs?action=failed_login')}`);
    await signIn(page, org.users.OWNER.email);
    await at(page, '/admin/audit-logs', /^\?action=failed_login$/);
    const row = rows(page).first();
    await expect.poll(() => row.locator('td').nth(1).innerText()).toBe(`Unverified\nattempted as ${victim.email}`);
    // The account is what was attacked (the Entity column), not who acted.
    expect(await row.locator('td').nth(3).innerText()).toContain(victim.name);
    await screenshot(page, 'failed-sign-in');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('filters by action, entity type and dates, with the right rows and total, and keeps them in the URL', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/login`);
    await signIn(page, org.users.OWNER.email);
    await at(page, '/');
    await page.getByRole('link', { name: 'Audit Logs' }).click();
    await at(page, '/admin/audit-logs');
    await expectTotal(page, await count({}));
    await expect.poll(() => rows(page).count()).toBe(25);
    await screenshot(page, 'audit-logs');

    await page.getByLabel('Action Type').selectOption('delete');
    await at(page, '/admin/audit-logs', /action=delete/);
    await expectTotal(page, await count({ action: 'delete' }));
    await page.getByLabel('Entity Type').selectOption('ticket');
    await at(page, '/admin/audit-logs', /(?=.*action=delete)(?=.*entity=ticket)/);
    await expectTotal(page, 1);
    const deleted = rows(page).first();
    await expect.poll(() => deleted.innerText()).toContain('deleted');
    // Named from its last snapshot (the delete's Before values), not by an id.
    expect(await deleted.innerText()).toContain('#1043 Duplicate');
    expect(await deleted.innerText()).toContain('Delete');

    // Days 9 to 8: the ticket's update and the invoice (the browser's time zone is UTC).
    await page.getByRole('button', { name: 'Clear Filters' }).click();
    await at(page, '/admin/audit-logs');
    await page.getByLabel('Start Date').fill(isoDay(dayAt(9)));
    await page.getByLabel('End Date').fill(isoDay(dayAt(8)));
    await at(page, '/admin/audit-logs', /(?=.*from=)(?=.*to=)/);
    const inRange = await count({
      createdAt: {
        gte: new Date(dayAt(9).getTime() - 12 * 3_600_000),
        lte: new Date(dayAt(8).getTime() + 12 * 3_600_000 - 1),
      },
    });
    expect(inRange).toBe(2);
    await expectTotal(page, inRange);
    expect(await rows(page).allInnerTexts()).toEqual([
      expect.stringContaining('INV-2031'),
      expect.stringContaining('#1042 Printer offline'),
    ]);

    // The same URL, reloaded, shows the same view.
    await page.reload();
    await expectTotal(page, inRange);
    expect(await page.getByLabel('Start Date').inputValue()).toBe(isoDay(dayAt(9)));
    expect(await page.getByLabel('End Date').inputValue()).toBe(isoDay(dayAt(8)));

    // A start after the end is pointed out, and nothing is sent.
    let listRequests = 0;
    page.on('request', (request) => {
      if (request.url().includes('audit.list')) listRequests++;
    });
    await page.getByLabel('Start Date').fill(isoDay(dayAt(2)));
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('The start date is after the end date.');
    expect(listRequests).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('opens the details of an entry with its before and after values, and closes with Esc back to the button', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/admin/audit-logs?action=update&entity=ticket`);
    await signIn(page, org.users.ADMIN.email);
    await at(page, '/admin/audit-logs', /action=update/);
    await expectTotal(page, 1);
    const details = rows(page)
      .first()
      .getByRole('button', { name: /Details/ });
    await details.click();
    const dialog = page.getByRole('dialog', { name: 'Update · Ticket #1042 Printer offline' });
    await dialog.waitFor();
    const changeRows = async () =>
      (await dialog.locator('table.changes-table tbody tr').allInnerTexts()).map((row) => row.split(/\s+/).join(' '));
    await expect.poll(changeRows).toEqual(['Priority NORMAL HIGH', 'Status NEW OPEN']);
    const facts = await dialog.locator('dl.facts').innerText();
    expect(facts).toContain(org.users.TECHNICIAN.name);
    expect(facts).toContain('203.0.113.9');
    expect(facts).toContain('Seed/1.0');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Close details');
    await screenshot(page, 'entry-details');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Details');

    // A create shows only After values.
    await page.goto(`${server.url}/admin/audit-logs?action=create&entity=invoice`);
    await rows(page)
      .first()
      .getByRole('button', { name: /Details/ })
      .click();
    const created = page.getByRole('dialog', { name: 'Create · Invoice INV-2031' });
    await created.waitFor();
    await expect
      .poll(async () => (await created.locator('table.changes-table thead').innerText()).trim().split(/\s+/).join(' '))
      .toBe('FIELD AFTER');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('pages forward and back with Previous and Next, showing Page X of Y', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/admin/audit-logs`);
    await signIn(page, org.users.ADMIN.email);
    await at(page, '/admin/audit-logs');
    await expect.poll(() => rows(page).count()).toBe(25);
    const total = await count({});
    await expectTotal(page, total);
    const pages = Math.ceil(total / 25);
    await expect.poll(() => page.locator('.pagination .pages').innerText()).toBe(`Page 1 of ${pages}`);
    expect(await page.getByRole('button', { name: 'Previous' }).isDisabled()).toBe(true);
    const first = await rows(page).allInnerTexts();
    await page.getByRole('button', { name: 'Next' }).click();
    await at(page, '/admin/audit-logs', /^\?page=2$/);
    await expect.poll(() => page.locator('.pagination .pages').innerText()).toBe(`Page 2 of ${pages}`);
    await expect.poll(async () => (await rows(page).allInnerTexts())[0]).not.toBe(first[0]);
    expect(await rows(page).count()).toBe(Math.min(25, total - 25));
    await page.getByRole('button', { name: 'Previous' }).click();
    await at(page, '/admin/audit-logs');
    await expect.poll(() => rows(page).allInnerTexts()).toEqual(first);
    // Back and forward in the browser restore the pages too.
    await page.goBack();
    await at(page, '/admin/audit-logs', /^\?page=2$/);
    await expect.poll(() => page.locator('.pagination .pages').innerText()).toBe(`Page 2 of ${pages}`);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a permission error, not an empty table, to a technician; and signs out', async () => {
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/admin/audit-logs`);
    await signIn(page, org.users.TECHNICIAN.email);
    await at(page, '/admin/audit-logs');
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('Audit Logs are restricted to the Owner, Admin, and Auditor roles.');
    expect(await page.locator('table.log').count()).toBe(0);
    await screenshot(page, 'permission-error');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await at(page, '/login');
    await page.goto(`${server.url}/admin/audit-logs`);
    await at(page, '/login', /^\?next=/);
    expect(await count({ action: 'logout', actorUserId: org.users.TECHNICIAN.id })).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reads well at 768 px: nothing scrolls sideways', async () => {
    const { context, page, errors } = await newPage();
    await page.setViewportSize({ width: 768, height: 1000 });
    await page.goto(`${server.url}/admin/audit-logs`);
    await signIn(page, org.users.ADMIN.email);
    await at(page, '/admin/audit-logs');
    await expect.poll(() => rows(page).count()).toBe(25);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
    await screenshot(page, 'audit-logs-768');
    expect(errors).toEqual([]);
    await context.close();
  });
  it('says when the log was sealed and verified, which block holds an entry, and shows a failed verification as an alert', async () => {
    const sql = sqlClientFor(server.db);
    const { privateKey } = sealKey;
    await sealOrganization(sql, org.id, { privateKey });
    await verifyOrganizations(sql, [org.id], { publicKey: privateKey });
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/admin/audit-logs?action=update&entity=ticket`);
    await signIn(page, org.users.ADMIN.email);
    await at(page, '/admin/audit-logs', /action=update/);
    await expect.poll(() => page.locator('.seal-status').innerText()).toMatch(/Sealed through [^]*Verified intact/);
    await rows(page)
      .first()
      .getByRole('button', { name: /Details/ })
      .click();
    const dialog = page.getByRole('dialog', { name: /Update · Ticket/ });
    await expect.poll(() => dialog.locator('dl.facts').innerText()).toMatch(/Seal\s+Sealed in block 1/);
    await screenshot(page, 'audit-logs-sealed');

    await sql.query('SELECT auditlog.set_retention($1, 180, false)', [org.id]);
    await page.reload();
    await expect.poll(() => page.locator('.seal-warning').innerText()).toMatch(/Kept 180 days: under 12 months/);

    await recordVerification(sql, {
      organizationId: org.id,
      ok: false,
      entries: 10,
      blocks: 1,
      sealedThrough: null,
      failure: 'block 1, entry 0190…: entry 3 of the block differs from what was sealed',
    });
    await page.goto(`${server.url}/admin/audit-logs`);
    const alert = page.getByRole('alert').filter({ hasText: 'failed verification' });
    await expect.poll(() => alert.innerText()).toMatch(/entry 3 of the block differs/);
    await screenshot(page, 'audit-logs-verification-failed');
    expect(errors).toEqual([]);
    await context.close();
    await sql.close();
  });

  it('downloads the evidence pack of the dates filtered as a tar, and says so when they hold no sealed entries', async () => {
    const sql = sqlClientFor(server.db);
    await sealOrganization(sql, org.id, { privateKey: sealKey.privateKey });
    await sql.close();
    const { context, page, errors } = await newPage();
    await page.goto(`${server.url}/admin/audit-logs?from=${isoDay(dayAt(10))}&to=${isoDay(dayAt(7))}`);
    await signIn(page, org.users.OWNER.email);
    await at(page, '/admin/audit-logs', /from=/);
    const button = page.getByRole('button', { name: 'Download evidence pack' });
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toBe(`evidence-pack-${isoDay(dayAt(10))}-to-${isoDay(dayAt(6))}.tar`);
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Evidence pack' }).innerText())
      .toMatch(/downloaded/);
    const [entry] = await server.db.prisma.$queryRaw<{ metadata: { entries: number } }[]>`
      SELECT metadata FROM "AuditLog" WHERE "organizationId" = ${org.id} AND action = 'export' ORDER BY "createdAt" DESC LIMIT 1`;
    expect(entry?.metadata.entries).toBe(await count({ createdAt: { gte: dayAt(10, -720), lt: dayAt(6, -720) } }));

    await page.goto(`${server.url}/admin/audit-logs?from=2001-01-01&to=2001-01-31`);
    await page.getByRole('button', { name: 'Download evidence pack' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'sealed' }).innerText())
      .toMatch(/No sealed entries/);
    await screenshot(page, 'audit-logs-evidence-pack-empty');
    // The empty range's 404 is the answer the page turned into its message.
    expect(errors.filter((error) => !/status of 404/.test(error))).toEqual([]);
    await context.close();
  });
  it.each([1440, 768])(
    'exports the filtered view as CSV from the toolbar, handed to the browser without a save dialog, at %d px',
    async (width) => {
      const { context, page, errors } = await newPage();
      await page.setViewportSize({ width, height: 900 });
      // As in Firefox and Safari: no File System Access API, so the browser downloads the export itself (the save
      // dialog's path is drawer-beside-filters.test.ts's).
      await context.addInitScript(() => {
        Reflect.deleteProperty(Window.prototype, 'showSaveFilePicker');
        Reflect.deleteProperty(window, 'showSaveFilePicker');
      });
      await page.goto(`${server.url}/admin/audit-logs?action=view`);
      await signIn(page, org.users.OWNER.email);
      await at(page, '/admin/audit-logs', /action=view/);
      const button = page.getByRole('button', { name: 'Export', exact: true });
      await expect.poll(() => button.isVisible()).toBe(true);
      const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
      expect(download.suggestedFilename()).toMatch(/^audit-log-.+Z\.csv$/);
      const text = await readFile((await download.path()) ?? '', 'utf8');
      const lines = text.trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^"id","createdAt","action"/);
      expect(lines.length - 1).toBe(await count({ action: 'view' }));
      expect(new URL(download.url()).pathname).toBe('/audit-logs/export');
      await expect
        .poll(() => page.getByRole('status').filter({ hasText: 'downloading' }).innerText())
        .toBe(
          `Your browser is downloading ${(lines.length - 1).toLocaleString('en-US')} entries as CSV: its downloads show the progress.`,
        );
      const [entry] = await server.db.prisma.$queryRaw<{ metadata: { filters: unknown } }[]>`
      SELECT metadata FROM "AuditLog" WHERE "organizationId" = ${org.id} AND action = 'export'
        AND "entityType" = 'audit_log' AND metadata->>'kind' = 'entries' ORDER BY "createdAt" DESC LIMIT 1`;
      expect(entry?.metadata.filters).toEqual({ action: 'view' });
      await screenshot(page, `audit-logs-export-${width}`);
      expect(errors).toEqual([]);
      await context.close();
    },
  );
});
