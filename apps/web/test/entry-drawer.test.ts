/**
 * The details drawer in a real browser, against the real server (issue 13, items 5, 6, 8 and the drawer's defects of
 * 11): the list stays visible and usable beside it, J/K and the arrows step, Copy link copies, the same request's
 * other changes are listed, foreign keys keep the name they had when the entry was written, Json is diffed key by
 * key, hidden changes say so, and the defects stay fixed (the Field column's layout, the history entry left by
 * closing, a garbage entry id retried for seconds, "Mfa secret"). Chromium at 1440 and 768 px; screenshots in
 * apps/web/test-results/.
 */
import { withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { startTestServer, TEST_PASSWORD } from '@auditlog/server/testing';
import type { TestOrganization, TestServer } from '@auditlog/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchForErrors } from './browser.ts';

const CHROME_MAC =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Noon UTC, `days` days ago (plus `minutes`). */
const dayAt = (days: number, minutes = 0) => {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, 12, minutes));
};

let server: TestServer;
let org: TestOrganization;
let browser: Browser;
const ids = { ticket: '', contact: '', asset: '', integration: '', invoice: '' };

async function seed(): Promise<void> {
  const prisma = server.db.prisma;
  const admin = org.users.ADMIN;
  const as = <T>(at: Date, fn: () => PromiseLike<T>, requestId: string | null = null) =>
    withAuditContext(
      {
        userId: admin.id,
        name: admin.name,
        email: admin.email,
        ipAddress: '203.0.113.9',
        userAgent: CHROME_MAC,
        requestId,
      },
      () => withSeedClock(at, fn),
    );
  const o = org.id;
  // One request: a client, its contact and a ticket.
  const { acme, ticket, contact } = await as(
    dayAt(10),
    async () => {
      const acme = await prisma.client.create({ data: { organizationId: o, name: 'Acme Dental' } });
      const contact = await prisma.contact.create({ data: { organizationId: o, name: 'Dana', clientId: acme.id } });
      const ticket = await prisma.ticket.create({
        data: { organizationId: o, number: 1042, subject: 'Printer offline', clientId: acme.id },
      });
      return { acme, ticket, contact };
    },
    'req-onboarding-0001',
  );
  ids.ticket = ticket.id;
  ids.contact = contact.id;
  const bolton = await as(dayAt(9), () => prisma.client.create({ data: { organizationId: o, name: 'Bolton' } }));
  await as(dayAt(9, 5), () => prisma.ticket.update({ where: { id: ticket.id }, data: { clientId: bolton.id } }));
  // Later: Acme renamed, Bolton renamed and deleted. The move above must still read "Acme Dental → Bolton".
  await as(dayAt(8), () => prisma.client.update({ where: { id: acme.id }, data: { name: 'Acme Holdings' } }));
  await as(dayAt(8, 1), () => prisma.client.update({ where: { id: bolton.id }, data: { name: 'Bolton Ltd' } }));
  await as(dayAt(8, 2), () => prisma.client.delete({ where: { id: bolton.id } }));

  const asset = await as(dayAt(7), () =>
    prisma.asset.create({
      data: {
        organizationId: o,
        name: 'FS-01',
        type: 'SERVER',
        ipAddress: '10.0.0.5',
        purchaseCost: '1234.50',
        diskBytes: 512_110_190_592n,
        specs: { cpu: 'Xeon', ramGb: 64, disks: { count: 2, raid: 'RAID1' }, os: 'Debian 12' },
      },
    }),
  );
  ids.asset = asset.id;
  await as(dayAt(6), () =>
    prisma.asset.update({
      where: { id: asset.id },
      data: {
        ipAddress: '10.0.0.6',
        purchaseCost: '1299.00',
        diskBytes: 1_024_209_543_168n,
        specs: { cpu: 'Xeon', ramGb: 128, disks: { count: 2, raid: 'RAID1' }, os: 'Debian 12' },
      },
    }),
  );
  const integration = await as(dayAt(5), () =>
    prisma.integration.create({
      data: {
        organizationId: o,
        name: 'Mail sync',
        provider: 'imap',
        settings: { host: 'mail.test', apiToken: 'tok-1' },
      },
    }),
  );
  ids.integration = integration.id;
  await as(dayAt(4), () =>
    prisma.integration.update({
      where: { id: integration.id },
      data: { settings: { host: 'mail2.test', apiToken: 'tok-2' } },
    }),
  );
  const invoice = await as(dayAt(4, 5), () =>
    prisma.invoice.create({
      data: { organizationId: o, clientId: acme.id, number: 'INV-2031', currency: 'EUR', total: '480.00' },
    }),
  );
  ids.invoice = invoice.id;
  await as(dayAt(3), () =>
    prisma.user.update({ where: { id: org.users.TECHNICIAN.id }, data: { mfaSecret: 'first secret' } }),
  );
  await as(dayAt(3, 5), () =>
    prisma.user.update({ where: { id: org.users.TECHNICIAN.id }, data: { mfaSecret: 'second secret' } }),
  );
  // Two deleted tickets (cuids: their first characters are alike) and an export of all invoices.
  for (const [number, subject] of [
    [1043, 'Duplicate'],
    [1044, 'Spam'],
  ] as const) {
    const doomed = await as(dayAt(2), () => prisma.ticket.create({ data: { organizationId: o, number, subject } }));
    await as(dayAt(2, 1), () => prisma.ticket.delete({ where: { id: doomed.id } }));
  }
  await as(dayAt(1), () =>
    prisma.$record({
      organizationId: o,
      action: 'export',
      entityType: 'invoice',
      entityId: 'all',
      metadata: { rows: 1 },
    }),
  );
}

