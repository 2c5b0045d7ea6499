import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { sqlClientFor, startSealing } from '../src/index.ts';
import type { SealRun } from '../src/index.ts';
import { daysAgo, insertEntries, sealKeys } from './support.ts';

describe.each(testEngines)('the background sealer on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('seals on its interval, one run at a time, and stops cleanly', async () => {
    const sql = sqlClientFor(db());
    await insertEntries(sql, 'org_t', { count: 30, start: daysAgo(1), stepMs: 1000 });
    const runs: SealRun[] = [];
    const { privateKey } = sealKeys();
    const schedule = startSealing(db(), { privateKey, intervalMs: 50, onRun: (run) => runs.push(run) });
    try {
      await expect.poll(() => runs.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      const sealed = runs.flatMap((run) => run.sealed).filter((result) => result.organizationId === 'org_t');
      expect(sealed.reduce((sum, result) => sum + result.entries, 0)).toBe(30);
      expect(runs.flatMap((run) => run.refused)).toEqual([]);
    } finally {
      await schedule.stop();
      await sql.close();
    }
  });
});
