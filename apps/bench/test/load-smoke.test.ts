/**
 * `pnpm bench:load` in small (a few clients for a few seconds), so that it cannot rot: the real server in a child
 * process on a fresh PostgreSQL database, every call answered, every committed change and recorded entry found in
 * the log exactly once, and no secret of the recorded metadata stored. PostgreSQL only: the load test's business
 * writes reach the server's database from this process, which an embedded database in the server cannot offer.
 */
import { describe, expect, it } from 'vitest';
import { runLoad } from '../src/load.ts';

const serverUrl = process.env.TEST_DATABASE_URL?.trim();

describe.runIf(serverUrl)('the load test, in small', () => {
  it('runs 4 clients for 5 s with no error, nothing lost or duplicated, and the server’s memory sampled', async () => {
    const result = await runLoad({ serverUrl: serverUrl ?? '', seconds: 5, clients: 4, batch: 20 });
    expect(result.errors).toEqual([]);
    for (const [op, call] of Object.entries(result.calls)) {
      expect(call.errors, op).toBe(0);
      expect(call.count, op).toBeGreaterThan(0);
    }
    expect(result.expected).toBeGreaterThan(0);
    expect({ lost: result.lost, duplicated: result.duplicated, unexpected: result.unexpected }).toEqual({
      lost: 0,
      duplicated: 0,
      unexpected: 0,
    });
    expect(result.found).toBe(result.expected);
    expect(result.rss.samples.length).toBeGreaterThanOrEqual(3);
    expect(result.rss.max).toBeGreaterThan(0);
  });
});
