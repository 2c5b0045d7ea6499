/**
 * Issue 13, items 7 and 11 in a real browser: times in a zone the admin can see and switch, carried by shared links;
 * quick ranges and times of day; and the page's defects (layout shift under 900 px, date typing, impossible pages,
 * clipped badges, focus after paging, stale totals, contrast, titles, skip link), each at 1440 and 768 px with
 * screenshots in apps/web/test-results/. `AUDITLOG_WEB_ROOT` points the server at another build (to show that a test
 * fails on the code before the fix).
 */
import { runAsSystem, withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { startTestServer } from '@auditlog/server/testing';
import type { TestOrganization, TestServer } from '@auditlog/server/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, watchForErrors } from './browser.ts';

/** PostgreSQL when the tests have one (TEST_DATABASE_URL), else PGlite: the windows are counted by the engine. */
const ENGINE = process.env.TEST_DATABASE_URL?.trim() ? 'postgres' : 'pglite';
let server: TestServer;
let org: TestOrganization;
let browser: Browser;
let cookie = '';
let todayEntryAt = new Date();

/** `days` days before today at hh:mm UTC. */
const utcAt = (days: number, hour: number, minute = 0) => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days, hour, minute));
};
const isoDay = (date: Date) => date.toISOString().slice(0, 10);

