/**
 * pnpm --filter @auditlog/bench bench:seal — sealing and verification throughput on PostgreSQL (decision 015).
 *
 *   BENCH_DATABASE_URL   the server (default the local one); a fresh database is made and dropped
 *   BENCH_SEAL_ENTRIES   entries in the sealed organization (default 1,000,000), spread over the 60 days before today
 *
 * Then prunes the months before the current one (as the owner, retention set to one day) and times it.
 */
import { generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import { pruneMonths, sealOrganization, sqlClientFor, verifyOrganization } from '@auditlog/seal';
import { postgresBench } from './databases.ts';

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const entries = Number(process.env.BENCH_SEAL_ENTRIES ?? 1_000_000);
const log = (line: string) => process.stderr.write(`${line}\n`);
const DAY = 86_400_000;

const FILL = `
INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType", "actorUserId",
  "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", changes, metadata)
SELECT auditlog.next_id(t.at), 'org_bench', t.at, CASE WHEN n % 3 = 0 THEN 'update' ELSE 'create' END, 'ticket', 'tk_' || n,
  'USER', 'u_' || (n % 50), 'User ' || (n % 50), 'user' || (n % 50) || '@example.test', '10.0.0.' || (n % 250),
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36', 'req_' || (n / 3),
  jsonb_build_object('status', jsonb_build_object('before', 'open', 'after', 'closed'), 'priority', jsonb_build_object('before', n % 4, 'after', (n + 1) % 4)),
  jsonb_build_object('source', 'bench')
FROM generate_series(0, $1 - 1) AS n, LATERAL (SELECT $2::timestamptz + make_interval(secs => n * $3 / 1000.0) AS at) t
ORDER BY n`;

async function main(): Promise<void> {
  const bench = await postgresBench(serverUrl);
  const db = await bench.open();
  const sql = sqlClientFor(db);
  try {
    const span = 60 * DAY;
    const start = new Date(Math.floor(Date.now() / DAY) * DAY - span);
    let at = performance.now();
    for (let done = 0; done < entries; done += 100_000) {
      const count = Math.min(100_000, entries - done);
      const offset = new Date(start.getTime() + (done * span) / entries);
      await sql.query(FILL, [count, offset.toISOString(), span / entries]);
    }
    await sql.query('VACUUM ANALYZE "AuditLog"');
    log(`filled ${entries} entries in ${((performance.now() - at) / 1000).toFixed(1)} s`);
    const { privateKey } = generateKeyPairSync('ed25519');
    at = performance.now();
    const sealed = await sealOrganization(sql, 'org_bench', { privateKey });
    const sealSeconds = (performance.now() - at) / 1000;
    at = performance.now();
    const report = await verifyOrganization(sql, 'org_bench', { publicKey: privateKey });
    const verifySeconds = (performance.now() - at) / 1000;
    if (report.failure) throw new Error(`the bench log did not verify: ${report.failure.problem}`);
    await sql.query(`SELECT auditlog.set_retention('org_bench', 1, false)`);
    const now = new Date();
    at = performance.now();
    const pruned = await pruneMonths(
      sql,
      'org_bench',
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
      privateKey,
    );
    const pruneSeconds = (performance.now() - at) / 1000;
    const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')} entries/s`;
    console.log(`## Sealing (${bench.label}, ${os.cpus().length} CPUs, ${entries.toLocaleString('en')} entries)\n`);
    console.log('| step | time | throughput |\n|---|---|---|');
    console.log(
      `| seal (${sealed.blocks} blocks of ≤ 4,096) | ${sealSeconds.toFixed(2)} s | ${rate(sealed.entries, sealSeconds)} |`,
    );
    console.log(
      `| verify (every leaf, root, link, signature) | ${verifySeconds.toFixed(2)} s | ${rate(report.entries, verifySeconds)} |`,
    );
    const prunedWhat = `${pruned.entries.toLocaleString('en')} entries, ${pruned.blocks} blocks; DELETE, not partitions`;
    console.log(
      `| prune the months before ${pruned.before.slice(0, 7)} (${prunedWhat}) | ${pruneSeconds.toFixed(2)} s | ${rate(pruned.entries, pruneSeconds)} |`,
    );
  } finally {
    await sql.close();
    await db.close();
    await bench.drop();
  }
}

await main();
