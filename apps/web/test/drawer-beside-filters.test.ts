/**
 * The page with its details drawer open, and its export, in a real browser against the real server (issue 13, items
 * 8, 9 and 11): every filter stays usable beside the drawer at 1440 px (the date fields were a few pixels wide), J/K
 * and the arrows step past a page's edge into the next or previous page (they stopped there), and the export writes
 * into the file the admin picked as the response arrives, or hands the download to the browser where there is no save
 * dialog (it collected the whole file in the page's memory). Chromium at 1440 and 768 px; screenshots in
 * apps/web/test-results/.
 */
import { withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { startTestServer, TEST_PASSWORD } from '@auditlog/server/testing';
import type { TestOrganization, TestServer } from '@auditlog/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchForErrors } from './browser.ts';

/** Noon UTC, `days` days ago (plus `minutes`). */
const dayAt = (days: number, minutes = 0) => {
  const today = new Date();
  return new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - days, 12, minutes));
};

/** 60 tickets: three pages of 25 (25, 25, 10). 6,000 assets: an export of several of the server's 2,000-row reads. */
const TICKETS = 60;
const ASSETS = 6_000;

let server: TestServer;
let org: TestOrganization;
let browser: Browser;

async function seed(): Promise<void> {
  const prisma = server.db.prisma;
  const admin = org.users.ADMIN;
  const as = <T>(at: Date, fn: () => PromiseLike<T>) =>
    withAuditContext(
      { userId: admin.id, name: admin.name, email: admin.email, ipAddress: '203.0.113.9', userAgent: 'Seed/1.0' },
      () => withSeedClock(at, fn),
    );
  for (let i = 0; i < TICKETS; i++) {
    await as(dayAt(3, i), () =>
      prisma.ticket.create({ data: { organizationId: org.id, number: 2000 + i, subject: `Ticket ${i}` } }),
    );
  }
  // Metadata with an empty object and an empty array.
  await as(dayAt(4), () =>
    prisma.$record({
      organizationId: org.id,
      action: 'view',
      entityType: 'report',
      entityId: 'weekly',
      metadata: { filters: {}, ids: [] },
    }),
  );
  await as(dayAt(5), () =>
    prisma.asset.createMany({
      data: Array.from({ length: ASSETS }, (_, i) => ({
        organizationId: org.id,
        name: `Laptop ${i}, "spare"`,
        type: 'LAPTOP' as const,
      })),
    }),
  );
}

async function signedIn(
  path: string,
  width: number,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-US', viewport: { width, height: 900 } });
  const page = await context.newPage();
  const errors = watchForErrors(page);
  await page.goto(`${server.url}/login?next=${encodeURIComponent(path)}`);
  await page.getByLabel('Email').fill(org.users.ADMIN.email);
  await page.getByLabel('Password').fill(TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === new URL(path, server.url).pathname);
  return { context, page, errors };
}

const rows = (page: Page) => page.locator('table.log tbody tr:has(button[data-entry])');
const listedIds = (page: Page) =>
  rows(page)
    .locator('button[data-entry]')
    .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('data-entry') ?? ''));
const param = (page: Page, name: string) => new URL(page.url()).searchParams.get(name);
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    return { inDrawer: Boolean(element?.closest('.drawer')), label: element?.getAttribute('aria-label') ?? null };
  });

/** Opens the details of row `index` and waits until they have loaded. */
async function openRow(page: Page, index: number) {
  await rows(page)
    .nth(index)
    .getByRole('button', { name: /Details/ })
    .click();
  await page.locator('.drawer[data-loaded="true"]').waitFor();
}

/** Waits until the list shows page `n` (its rows, not the previous page's kept on screen while it loads). */
async function onPage(page: Page, n: number, count: number) {
  await expect.poll(() => page.locator('.pagination .pages').innerText()).toBe(`Page ${n} of 3`);
  await expect.poll(() => rows(page).count()).toBe(count);
  await expect.poll(() => page.locator('section.card').getAttribute('aria-busy')).toBe('false');
}