async function seed(): Promise<void> {
  const prisma = server.db.prisma;
  const admin = org.users.ADMIN;
  const as = <T>(at: Date, fn: () => PromiseLike<T>) =>
    withAuditContext({ userId: admin.id, name: admin.name, email: admin.email, ipAddress: '198.51.100.7' }, () =>
      withSeedClock(at, fn),
    );
  // 60 views at 01:30 and 22:30 UTC over 30 days: entries whose calendar day differs between zones.
  for (let i = 0; i < 60; i++) {
    await as(utcAt(1 + Math.floor(i / 2), i % 2 ? 22 : 1, 30), () =>
      prisma.$record({ organizationId: org.id, action: 'view', entityType: 'ticket', entityId: `t${i}` }),
    );
  }
  for (const action of ['export', 'restore', 'archive']) {
    await as(utcAt(3, 12), () =>
      prisma.$record({ organizationId: org.id, action, entityType: 'client', entityId: 'c1' }),
    );
  }
  const response = await fetch(`${server.url}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: org.users.BILLING.email, password: 'a wrong guess' }),
  });
  expect(response.status).toBe(401);
  // One entry today, a minute ago: shown without a date.
  todayEntryAt = new Date(Date.now() - 60_000);
  await runAsSystem({ name: 'Email sync' }, () =>
    withSeedClock(todayEntryAt, () => prisma.contact.create({ data: { organizationId: org.id, name: 'Dana' } })),
  );
}

const count = (gte?: Date, lte?: Date) =>
  server.db.prisma.auditLog.count({ where: { organizationId: org.id, createdAt: { gte, lte } } });

/** The wall-clock start of `day` (YYYY-MM-DD) in `zone`, as an instant (zones without DST changes near the data). */
function zonedMidnight(day: string, zone: string): Date {
  const guess = new Date(`${day}T00:00:00Z`);
  const shown = new Date(guess.toLocaleString('en-US', { timeZone: zone }));
  const utc = new Date(guess.toLocaleString('en-US', { timeZone: 'UTC' }));
  return new Date(guess.getTime() - (shown.getTime() - utc.getTime()));
}

async function newPage(
  zone: string,
  width = 1440,
  height = 900,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ timezoneId: zone, locale: 'en-US', viewport: { width, height } });
  const [name, value] = cookie.split('=');
  await context.addCookies([{ name: name ?? '', value: value ?? '', url: server.url }]);
  const page = await context.newPage();
  return { context, page, errors: watchForErrors(page) };
}

const rows = (page: Page) => page.locator('table.log tbody tr:has(button[data-entry])');
const totalText = (page: Page) => page.locator('.total').innerText();
const expectTotal = (page: Page, total: number) =>
  expect.poll(() => totalText(page)).toBe(`${total.toLocaleString('en-US')} ${total === 1 ? 'entry' : 'entries'}`);
const search = (page: Page) => new URL(page.url()).searchParams;

beforeAll(async () => {
  server = await startTestServer(
    ENGINE,
    process.env.AUDITLOG_WEB_ROOT ? { webRoot: process.env.AUDITLOG_WEB_ROOT } : {},
  );
  org = await server.createOrganization('Zones Inc');
  await seed();
  cookie = await server.signIn(org.users.ADMIN.email);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('time you can trust (item 7)', () => {
  for (const width of [1440, 768]) {
    it(`shows dates before today, the zone in the header and beside the dates, and switches to UTC (${width} px)`, async () => {
      const { context, page, errors } = await newPage('America/New_York', width);
      await page.goto(`${server.url}/admin/audit-logs`);
      await expect.poll(() => rows(page).count()).toBe(25);
      const header = page.locator('table.log thead th').first();
      expect(await header.innerText()).toMatch(/TIMESTAMP\s*\(EST\)/);
      // The zone hint is never split across lines (it may wrap whole under "Timestamp").
      const hintLines = await header
        .locator('.zone-hint')
        .evaluate((element) => new Set([...element.getClientRects()].map((rect) => Math.round(rect.top))).size);
      expect(hintLines).toBe(1);
      expect(await page.locator('label[for="filter-from"]').innerText()).toMatch(/START DATE · EST/);
      expect(await page.getByLabel('Time zone').inputValue()).toBe('America/New_York');

      // Today's entry: relative time and time of day; one before today carries its date (01:30 UTC two days ago:
      // the evening before in New York).
      expect(await rows(page).first().locator('td').first().innerText()).toMatch(
        /^(\d minutes? ago|just now)\n\d{2}:\d{2} [AP]M$/,
      );
      const at = utcAt(2, 1, 30);
      const entry = await server.db.prisma.auditLog.findFirstOrThrow({
        where: { organizationId: org.id, createdAt: at },
      });
      const cell = page.locator(`tr:has(button[data-entry="${entry.id}"]) td`).first();
      const shown = (zone: string) =>
        `${at.toLocaleDateString('en-US', { timeZone: zone, month: 'short', day: 'numeric' })} · ${at.toLocaleTimeString('en-US', { timeZone: zone, hour: '2-digit', minute: '2-digit' })}`;
      expect(await cell.innerText()).toContain(shown('America/New_York'));
      await screenshot(page, `time-zone-new-york-${width}`);

      await page.getByLabel('Time zone').selectOption('UTC');
      await expect.poll(() => search(page).get('tz')).toBe('UTC');
      await expect.poll(() => header.innerText()).toMatch(/\(UTC\)/);
      await expect.poll(() => cell.innerText()).toContain(shown('UTC'));
      expect(shown('UTC')).not.toBe(shown('America/New_York'));
      await screenshot(page, `time-zone-utc-${width}`);
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it('gives admins in different zones the same window from one link, and writes the zone into links it makes', async () => {
    const day = isoDay(utcAt(5, 12));
    const berlinStart = zonedMidnight(day, 'Europe/Berlin');
    const idsIn = async (start: Date) =>
      (
        await server.db.prisma.auditLog.findMany({
          where: { organizationId: org.id, createdAt: { gte: start, lt: new Date(start.getTime() + 86_400_000) } },
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        })
      ).map((row) => row.id);
    const berlin = await idsIn(berlinStart);
    const expected = berlin.length;
    const link = `/admin/audit-logs?from=${day}&to=${day}&tz=Europe/Berlin`;
    const seen: string[][] = [];
    for (const zone of ['America/New_York', 'Asia/Tokyo']) {
      const { context, page, errors } = await newPage(zone);
      await page.goto(server.url + link);
      await expectTotal(page, expected);
      seen.push(
        await page
          .locator('button[data-entry]')
          .evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-entry') ?? '')),
      );
      expect(await page.locator('label[for="filter-from"]').innerText()).toMatch(/GMT\+1/);
      expect(await page.getByLabel('Time zone').locator('option:checked').innerText()).toMatch(
        /Europe\/Berlin.*from the link/,
      );
      if (zone === 'Asia/Tokyo') await screenshot(page, 'time-zone-shared-link');
      expect(errors).toEqual([]);
      await context.close();
    }
    expect(seen).toEqual([berlin, berlin]);
    // In New York's own zone the same day is another window: the link's zone is what makes them agree.
    expect(await idsIn(zonedMidnight(day, 'America/New_York'))).not.toEqual(berlin);

    // A date picked without a zone in the URL puts the admin's zone in it.
    const { context, page } = await newPage('Asia/Tokyo');
    await page.goto(`${server.url}/admin/audit-logs`);
    await page.getByLabel('Start Date').fill(day);
    await expect.poll(() => search(page).get('tz')).toBe('Asia/Tokyo');
    expect(search(page).get('from')).toBe(day);
    await context.close();
  });

  it('offers last 24 hours, 7 and 30 days, and optional times of day', async () => {
    const { context, page, errors } = await newPage('UTC', 768, 1000);
    await page.goto(`${server.url}/admin/audit-logs`);
    await expect.poll(() => rows(page).count()).toBe(25);
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    const today = isoDay(new Date());
    await expect.poll(() => search(page).get('to')).toBe(today);
    expect(search(page).get('from')).toBe(isoDay(utcAt(6, 0)));
    await expectTotal(page, await count(utcAt(6, 0)));
    expect(await page.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('true');

    await page.getByRole('button', { name: 'Last 24 hours' }).click();
    await expect.poll(() => search(page).get('from')?.length).toBe(16);
    const from = new Date(`${search(page).get('from')}:00Z`);
    await expectTotal(page, await count(from, new Date(`${search(page).get('to')}:59.999Z`)));
    await page.getByRole('button', { name: 'Last 30 days' }).click();
    await expect.poll(() => search(page).get('from')).toBe(isoDay(utcAt(29, 0)));
    await screenshot(page, 'quick-ranges-768');

    // A time of day narrows the start: only 22:30 entries of that day and later ones.
    const day = isoDay(utcAt(4, 12));
    await page.getByRole('button', { name: 'Clear Filters' }).click();
    await page.getByLabel('Start Date').fill(day);
    await page.getByLabel('End Date').fill(day);
    await page.getByLabel('Start time (optional)').fill('12:00');
    await expect.poll(() => search(page).get('from')).toBe(`${day}T12:00`);
    await expectTotal(page, await count(new Date(`${day}T12:00:00Z`), new Date(`${day}T23:59:59.999Z`)));
    await page.getByLabel('End time (optional)').fill('11:00');
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('The start time is after the end time.');
    await screenshot(page, 'time-of-day-768');
    expect(errors).toEqual([]);
    await context.close();
  });
});

describe('the page’s defects (item 11)', () => {
  it('keeps the top bars’ height under 900 px whatever the results (no layout shift)', async () => {
    const { context, page, errors } = await newPage('UTC', 768, 1000);
    await page.addInitScript(() => {
      const w = window as unknown as { cls: number };
      w.cls = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
          if (!entry.hadRecentInput) w.cls += entry.value;
        }
      }).observe({ type: 'layout-shift', buffered: true });
    });
    const bars = () =>
      page.evaluate(() => {
        const sidebar = document.querySelector('.sidebar')?.getBoundingClientRect().height ?? 0;
        const topbar = document.querySelector('.topbar')?.getBoundingClientRect().height ?? 0;
        return sidebar + topbar;
      });
    await page.goto(`${server.url}/admin/audit-logs`);
    await expect.poll(() => rows(page).count()).toBe(25);
    const full = await bars();
    await page.goto(`${server.url}/admin/audit-logs?action=failed_login`);
    await expect.poll(() => rows(page).count()).toBe(1);
    await page.waitForTimeout(300);
    expect(await bars()).toBe(full);
    expect(full).toBeLessThan(120);
    const cls = await page.evaluate(() => (window as unknown as { cls: number }).cls);
    expect(cls).toBeLessThan(0.05);
    await screenshot(page, 'short-results-768');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('takes a date typed by keyboard as one history entry, never sending a partial year', async () => {
    const { context, page, errors } = await newPage('UTC');
    const failures: string[] = [];
    page.on('response', (response) => {
      if (response.url().includes('audit.list') && response.status() !== 200) failures.push(response.url());
    });
    await page.goto(`${server.url}/admin/audit-logs`);
    await expect.poll(() => rows(page).count()).toBe(25);
    const before = await page.evaluate(() => history.length);
    const day = utcAt(3, 12);
    await page.getByLabel('Start Date').focus();
    const mmddyyyy = `${String(day.getUTCMonth() + 1).padStart(2, '0')}${String(day.getUTCDate()).padStart(2, '0')}${day.getUTCFullYear()}`;
    for (const key of mmddyyyy) {
      await page.keyboard.press(key);
      expect(await page.locator('.state[role="alert"]').count()).toBe(0);
    }
    await expect.poll(() => search(page).get('from')).toBe(isoDay(day));
    await page.keyboard.press('Tab');
    await expectTotal(page, await count(utcAt(3, 0)));
    expect(await page.evaluate(() => history.length)).toBe(before + 1);
    expect(failures).toEqual([]);
    expect(await page.locator('body').innerText()).not.toContain('between 1970 and 9999');
    expect(errors).toEqual([]);
    await context.close();
  });

  for (const pageNumber of [99_999_999_999, 400]) {
    it(`explains ?page=${pageNumber} in plain words and goes to the last page, without a Retry that cannot work`, async () => {
      const { context, page, errors } = await newPage('UTC', 768, 1000);
      await page.goto(`${server.url}/admin/audit-logs?page=${pageNumber}`);
      const lastPage = Math.ceil((await count()) / 25);
      const state = page.locator('.state');
      await expect.poll(() => state.innerText()).toContain(`There is no page ${pageNumber.toLocaleString('en-US')}`);
      await expect.poll(() => state.innerText()).toContain(`These filters have ${lastPage} pages.`);
      const text = await page.locator('.card').innerText();
      expect(text).not.toMatch(/Too big|expected number|Retry|past the last page: the last page/);
      expect(text).not.toContain(`Page ${pageNumber.toLocaleString('en-US')} of`);
      await screenshot(page, `page-out-of-range-${pageNumber}`);
      await page.getByRole('button', { name: `Go to page ${lastPage}` }).click();
      await expect.poll(() => page.locator('.pagination .pages').innerText()).toBe(`Page ${lastPage} of ${lastPage}`);
      expect(await rows(page).count()).toBeGreaterThan(0);
      // The browser test for the page server-side: the 400 for the impossible page is the answer shown.
      expect(errors.filter((error) => !/status of 400/.test(error))).toEqual([]);
      await context.close();
    });
  }

  it('shows generic badges whole at 768 px', async () => {
    const { context, page, errors } = await newPage('UTC', 768, 1000);
    await page.goto(`${server.url}/admin/audit-logs?page=1`);
    await expect.poll(() => rows(page).count()).toBe(25);
    for (const action of ['failed_login', 'export', 'restore', 'archive']) {
      await page.goto(`${server.url}/admin/audit-logs?action=${action}`);
      await expect.poll(() => rows(page).count()).toBeGreaterThan(0);
      const badge = rows(page).first().locator('.badge');
      expect(await badge.innerText()).toBe(action.replace('_', ' '));
      const clipped = await badge.evaluate((element) => element.scrollWidth > element.clientWidth);
      expect(clipped, `${action} badge clipped`).toBe(false);
    }
    await screenshot(page, 'generic-badge-768');
    expect(errors).toEqual([]);
    await context.close();
  });

  for (const width of [1440, 768]) {
    it(`after Next by keyboard, focus is on the new rows and they are on screen (${width} px)`, async () => {
      const { context, page, errors } = await newPage('UTC', width, 700);
      await page.goto(`${server.url}/admin/audit-logs`);
      await expect.poll(() => rows(page).count()).toBe(25);
      await page.getByRole('button', { name: 'Next' }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => search(page).get('page')).toBe('2');
      await expect.poll(() => page.locator('.pagination .pages').innerText()).toMatch(/^Page 2 of/);
      const focused = await page.evaluate(
        () => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName,
      );
      expect(focused).toMatch(/^Entries, page 2 of \d+$/);
      const top = await rows(page)
        .first()
        .evaluate((row) => row.getBoundingClientRect().top);
      expect(top).toBeGreaterThanOrEqual(0);
      expect(top).toBeLessThan(700);
      // Next again, still by keyboard: Tab back to it works as before.
      await screenshot(page, `after-next-${width}`);
      expect(errors).toEqual([]);
      await context.close();
    });
  }

  it('shows no total while the date range is backwards', async () => {
    const { context, page, errors } = await newPage('UTC');
    await page.goto(`${server.url}/admin/audit-logs`);
    await expectTotal(page, await count());
    await page.getByLabel('End Date').fill(isoDay(utcAt(10, 0)));
    await expect.poll(() => search(page).get('to')).toBe(isoDay(utcAt(10, 0)));
    await page.getByLabel('Start Date').fill(isoDay(utcAt(2, 0)));
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('The start date is after the end date.');
    await expect.poll(() => totalText(page)).toBe('—');
    expect(await page.locator('.pagination').count()).toBe(0);
    await screenshot(page, 'backwards-range');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('has text at 4.5:1 and control borders at 3:1 at least', async () => {
    const { context, page, errors } = await newPage('UTC');
    await page.goto(`${server.url}/admin/audit-logs`);
    await expect.poll(() => rows(page).count()).toBe(25);
    const report = await page.evaluate(() => {
      const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const lum = (color: string) => {
        const [r = 0, g = 0, b = 0] = rgb(color).map((v) => {
          const c = v / 255;
          return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const ratio = (a: string, b: string) => {
        const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
        return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
      };
      const background = (element: Element | null): string => {
        for (let e = element; e; e = e.parentElement) {
          const bg = getComputedStyle(e).backgroundColor;
          if (bg && !bg.endsWith(', 0)') && bg !== 'transparent') return bg;
        }
        return 'rgb(255, 255, 255)';
      };
      // The Changes table's "empty" on its tinted cells, as the details render it.
      document.body.insertAdjacentHTML(
        'beforeend',
        '<table class="changes-table" id="probe"><tr><td class="before"><span class="null">empty</span></td><td class="after"><span class="null">empty</span></td></tr></table>',
      );
      const texts = [
        ...document.querySelectorAll('.null, .secondary, .dash, .deleted, .entity-type, th, .zone-hint, label'),
      ];
      const low: string[] = [];
      for (const element of texts) {
        const r = ratio(getComputedStyle(element).color, background(element));
        if (r < 4.5) low.push(`${element.className || element.tagName} ${r.toFixed(2)}`);
      }
      for (const control of document.querySelectorAll('.input:not(:disabled), .select')) {
        const r = ratio(getComputedStyle(control).borderTopColor, background(control.parentElement));
        if (r < 3) low.push(`border ${control.id || control.className} ${r.toFixed(2)}`);
      }
      document.getElementById('probe')?.remove();
      return { low, checked: texts.length };
    });
    expect(report.checked).toBeGreaterThan(50);
    expect(report.low).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('names every route and state in the document title', async () => {
    const { context, page, errors } = await newPage('UTC');
    const title = async (path: string, expected: string | RegExp) => {
      await page.goto(server.url + path);
      await expect.poll(() => page.title()).toMatch(expected);
    };
    const pages = Math.ceil((await count()) / 25);
    await title('/', /^Overview · Ledgerline$/);
    await title('/admin/audit-logs', new RegExp(`^Audit Logs \\(page 1 of ${pages}\\) · Ledgerline$`));
    await title('/admin/audit-logs?page=2', new RegExp(`^Audit Logs \\(page 2 of ${pages}\\) · Ledgerline$`));
    await title('/admin/audit-logs?action=failed_login', /^Audit Logs · filtered · Ledgerline$/);
    await title('/nowhere', /^Page not found · Ledgerline$/);
    await context.clearCookies();
    await title('/login', /^Sign in · Ledgerline$/);
    const technician = await server.signIn(org.users.TECHNICIAN.email);
    await context.addCookies([{ name: server.sessionCookie, value: technician.split('=')[1] ?? '', url: server.url }]);
    await title('/admin/audit-logs', /^Access denied · Ledgerline$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  for (const width of [1440, 768]) {
    it(`has a skip link to the content (${width} px)`, async () => {
      const { context, page, errors } = await newPage('UTC', width);
      await page.goto(`${server.url}/admin/audit-logs`);
      await expect.poll(() => rows(page).count()).toBe(25);
      await page.keyboard.press('Tab');
      const link = page.getByRole('link', { name: 'Skip to content' });
      expect(await link.evaluate((element) => element === document.activeElement)).toBe(true);
      expect(await link.isVisible()).toBe(true);
      await screenshot(page, `skip-link-${width}`);
      await page.keyboard.press('Enter');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
      await page.keyboard.press('Tab');
      // The next stop is inside the content, not the sidebar.
      expect(await page.evaluate(() => Boolean(document.activeElement?.closest('#main')))).toBe(true);
      expect(errors).toEqual([]);
      await context.close();
    });
  }
});
