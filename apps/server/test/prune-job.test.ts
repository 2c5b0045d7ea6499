/**
 * The server's prune job (decision 015): only with a maintenance connection (the owner's), pruning every
 * organization as far as its retention allows through `pruneMonths`, never under a legal hold.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testEngines } from '@auditlog/db/testing';
import { DatabaseConfigError } from '@auditlog/db';
import type { DatabaseEngine } from '@auditlog/db';
import { sealOrganization, sqlClientFor, verifyOrganization } from '@auditlog/seal';
import { startServer } from '../src/server.ts';
import type { RunningServer, ServerOptions } from '../src/server.ts';

const DAY = 86_400_000;
const ORG = 'org_prune';

/** Entries three and two months back (past a 30-day retention) and yesterday (kept), all sealed. */
async function sealedHistory(running: RunningServer, privateKey: KeyObject) {
  const now = new Date();
  const times = [
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 10)),
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 10)),
    new Date(Math.floor(now.getTime() / DAY) * DAY - 3_600_000),
  ];
  for (const [i, at] of times.entries())
    await running.db.prisma
      .$executeRaw`INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
      VALUES (auditlog.next_id(${at}::timestamptz), ${ORG}, ${at}::timestamptz, 'update', 'ticket', ${`t${i}`}, 'SYSTEM')`;
  const sql = sqlClientFor(running.db);
  try {
    await sealOrganization(sql, ORG, { privateKey });
    await sql.query(`SELECT auditlog.set_retention($1, 30, false)`, [ORG]);
  } finally {
    await sql.close();
  }
}

const count = async (running: RunningServer, action?: string) => {
  const [row] = await running.db.prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "AuditLog" WHERE "organizationId" = ${ORG} AND (${action ?? null}::text IS NULL OR action = ${action ?? null})`;
  return row?.n ?? -1;
};

async function withServer(
  engine: DatabaseEngine,
  prune: (url: string | undefined) => ServerOptions['prune'],
  run: (running: RunningServer) => Promise<void>,
) {
  const handle = await createTestDatabase(engine);
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: handle.options,
    webRoot: null,
    prune: prune(handle.url),
  });
  try {
    await run(running);
  } finally {
    await running.stop();
    await handle.drop();
  }
}

describe.each(testEngines)('the prune job on %s', (engine) => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const maintenance = (url: string | undefined) => (url ? { url } : ('embedded' as const));
  const job = (url: string | undefined) => ({ privateKey, intervalMs: DAY, maintenance: maintenance(url) });

  it('prunes the months past the retention period through the maintenance connection, records it, and the chain verifies', async () => {
    await withServer(engine, job, async (running) => {
      await sealedHistory(running, privateKey);
      expect(running.jobs.pruning).toBeDefined();
      const run = await running.jobs.pruning?.runNow();
      expect(run?.failed).toEqual([]);
      expect(run?.pruned).toMatchObject([{ organizationId: ORG, entries: 2 }]);
      expect(await count(running, 'update')).toBe(1);
      expect(await count(running, 'prune')).toBe(1);
      // A second run finds nothing more to remove.
      expect((await running.jobs.pruning?.runNow())?.pruned).toEqual([]);
      const sql = sqlClientFor(running.db);
      try {
        const report = await verifyOrganization(sql, ORG, { publicKey: createPublicKey(privateKey) });
        expect(report.failure).toBeNull();
      } finally {
        await sql.close();
      }
    });
  });

  it('removes nothing of an organization under a legal hold', async () => {
    await withServer(engine, job, async (running) => {
      await sealedHistory(running, privateKey);
      await running.db.prisma.$executeRaw`SELECT auditlog.set_retention(${ORG}, 30, true)`;
      const run = await running.jobs.pruning?.runNow();
      expect(run).toEqual({ pruned: [], held: [ORG], failed: [] });
      expect(await count(running, 'update')).toBe(3);
      expect(await count(running, 'prune')).toBe(0);
    });
  });

  it('never starts without a maintenance connection', async () => {
    await withServer(
      engine,
      () => undefined,
      async (running) => {
        await sealedHistory(running, privateKey);
        expect(running.jobs.pruning).toBeUndefined();
        expect(await count(running, 'update')).toBe(3);
      },
    );
  });

  it('refuses to start with a maintenance connection to another database, without printing its password', async () => {
    const handle = await createTestDatabase(engine);
    try {
      const elsewhere = 'postgres://postgres:s3cret@127.0.0.1:5432/postgres';
      const refused = await startServer({
        port: 0,
        host: '127.0.0.1',
        database: handle.options,
        webRoot: null,
        prune: { privateKey, intervalMs: DAY, maintenance: { url: elsewhere } },
      }).then(
        () => 'started',
        (error: unknown) => (error instanceof DatabaseConfigError ? error.message : String(error)),
      );
      expect(refused).toMatch(
        engine === 'postgres' ? /is not the server's database/ : /embedded database has one role/,
      );
      expect(refused).not.toContain('s3cret');
    } finally {
      await handle.drop();
    }
  });
});
