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
});
