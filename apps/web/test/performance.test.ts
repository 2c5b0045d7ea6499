/**
 * Issue 13, item 12, measured in Chromium against the real server: the JavaScript of a first visit on the wire (as
 * the browser received it, compressed), no waterfall before the first list call, first rows after navigation (warm),
 * and a filter change's time to new rows beyond the server's own time. The numbers are printed for the README.
 */
import { withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { startTestServer } from '@auditlog/server/testing';
import type { TestOrganization, TestServer } from '@auditlog/server/testing';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { ARTIFACTS, launchBrowser, watchForErrors } from './browser.ts';

/** PostgreSQL when the tests have one (TEST_DATABASE_URL), else PGlite: the windows are counted by the engine. */
const ENGINE = process.env.TEST_DATABASE_URL?.trim() ? 'postgres' : 'pglite';
let server: TestServer;
let org: TestOrganization;
let browser: Browser;
let cookie = '';

/** Targets of item 12 (warm, loopback). */
const FIRST_ROWS_MS = 300;
const FILTER_CLIENT_MS = 150;

/**
 * The targets hold on a machine doing this test (CI's, a developer's). When the machine is overloaded by other work
 * (a 1-minute load average over twice its cores) a time says more about the queue for the CPU than about the page:
 * the test then reports the figure and the load, and holds it to three times the target.
 */
function budget(target: number): number {
  const load = loadavg()[0] ?? 0;
  const overloaded = load > 2 * availableParallelism();
  if (overloaded)
    report(`machine overloaded (load ${load.toFixed(1)} on ${availableParallelism()} cores): ≤ ${3 * target} ms`);
  return overloaded ? 3 * target : target;
}
/** The same budget as test/bundle-size.test.ts, here as the browser received it. */
const BUDGET_BYTES = 60 * 1024;

beforeAll(async () => {
  server = await startTestServer(
    ENGINE,
    process.env.AUDITLOG_WEB_ROOT ? { webRoot: process.env.AUDITLOG_WEB_ROOT } : {},
  );
  org = await server.createOrganization('Fast Org');
  const admin = org.users.ADMIN;
  // Views and clients created, an hour apart: the Action Type filter's Create narrows them.
  for (let i = 0; i < 120; i++) {
    const at = new Date(Date.now() - (i + 1) * 3_600_000);
    await withAuditContext({ userId: admin.id, name: admin.name, email: admin.email, ipAddress: '192.0.2.4' }, () =>
      withSeedClock(at, () =>
        i % 3
          ? server.db.prisma.$record({
              organizationId: org.id,
              action: 'view',
              entityType: 'ticket',
              entityId: `t${i}`,
            })
          : server.db.prisma.client.create({ data: { organizationId: org.id, name: `Client ${i}` } }),
      ),
    );
  }
  cookie = await server.signIn(admin.email);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signedInContext(): Promise<BrowserContext> {
  const context = await browser.newContext({
    timezoneId: 'UTC',
    locale: 'en-US',
    viewport: { width: 1440, height: 900 },
  });
  const [name, value] = cookie.split('=');
  await context.addCookies([{ name: name ?? '', value: value ?? '', url: server.url }]);
  return context;
}

/** Measurements go to the output (for the README) and to test-results/performance.txt. */
function report(line: string): void {
  process.stdout.write(`${line}\n`);
  const load = (loadavg()[0] ?? 0).toFixed(1);
  appendFileSync(path.join(ARTIFACTS, 'performance.txt'), `${new Date().toISOString()} load ${load}: ${line}\n`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

describe('the page is fast (item 12)', () => {
  it('loads at most 60 kB of JavaScript on the wire on a first visit, compressed', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    const errors = watchForErrors(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const scripts = new Map<string, { url: string; encoding?: string; bytes?: number }>();
    cdp.on('Network.responseReceived', (event) => {
      if (event.type === 'Script') {
        const headers = Object.fromEntries(
          Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), v]),
        );
        scripts.set(event.requestId, { url: event.response.url, encoding: headers['content-encoding'] });
      }
    });
    cdp.on('Network.loadingFinished', (event) => {
      const script = scripts.get(event.requestId);
      if (script) script.bytes = event.encodedDataLength;
    });
    await page.goto(`${server.url}/admin/audit-logs`);
    await page.locator('button[data-entry]').first().waitFor();
    // The search bar and the investigation controls are a chunk the page loads at once: counted whether it arrives
    // before or after the first rows.
    await page.getByRole('combobox', { name: 'Search' }).waitFor();
    await page.getByLabel('Request ID').waitFor();
    await expect.poll(() => [...scripts.values()].every((script) => script.bytes !== undefined)).toBe(true);
    const total = [...scripts.values()].reduce((sum, script) => sum + (script.bytes ?? 0), 0);
    report(`first-visit JavaScript on the wire: ${(total / 1024).toFixed(1)} kB in ${scripts.size} file(s)`);
    expect(scripts.size).toBeGreaterThan(0);
    for (const script of scripts.values()) expect(script.encoding, script.url).toBe('br');
    // encodedDataLength counts the response's headers too: the budget holds with them.
    expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('asks for the list together with the session, and shows the first rows within 300 ms of navigation (warm)', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.addInitScript(() => {
      const w = window as unknown as { firstRows?: number };
      new MutationObserver((_, observer) => {
        if (document.querySelector('button[data-entry]')) {
          w.firstRows = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const calls: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/trpc/')) calls.push(decodeURIComponent(new URL(request.url()).pathname));
    });
    await page.goto(`${server.url}/admin/audit-logs`); // cold: fills the cache
    await page.locator('button[data-entry]').first().waitFor();
    // One request before the first rows: the session and the list, batched (no waterfall).
    expect(calls[0]).toMatch(/auth\.me/);
    expect(calls[0]).toMatch(/audit\.list/);

    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      await page.goto(`${server.url}/admin/audit-logs${i % 2 ? '?action=create' : ''}`);
      await page
        .waitForFunction(() => (window as unknown as { firstRows?: number }).firstRows !== undefined, undefined, {
          timeout: 10_000,
        })
        .catch(() => undefined);
      const at = await page.evaluate(() => (window as unknown as { firstRows?: number }).firstRows);
      if (at !== undefined) times.push(at);
    }
    report(
      `first rows after navigation (warm), median of ${times.length}: ${median(times).toFixed(0)} ms; all: ${times.map((t) => t.toFixed(0)).join(', ')}`,
    );
    expect(median(times)).toBeLessThanOrEqual(budget(FIRST_ROWS_MS));
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows new rows within 150 ms of a filter change, beyond the server’s time', async () => {
    const context = await signedInContext();
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto(`${server.url}/admin/audit-logs`);
    await page.locator('button[data-entry]').first().waitFor();
    const overheads: number[] = [];
    // Each a new query (a cached one would show without asking the server): rows, or the empty state, for each.
    for (const action of ['create', 'login', 'update', 'delete', 'logout']) {
      const result = await page.evaluate(async (next) => {
        const select = document.querySelector<HTMLSelectElement>('#filter-action');
        if (!select) throw new Error('no Action Type filter');
        const before = performance.now();
        performance.clearResourceTimings();
        select.value = next;
        select.dispatchEvent(new Event('change', { bubbles: true }));
        const expected = select.selectedOptions[0]?.textContent ?? '';
        const card = document.querySelector('section.card');
        await new Promise<void>((resolve) => {
          const check = () => {
            const rowsFor = document.querySelectorAll('table.log tbody tr .badge');
            const badges = [...rowsFor].map((b) => b.textContent);
            const shown =
              badges.length > 0 ? badges.every((b) => b === expected) : Boolean(document.querySelector('.state'));
            // New rows only once the answer is in (the previous view may look the same, e.g. two empty ones).
            const answered = performance
              .getEntriesByType('resource')
              .some((entry) => entry.name.includes('audit.list'));
            if (answered && shown && card?.getAttribute('aria-busy') !== 'true') resolve();
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        });
        const shown = performance.now();
        // The call's timing entry can land a little after the rows do.
        const find = () =>
          performance.getEntriesByType('resource').find((entry) => entry.name.includes('audit.list')) as
            PerformanceResourceTiming | undefined;
        for (let i = 0; i < 50 && !find(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
        const call = find();
        return { total: shown - before, server: call ? call.responseStart - call.requestStart : NaN };
      }, action);
      expect(result.server, `the list call for ${action || 'all'}`).not.toBeNaN();
      overheads.push(result.total - result.server);
    }
    report(
      `filter change to new rows beyond the server's time, median: ${median(overheads).toFixed(0)} ms; all: ${overheads.map((t) => t.toFixed(0)).join(', ')}`,
    );
    expect(median(overheads)).toBeLessThanOrEqual(budget(FILTER_CLIENT_MS));
    expect(errors).toEqual([]);
    await context.close();
  });
});
