import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { sealOrganization, sqlClientFor, verifyOrganization } from '../src/index.ts';
import { daysAgo, insertEntries, sealKeys } from './support.ts';

describe.each(testEngines)('sealing on %s', (engine) => {
  const db = useTestDatabase(engine);
  const { privateKey, publicKey } = sealKeys();

  it('seals final entries in blocks and verifies them clean', async () => {
    const sql = sqlClientFor(db());
    try {
      await insertEntries(sql, 'org_a', { count: 1000, start: daysAgo(3), stepMs: 60_000 });
      await insertEntries(sql, 'org_a', { count: 10, start: new Date(Date.now() - 5_000), stepMs: 100 });
      const sealed = await sealOrganization(sql, 'org_a', { privateKey, blockSize: 300 });
      expect(sealed).toEqual({ organizationId: 'org_a', blocks: 4, entries: 1000 });
      const report = await verifyOrganization(sql, 'org_a', { publicKey: createPublicKey(privateKey) });
      expect(report.failure).toBeNull();
      expect(report).toMatchObject({ entries: 1010, blocks: 4, pending: 10 });
      expect(publicKey.asymmetricKeyType).toBe('ed25519');
    } finally {
      await sql.close();
    }
  });

  it('never lets a block span two UTC months, and promises the month’s end when it stops there', async () => {
    const sql = sqlClientFor(db());
    try {
      const today = new Date();
      const monthStart = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1);
      // 40 entries, one an hour, across the start of this month (or of the previous one, early in a month).
      const boundary =
        today.getTime() - monthStart > 3 * 86_400_000
          ? monthStart
          : Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1);
      await insertEntries(sql, 'org_month', {
        count: 40,
        start: new Date(boundary - 20 * 3_600_000),
        stepMs: 3_600_000,
      });
      expect(await sealOrganization(sql, 'org_month', { privateKey })).toMatchObject({ blocks: 2, entries: 40 });
      const blocks = await sql.query<{ first: string; last: string; through: string }>(
        `SELECT "firstCreatedAt"::text AS first, "lastCreatedAt"::text AS last, "sealedThrough" AS through
         FROM auditlog."AuditSealBlock" WHERE "organizationId" = 'org_month' ORDER BY sequence`,
      );
      expect(new Date(blocks[0]?.through ?? '').getTime()).toBe(boundary);
      expect(
        (await verifyOrganization(sql, 'org_month', { publicKey: createPublicKey(privateKey) })).failure,
      ).toBeNull();
    } finally {
      await sql.close();
    }
  });
});