async function newPage(width = 1440): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: { width, height: 900 } });
  const page = await context.newPage();
  return { context, page, errors: watchForErrors(page) };
}

async function signedIn(path: string, width = 1440) {
  const opened = await newPage(width);
  const { page } = opened;
  await page.goto(`${server.url}/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel('Email').fill(org.users.ADMIN.email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === new URL(path, server.url).pathname);
  return opened;
}

const rows = (page: Page) => page.locator('table.log tbody tr:has(button[data-entry])');
const drawer = (page: Page) => page.getByRole('dialog');
const entryParam = (page: Page) => new URL(page.url()).searchParams.get('entry');

/** Opens the details of the first row the list shows for `query`, and waits until they have loaded. */
async function openFirst(page: Page, query: string) {
  await page.goto(`${server.url}/admin/audit-logs?${query}`);
  await rows(page)
    .first()
    .getByRole('button', { name: /Details/ })
    .click();
  await page.locator('.drawer[data-loaded="true"]').waitFor();
  return drawer(page);
}

const changeRow = (page: Page, field: string) => drawer(page).locator(`table.changes-table tr[data-field="${field}"]`);

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

describe('the details drawer', () => {
  it('opens beside the list, which stays visible and usable; J/K and the arrows step; Esc returns focus', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await expect.poll(() => rows(page).count()).toBeGreaterThan(5);
    const listed = await rows(page)
      .locator('button[data-entry]')
      .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-entry') ?? ''));
    await rows(page)
      .nth(1)
      .getByRole('button', { name: /Details/ })
      .click();
    await page.locator('.drawer[data-loaded="true"]').waitFor();
    expect(entryParam(page)).toBe(listed[1]);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Close details');
    // Not modal, and nothing of the list is under it: every row's Details button is the element at its centre.
    expect(await page.locator('.drawer').getAttribute('aria-modal')).toBe('false');
    await screenshot(page, 'drawer-1440');
    for (const index of [0, 5]) {
      // Row 5 may be below the fold under the toolbar's controls: scrolled to, it must still be clear of the drawer.
      const button = rows(page)
        .nth(index)
        .getByRole('button', { name: /Details/ });
      await button.scrollIntoViewIfNeeded();
      const box = await button.boundingBox();
      if (!box) throw new Error('no Details button');
      const hit = await page.evaluate(
        ([x, y]) =>
          document
            .elementFromPoint(x ?? 0, y ?? 0)
            ?.closest('button')
            ?.getAttribute('data-entry'),
        [box.x + box.width / 2, box.y + box.height / 2],
      );
      expect(hit, `row ${index} is visible beside the drawer`).toBe(listed[index]);
    }
    const facts = await drawer(page).locator('dl.facts').innerText();
    expect(facts).toContain(listed[1]);
    expect(facts).toMatch(/Request ID\s+\S+/);

    const historyLength = await page.evaluate(() => history.length);
    await page.keyboard.press('j');
    await expect.poll(() => entryParam(page)).toBe(listed[2]);
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => entryParam(page)).toBe(listed[3]);
    await page.keyboard.press('k');
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => entryParam(page)).toBe(listed[1]);
    await page.getByRole('button', { name: 'Next entry' }).click();
    await expect.poll(() => entryParam(page)).toBe(listed[2]);
    expect(await page.evaluate(() => history.length), 'stepping adds no history entries').toBe(historyLength);
    // The list is usable while the drawer is open: another row's Details shows that entry.
    await rows(page)
      .nth(4)
      .getByRole('button', { name: /Details/ })
      .click();
    await expect.poll(() => entryParam(page)).toBe(listed[4]);
    await expect.poll(() => page.locator('tr.current button[data-entry]').getAttribute('data-entry')).toBe(listed[4]);

    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => drawer(page).getByRole('status').first().innerText()).toBe('Link copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(new URL(copied).searchParams.get('entry')).toBe(listed[4]);

    await page.keyboard.press('Escape');
    await page.locator('.drawer').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-entry'))).toBe(listed[4]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('leaves no duplicate history entry when closed: Back after closing leaves the list (failed before)', async () => {
    const { context, page, errors } = await signedIn('/');
    await page.getByRole('link', { name: 'Audit Logs' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/audit-logs');
    await rows(page)
      .first()
      .getByRole('button', { name: /Details/ })
      .click();
    await page.locator('.drawer[data-loaded="true"]').waitFor();
    await page.getByRole('button', { name: 'Close details' }).click();
    await page.locator('.drawer').waitFor({ state: 'detached' });
    await expect.poll(() => entryParam(page)).toBeNull();
    await page.goBack();
    await page.waitForURL((url) => url.pathname === '/');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says at once that ?entry=garbage names no entry, without asking the server; a missing one is asked once', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs');
    await expect.poll(() => rows(page).count()).toBeGreaterThan(0);
    const gets: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('audit.get')) gets.push(request.url());
    });
    await page.goto(`${server.url}/admin/audit-logs?entry=garbage`);
    // When the alert appeared, in the page's own clock from navigation start (it took 3.7 s of retries before).
    const shownAt = await page
      .waitForFunction(() => (document.querySelector('.drawer [role="alert"]') ? performance.now() : 0), undefined, {
        polling: 'raf',
      })
      .then((handle) => handle.jsonValue());
    expect(shownAt).toBeLessThan(2500);
    expect(await drawer(page).getByRole('alert').innerText()).toContain('“garbage” is not an entry id');
    expect(gets).toEqual([]);

    const missing = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    await page.goto(`${server.url}/admin/audit-logs?entry=${missing}`);
    await expect
      .poll(() => drawer(page).getByRole('alert').innerText())
      .toBe('This entry does not exist in your organization.');
    await page.waitForTimeout(1500);
    expect(gets, 'a 4xx answer is not retried').toHaveLength(1);
    await screenshot(page, 'drawer-entry-garbage');
    // The 404 answer is the one the page turned into its message.
    expect(errors.filter((error) => !/status of 404/.test(error))).toEqual([]);
    await context.close();
  });

  it('lists the other changes of the same request, and opens them', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs');
    await openFirst(page, 'action=create&entity=contact');
    const section = drawer(page).locator('section.same-request');
    await expect.poll(() => section.locator('h3').innerText()).toBe('2 other changes in the same request');
    expect((await section.locator('button.related').allInnerTexts()).map((text) => text.replace(/\s+/g, ' '))).toEqual([
      expect.stringContaining('Acme Holdings'),
      expect.stringContaining('#1042 Printer offline'),
    ]);
    expect(await drawer(page).locator('dl.facts').innerText()).toContain('req-onboarding-0001');
    await section.locator('button.related').nth(1).click();
    await expect.poll(() => drawer(page).locator('h2').innerText()).toBe('Create · Ticket #1042 Printer offline');
    // The request id leads to the list's request filter: every change of that request, the drawer closed.
    await drawer(page).getByRole('link', { name: 'Show the request in the list' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.toString()).toBe('request=req-onboarding-0001');
    await expect.poll(() => drawer(page).count()).toBe(0);
    const sameRequest = await server.db.prisma.auditLog.count({ where: { requestId: 'req-onboarding-0001' } });
    await expect.poll(() => rows(page).count()).toBe(sameRequest);
    await expect.poll(() => page.getByLabel('Request ID').inputValue()).toBe('req-onboarding-0001');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('names a foreign key as it was when written ("Acme Dental → Bolton"), after renames and a deletion', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs');
    await page.goto(`${server.url}/admin/audit-logs?action=update&entity=ticket`);
    // The move is the older of the two updates (the later one is Bolton's deletion setting the key to null).
    await expect.poll(() => rows(page).count()).toBe(2);
    await rows(page)
      .nth(1)
      .getByRole('button', { name: /Details/ })
      .click();
    await page.locator('.drawer[data-loaded="true"]').waitFor();
    const row = changeRow(page, 'clientId');
    expect(await row.locator('th').innerText()).toBe('Client');
    expect(await row.locator('td.before').innerText()).toContain('Acme Dental');
    const after = await row.locator('td.after').innerText();
    expect(after).toContain('Bolton');
    expect(after).not.toContain('Bolton Ltd');
    expect(after).toContain('deleted');
    await screenshot(page, 'drawer-frozen-reference');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('diffs Json key by key, shows placeholders inside Json as pills, formats money and bytes, spells acronyms', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs');
    await openFirst(page, 'action=update&entity=asset');
    const specs = changeRow(page, 'specs');
    expect(await specs.locator('.diff-summary').innerText()).toBe('1 key changed');
    expect(await specs.locator('.diff-changed').count()).toBe(1);
    expect((await specs.locator('.diff-changed').innerText()).replace(/\s+/g, ' ')).toBe('"ramGb": 64 → 128');
    expect(await specs.locator('.diff-same').count()).toBe(3);
    expect(await changeRow(page, 'ipAddress').locator('th').innerText()).toBe('IP address');
    expect(await changeRow(page, 'purchaseCost').locator('td.before').innerText()).toBe('1,234.50');
    expect(await changeRow(page, 'diskBytes').locator('td.before').innerText()).toBe('512 GB');
    expect(await changeRow(page, 'diskBytes').locator('td.after').innerText()).toBe('1 TB');
    await screenshot(page, 'drawer-json-diff');

    await openFirst(page, 'action=update&entity=integration');
    const settings = changeRow(page, 'settings');
    expect(await settings.locator('.diff-same .placeholder').innerText()).toContain('REDACTED');
    expect((await settings.locator('.diff-changed').innerText()).replace(/\s+/g, ' ')).toBe(
      '"host": "mail.test" → "mail2.test"',
    );

    await openFirst(page, 'action=create&entity=invoice');
    expect(await changeRow(page, 'total').locator('td.after').innerText()).toBe('€480.00');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('says a secret changed (value hidden), labels "MFA secret", and aligns the Field column (failed before)', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs');
    await openFirst(page, 'action=update&entity=user');
    const row = changeRow(page, 'mfaSecret');
    expect(await row.locator('th').innerText()).toBe('MFA secret');
    expect(await row.locator('td.after').innerText()).toContain('changed (value hidden)');
    // The Field cell is a table cell (not the form's flex .field): its borders line up with the row's.
    const cells = await row.locator('th, td').evaluateAll((elements) =>
      elements.map((element) => {
        const box = element.getBoundingClientRect();
        return { display: getComputedStyle(element).display, top: box.top, bottom: box.bottom };
      }),
    );
    expect(cells.map((cell) => cell.display)).toEqual(['table-cell', 'table-cell', 'table-cell']);
    expect(new Set(cells.map((cell) => cell.top)).size).toBe(1);
    expect(new Set(cells.map((cell) => cell.bottom)).size).toBe(1);
    expect(await drawer(page).locator('dl.facts').innerText()).toMatch(/Chrome 131 on macOS 10\.15\.7 · desktop/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('names deleted records from their last snapshot, and never shows an export of all as deleted', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs');
    await page.goto(`${server.url}/admin/audit-logs?action=delete&entity=ticket`);
    await expect.poll(() => rows(page).count()).toBe(2);
    const texts = await rows(page).locator('td:nth-child(4)').allInnerTexts();
    expect(texts.map((text) => text.replace(/\s+/g, ' '))).toEqual([
      expect.stringMatching(/#104[34] (Duplicate|Spam) ?deleted/),
      expect.stringMatching(/#104[34] (Duplicate|Spam) ?deleted/),
    ]);
    expect(new Set(texts).size).toBe(2);
    await page.goto(`${server.url}/admin/audit-logs?action=export`);
    await expect.poll(() => rows(page).count()).toBe(1);
    const exported = await rows(page).first().locator('td:nth-child(4)').innerText();
    expect(exported).toContain('All records');
    expect(exported).not.toContain('deleted');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('is a modal sheet over a dimmed list at 1100 px, where it would cover the list; a click beside it closes it', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs', 1100);
    await openFirst(page, 'action=update&entity=asset');
    // Below 1280 px the page cannot make room for it: it covered the Action, Entity and Details columns while the
    // list under it stayed in the Tab order. Now the page is dimmed and inert until it closes.
    expect(await page.locator('.drawer').getAttribute('aria-modal')).toBe('true');
    expect(await page.locator('#root').evaluate((root) => (root as HTMLElement).inert)).toBe(true);
    const drawerBox = await page.locator('.drawer').boundingBox();
    expect(drawerBox?.width).toBe(480);
    await screenshot(page, 'drawer-1100');
    const opener = await rows(page)
      .first()
      .getByRole('button', { name: /Details/ })
      .getAttribute('data-entry');
    // A click on the dimmed list, left of the drawer, lands on the backdrop and closes the entry.
    await page.mouse.click(200, 400);
    await page.locator('.drawer').waitFor({ state: 'detached' });
    expect(entryParam(page)).toBeNull();
    expect(await page.locator('.drawer-backdrop').count()).toBe(0);
    expect(await page.locator('#root').evaluate((root) => (root as HTMLElement).inert)).toBe(false);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-entry'))).toBe(opener);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reads well at 768 px: the drawer takes the width, nothing scrolls sideways', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs', 768);
    await openFirst(page, 'action=update&entity=asset');
    const box = await page.locator('.drawer').boundingBox();
    expect(box?.width).toBe(768);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
    expect(await page.locator('.drawer-body').evaluate((body) => body.scrollWidth <= body.clientWidth)).toBe(true);
    await screenshot(page, 'drawer-768');
    await page.keyboard.press('Escape');
    await page.locator('.drawer').waitFor({ state: 'detached' });
    await screenshot(page, 'drawer-768-closed');
    expect(errors).toEqual([]);
    await context.close();
  });
});
