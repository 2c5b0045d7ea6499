/**
 * Retention (decision 015): whole months older than the period, under no legal hold, removed by the owner's
 * prune_months() with their blocks; the prune is an entry of the log, and the chain verifies from the block kept.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { pruneMonths, sealOrganization, sqlClientFor, verifyOrganization } from '../src/index.ts';
import type { SignedBlock, SqlClient } from '../src/index.ts';
import { lastBlock, readBlocks } from '../src/store.ts';
import { DAY, insertEntries, sealKeys } from './support.ts';

const ORG = 'org_p';

describe.each(testEngines)('pruning on %s', (engine) => {
  const db = useTestDatabase(engine);
  const { privateKey } = sealKeys();
  const publicKey = createPublicKey(privateKey);
  const now = new Date();
  const monthsAgo = (n: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1));
  let sql: SqlClient;
  let checkpoint: SignedBlock;

  beforeAll(async () => {
    sql = sqlClientFor(db());
    const start = monthsAgo(3);
    const days = Math.floor((Math.floor(now.getTime() / DAY) * DAY - start.getTime()) / DAY);
    await insertEntries(sql, ORG, { count: days * 4, start, stepMs: DAY / 4 });
    // The backdated entries landed in the DEFAULT partition: file them into their months, as the server job does.
    await sql.query(`SELECT auditlog.maintain_partitions()`);
    await sealOrganization(sql, ORG, { privateKey, blockSize: 50 });
    checkpoint = (await lastBlock(sql, ORG)) as SignedBlock;
  });
  afterAll(() => sql.close());

  const error = (promise: Promise<unknown>) =>
    promise.then(
      () => 'succeeded',
      (e: unknown) => String(e),
    );

  it('refuses to prune under a legal hold, or months younger than the retention period (default 400 days)', async () => {
    expect(await error(pruneMonths(sql, ORG, monthsAgo(2), privateKey))).toMatch(/at least 400 days ago/);
    await sql.query(`SELECT auditlog.set_retention($1, 30, true)`, [ORG]);
    expect(await error(pruneMonths(sql, ORG, monthsAgo(2), privateKey))).toMatch(/under legal hold/);
    const [held] = await sql.query<{ metadata: unknown }>(
      `SELECT metadata FROM "AuditLog" WHERE "organizationId" = $1 AND action = 'retention_change' ORDER BY "createdAt" DESC LIMIT 1`,
      [ORG],
    );
    expect(held?.metadata).toEqual({ retentionDays: 30, legalHold: true });
  });

  it('prunes whole months with their blocks, records it, and the chain verifies from the block kept (checkpoint too)', async () => {
    await sql.query(`SELECT auditlog.set_retention($1, 30, false)`, [ORG]);
    // The daily counts and their facets, filled before the prune, must lose the pruned days with the entries.
    await sql.query(`SELECT audit_refresh_daily_counts($1)`, [ORG]);
    const before = await readBlocks(sql, ORG);
    const result = await pruneMonths(sql, ORG, monthsAgo(2), privateKey);
    const after = await readBlocks(sql, ORG);
    expect(result.entries).toBeGreaterThan(100);
    expect(after[0]?.sequence).toBe(before.length - after.length + 1);
    const [{ n } = { n: -1 }] = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "AuditLog" WHERE "organizationId" = $1 AND "createdAt" < $2`,
      [ORG, monthsAgo(2).toISOString()],
    );
    expect(n).toBe(0);
    for (const table of [
      'AuditLogDailyCount',
      'AuditLogActorDailyCount',
      'AuditLogIpDailyCount',
      'AuditLogRequestDailyCount',
    ]) {
      const [counts] = await sql.query<{ stale: number; counted: number; entries: number }>(
        `SELECT (SELECT count(*)::int FROM "${table}" WHERE "organizationId" = $1 AND day < $2) AS stale,
           (SELECT coalesce(sum(count), 0)::int FROM "${table}" WHERE "organizationId" = $1) AS counted,
           (SELECT count(*)::int FROM "AuditLog" l, "AuditLogRollup" r WHERE l."organizationId" = $1
              AND r."organizationId" = $1 AND l."createdAt" < r."countedUntil") AS entries`,
        [ORG, monthsAgo(2).toISOString()],
      );
      expect(counts?.stale, table).toBe(0);
      // Every entry this test wrote has an actor, an address and a request id: each facet counts every entry.
      expect(counts?.counted, table).toBe(counts?.entries);
    }
    // The months held by this organization alone went as whole partitions.
    const partitions = await sql.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"AuditLog"'::regclass`,
    );
    const month = (d: Date) => `AuditLog_p${d.getUTCFullYear()}_${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(partitions.map((p) => p.name)).not.toContain(month(monthsAgo(3)));
    expect(partitions.map((p) => p.name)).toContain(month(monthsAgo(2)));
    const [entry] = await sql.query<{ metadata: Record<string, unknown> }>(
      `SELECT metadata FROM "AuditLog" WHERE "organizationId" = $1 AND action = 'prune'`,
      [ORG],
    );
    expect(entry?.metadata).toMatchObject({
      entries: result.entries,
      prunedThroughSequence: before.length - after.length,
    });
    const report = await verifyOrganization(sql, ORG, { publicKey, checkpoints: [checkpoint] });
    expect(report.failure).toBeNull();
  });

  it('detects a prune made without the key: blocks and entries removed by a superuser, a prune entry forged', async () => {
    await sql.query('BEGIN');
    try {
      await sql.query('SET LOCAL session_replication_role = replica');
      const [first] = await readBlocks(sql, ORG);
      await sql.query(`DELETE FROM "AuditLog" WHERE "organizationId" = $1 AND "createdAt" <= $2`, [
        ORG,
        first?.lastCreatedAt,
      ]);
      await sql.query(`DELETE FROM auditlog."AuditSealBlock" WHERE "organizationId" = $1 AND sequence = $2`, [
        ORG,
        first?.sequence,
      ]);
      await sql.query(
        `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType", metadata)
         VALUES (auditlog.next_id(now()), $1, now(), 'prune', 'audit_log', $1, 'SYSTEM', $2)`,
        [
          ORG,
          {
            before: first?.sealedThrough,
            prunedThroughSequence: first?.sequence,
            prunedThroughHash: first?.chainedHash,
            signature: '00'.repeat(64),
          },
        ],
      );
      const report = await verifyOrganization(sql, ORG, { publicKey });
      expect(report.failure?.problem).toMatch(/prune whose record is not signed/);
    } finally {
      await sql.query('ROLLBACK');
    }
  });
});