beforeAll(async () => {
  server = await startTestServer('pglite');
  org = await server.createOrganization('Northwind');
  await seed();
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** The filter bar's controls and the narrowest each may be and still be read. */
const CONTROLS: [selector: string, minWidth: number][] = [
  ['#filter-action', 140],
  ['#filter-entity', 140],
  ['#filter-from', 130],
  ['input[aria-label="Start time (optional)"]', 100],
  ['#filter-to', 130],
  ['input[aria-label="End time (optional)"]', 100],
  ['.filters .clear', 100],
  ['.zone-select select', 120],
  ['#filter-actor', 160],
  ['#filter-ip', 160],
  ['#filter-request', 160],
];

describe('filters beside the open drawer', () => {
  it('keeps every filter readable and usable beside the drawer at 1440 px (the dates were squeezed before)', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs?entity=ticket', 1440);
    await expect.poll(() => rows(page).count()).toBe(25);
    await openRow(page, 0);
    await page.locator('#filter-actor').waitFor();
    // Beside the list, not over it: not modal.
    expect(await page.locator('.drawer').getAttribute('aria-modal')).toBe('false');
    await screenshot(page, 'drawer-beside-filters-1440');
    for (const [name, minWidth] of CONTROLS) {
      const control = page.locator(name);
      await control.scrollIntoViewIfNeeded();
      const box = await control.boundingBox();
      if (!box) throw new Error(`no ${name}`);
      expect(box.width, `${name} is wide enough to read`).toBeGreaterThanOrEqual(minWidth);
      // Nothing covers it: the drawer sits beside the card, not over it.
      const hit = await page.evaluate(
        ([x, y]) => document.elementFromPoint(x ?? 0, y ?? 0)?.closest('.drawer') !== null,
        [box.x + box.width / 2, box.y + box.height / 2],
      );
      expect(hit, `${name} is not under the drawer`).toBe(false);
    }
    // A date typed beside the open drawer filters the list (which closes the entry, as any filter change does).
    await page.locator('#filter-from').fill(dayAt(3).toISOString().slice(0, 10));
    await expect.poll(() => param(page, 'from')).toBe(dayAt(3).toISOString().slice(0, 10));
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1440);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('covers the list at 768 px, and gives the filters back whole when closed, focus on the row', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs?entity=ticket', 768);
    await expect.poll(() => rows(page).count()).toBe(25);
    const ids = await listedIds(page);
    await openRow(page, 2);
    // A tablet's drawer is a sheet over the page: it takes the whole width, its close button the focus.
    expect((await page.locator('.drawer').boundingBox())?.width).toBe(768);
    expect((await focused(page)).label).toBe('Close details');
    // Covering the page, it is modal: Tab never reaches the controls hidden under it (it did before).
    expect(await page.locator('.drawer').getAttribute('aria-modal')).toBe('true');
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      const where = await page.evaluate(() =>
        document.activeElement === document.body
          ? 'body'
          : document.activeElement?.closest('.drawer')
            ? 'drawer'
            : 'page',
      );
      expect(where, `Tab ${i + 1} stays in the drawer`).not.toBe('page');
    }
    await page.getByRole('button', { name: 'Close details' }).focus();
    await screenshot(page, 'drawer-beside-filters-768-open');
    await page.keyboard.press('Escape');
    await page.locator('.drawer').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-entry'))).toBe(ids[2]);
    for (const [name, minWidth] of CONTROLS) {
      const box = await page.locator(name).boundingBox();
      expect(box?.width, `${name} is wide enough to read`).toBeGreaterThanOrEqual(minWidth);
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(768);
    // The seal's line and the tools start where the title and the filters do (the seal's line was 8 px further in).
    const lefts = await page.evaluate(() =>
      ['#page-title', '.seal-status > *', '.page-tools > *', '.search-box', '#filter-action'].map((selector) =>
        Math.round(document.querySelector(selector)?.getBoundingClientRect().left ?? -1),
      ),
    );
    expect(new Set(lefts), lefts.join(', ')).toEqual(new Set([lefts[0]]));
    await screenshot(page, 'drawer-beside-filters-768-closed');
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('details', () => {
  it('shows an empty object or array on one line ("filters": {}), not as two lone braces', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs?action=view&entity=report', 1440);
    await expect.poll(() => rows(page).count()).toBe(1);
    await openRow(page, 0);
    const text = await page.locator('.drawer .json').innerText();
    expect(text).toMatch(/"filters":\s*\{\}/);
    expect(text).toMatch(/"ids":\s*\[\]/);
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('stepping through the whole filtered list', () => {
  it.each([1440, 768])(
    'steps from the last entry of a page into the next page and back, focus kept, at %d px (it stopped before)',
    async (width) => {
      const { context, page, errors } = await signedIn('/admin/audit-logs?entity=ticket', width);
      await onPage(page, 1, 25);
      const first = await listedIds(page);
      await openRow(page, 24);
      expect(await page.locator('.drawer .position').innerText()).toBe(`25 of ${TICKETS}`);
      const historyLength = await page.evaluate(() => history.length);
      // Within the page too the focus stays where it was (it fell to the body on every step before).
      await page.keyboard.press('k');
      await expect.poll(() => page.locator('.drawer[data-loaded="true"]').getAttribute('data-entry')).toBe(first[23]);
      expect((await focused(page)).label).toBe('Close details');
      await page.keyboard.press('j');
      await expect.poll(() => page.locator('.drawer[data-loaded="true"]').getAttribute('data-entry')).toBe(first[24]);

      // J at the last entry of page 1: the first entry of page 2, the page and the entry in the URL together.
      await page.keyboard.press('j');
      await expect.poll(() => param(page, 'page')).toBe('2');
      await onPage(page, 2, 25);
      const second = await listedIds(page);
      expect(second).not.toContain(first[24]);
      await expect.poll(() => param(page, 'entry')).toBe(second[0]);
      await expect.poll(() => page.locator('.drawer').getAttribute('data-entry')).toBe(second[0]);
      expect(await page.locator('.drawer .position').innerText()).toBe(`26 of ${TICKETS}`);
      expect((await focused(page)).inDrawer, 'focus stays in the drawer').toBe(true);
      if (width === 1440)
        await expect
          .poll(() => page.locator('tr.current button[data-entry]').getAttribute('data-entry'))
          .toBe(second[0]);
      await screenshot(page, `drawer-crossed-page-${width}`);

      // K (and ↑) at the first entry of page 2: the last entry of page 1.
      await page.keyboard.press('ArrowUp');
      await expect.poll(() => param(page, 'page')).toBeNull();
      await onPage(page, 1, 25);
      await expect.poll(() => param(page, 'entry')).toBe(first[24]);
      expect(await page.evaluate(() => history.length), 'stepping adds no history entries').toBe(historyLength);

      // The Next button crosses too, and keeps the focus (it is not disabled while the page loads).
      await page.getByRole('button', { name: 'Next entry' }).click();
      await expect.poll(() => param(page, 'entry')).toBe(second[0]);
      expect((await focused(page)).label).toBe('Next entry');

      // Closing after a crossing stays on the page stepped to, focus on that entry's row.
      await page.keyboard.press('Escape');
      await page.locator('.drawer').waitFor({ state: 'detached' });
      expect(param(page, 'page')).toBe('2');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-entry'))).toBe(second[0]);
      expect(errors).toEqual([]);
      await context.close();
    },
  );

  it('disables Previous only at the very first entry and Next only at the very last', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs?entity=ticket', 1440);
    await onPage(page, 1, 25);
    await openRow(page, 0);
    expect(await page.getByRole('button', { name: 'Previous entry' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Next entry' }).isDisabled()).toBe(false);
    await page.keyboard.press('k');
    await page.waitForTimeout(300);
    expect(param(page, 'page')).toBeNull();

    await page.goto(`${server.url}/admin/audit-logs?entity=ticket&page=3`);
    await onPage(page, 3, 10);
    await openRow(page, 9);
    expect(await page.locator('.drawer .position').innerText()).toBe(`${TICKETS} of ${TICKETS}`);
    expect(await page.getByRole('button', { name: 'Next entry' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Previous entry' }).isDisabled()).toBe(false);
    // From page 3 opened by its number (no cursor met on the way), K at its first entry still reaches page 2's last.
    await openRow(page, 0);
    await page.keyboard.press('k');
    await expect.poll(() => param(page, 'page')).toBe('2');
    await onPage(page, 2, 25);
    await expect.poll(() => param(page, 'entry')).toBe((await listedIds(page))[24]);
    expect(errors).toEqual([]);
    await context.close();
  });
});

/** The rows of the export for `entity=asset`, as the server sends them (the same request the page makes). */
async function serverExport(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const input = JSON.stringify({ entityType: 'asset' });
    const response = await fetch(`/audit-logs/export?format=csv&input=${encodeURIComponent(input)}`);
    return response.text();
  });
}
const exportedRows = (text: string) => text.trimEnd().split('\r\n').slice(1);

describe('export without the file in the page’s memory', () => {
  it.each([1440, 768])(
    'writes into the file picked as the rows arrive, with progress, at %d px (it collected a Blob before)',
    async (width) => {
      const { context, page, errors } = await signedIn('/admin/audit-logs?entity=asset', width);
      // Headless Chromium cannot show a save dialog: the page is given a real file of the origin's private file system
      // instead of the one the admin would pick (the writes are the browser's own), and the progress is recorded.
      await page.evaluate(() => {
        const seen: number[] = [];
        Object.assign(window, { progressSeen: seen });
        new MutationObserver(() => {
          const bar = document.querySelector<HTMLProgressElement>('progress[aria-label="Export progress"]');
          if (bar) seen.push(bar.value);
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
        Object.assign(window, {
          showSaveFilePicker: async (options: { suggestedName: string }) => {
            Object.assign(window, { suggestedName: options.suggestedName });
            const root = await navigator.storage.getDirectory();
            return root.getFileHandle(options.suggestedName, { create: true });
          },
        });
      });
      await expect.poll(() => page.locator('.total').innerText()).toBe(`${ASSETS.toLocaleString('en-US')} entries`);
      await page.getByRole('button', { name: 'Export', exact: true }).click();
      await expect
        .poll(() => page.getByRole('status').filter({ hasText: 'Exported' }).innerText(), { timeout: 30_000 })
        .toMatch(new RegExp(`^Exported ${ASSETS.toLocaleString('en-US')} entries as CSV to audit-log-.+\\.csv\\.$`));
      const written = await page.evaluate(async () => {
        const name = (window as unknown as { suggestedName: string }).suggestedName;
        const root = await navigator.storage.getDirectory();
        return (await (await root.getFileHandle(name)).getFile()).text();
      });
      const expected = exportedRows(await serverExport(page));
      expect(expected).toHaveLength(ASSETS);
      // Same rows (each export has its own time, so the file is not byte for byte the later one).
      expect(exportedRows(written)).toEqual(expected);
      // Progress moved while the rows arrived: several values between none and all.
      const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
      expect(new Set(seen.filter((value) => value > 0 && value < ASSETS)).size).toBeGreaterThan(1);
      expect(await page.getByRole('button', { name: 'Export', exact: true }).isEnabled()).toBe(true);
      await screenshot(page, `export-streamed-${width}`);
      expect(errors).toEqual([]);
      await context.close();
    },
  );

  it('cancels a running export: the button that started it stops it, focus kept, and the file stays empty', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs?entity=asset', 1440);
    await page.evaluate(() => {
      Object.assign(window, {
        showSaveFilePicker: async () =>
          (await navigator.storage.getDirectory()).getFileHandle('cancelled.csv', { create: true }),
      });
    });
    await expect.poll(() => page.locator('.total').innerText()).toBe(`${ASSETS.toLocaleString('en-US')} entries`);
    // A slow line, so that the export is still running when Cancel is pressed.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 20,
      downloadThroughput: 8_000,
      uploadThroughput: 100_000,
    });
    const button = page.locator('.export-view button');
    await button.click();
    await expect.poll(() => button.innerText()).toBe('Cancel export');
    await expect.poll(() => page.locator('progress[aria-label="Export progress"]').getAttribute('value')).not.toBe('0');
    await screenshot(page, 'export-running-1440');
    await button.click();
    await expect
      .poll(() => page.locator('.export-view [role="status"]').innerText())
      .toBe('Export cancelled: nothing was saved.');
    expect(await button.innerText()).toBe('Export');
    expect(await page.evaluate(() => document.activeElement?.closest('.export-view') !== null)).toBe(true);
    const size = await page.evaluate(async () => {
      const root = await navigator.storage.getDirectory();
      return (await (await root.getFileHandle('cancelled.csv')).getFile()).size;
    });
    expect(size).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('hands the download to the browser where there is no save dialog (Firefox, Safari): the export’s own URL', async () => {
    const { context, page, errors } = await signedIn('/admin/audit-logs?entity=asset', 1440);
    await page.evaluate(() => {
      // What Firefox and Safari have: no File System Access API.
      Reflect.deleteProperty(Window.prototype, 'showSaveFilePicker');
      Reflect.deleteProperty(window, 'showSaveFilePicker');
    });
    await expect.poll(() => page.locator('.total').innerText()).toBe(`${ASSETS.toLocaleString('en-US')} entries`);
    await page.getByRole('combobox', { name: 'Export format' }).selectOption('ndjson');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export', exact: true }).click(),
    ]);
    const url = new URL(download.url());
    expect(url.pathname).toBe('/audit-logs/export');
    expect(url.searchParams.get('format')).toBe('ndjson');
    expect(JSON.parse(url.searchParams.get('input') ?? '')).toEqual({ entityType: 'asset' });
    expect(download.suggestedFilename()).toMatch(/^audit-log-.+Z\.ndjson$/);
    const lines = (await readFile((await download.path()) ?? '', 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(ASSETS);
    expect(await page.getByRole('status').filter({ hasText: 'downloading' }).innerText()).toBe(
      `Your browser is downloading ${ASSETS.toLocaleString('en-US')} entries as NDJSON: its downloads show the progress.`,
    );
    expect(errors).toEqual([]);
    await context.close();
  });
});
