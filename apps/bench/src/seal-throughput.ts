/**
 * pnpm --filter @auditlog/bench bench:seal — sealing and verification throughput on PostgreSQL (decision 015).
 *
 *   BENCH_DATABASE_URL   the server (default the local one); a fresh database is made and dropped
 *   BENCH_SEAL_ENTRIES   entries in the sealed organization (default 1,000,000), spread over the 60 days before today
 *   BENCH_SEAL_WORKERS   worker threads for the parallel verification (default one per CPU, at most 4)
 *
 * Verification is timed twice, in one thread and in workers, each with the load average and the CPU it used: this
 * process's (all threads) and the PostgreSQL backends' (from /proc, the server being local), per entry, so that a
 * quiet machine's throughput can be inferred from a busy one's.
 *
 * Then prunes the months before the current one (as the owner, retention set to one day) and times it: the fill
 * lands in monthly partitions made beforehand, as the server makes them ahead, so whole months are dropped.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { pruneMonths, sealOrganization, sqlClientFor, verifyOrganization } from '@auditlog/seal';
import type { SqlClient } from '@auditlog/seal';
import { postgresBench } from './databases.ts';

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const entries = Number(process.env.BENCH_SEAL_ENTRIES ?? 1_000_000);
const log = (line: string) => process.stderr.write(`${line}\n`);
const DAY = 86_400_000;
const workers = process.env.BENCH_SEAL_WORKERS ? Number(process.env.BENCH_SEAL_WORKERS) : undefined;
const TICK = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in hundredths of a second

/** CPU seconds used so far by the server's backends on `database` (local server only; 0 when /proc cannot tell). */
async function backendCpu(sql: SqlClient, database: string): Promise<number> {
  const rows = await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database]);
  let total = 0;
  for (const { pid } of rows) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / TICK;
  }
  return total;
}

/** How many monthly partitions the audit table has (the DEFAULT one not counted). */
async function monthPartitions(sql: SqlClient): Promise<number> {
  const [row] = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = '"AuditLog"'::regclass AND c.relname LIKE 'AuditLog\\_p%'`,
  );
  return row?.n ?? 0;
}

interface VerifyRun {
  label: string;
  seconds: number;
  entries: number;
  nodeCpu: number;
  load: [number, number];
}

/** One timed verification; the workers' backends are gone when it ends, so their CPU is not counted here. */
async function timedVerify(sql: SqlClient, key: KeyObject, label: string, threads: number | undefined) {
  const load = os.loadavg()[0] ?? 0;
  const cpu = process.cpuUsage();
  const at = performance.now();
  const report = await verifyOrganization(sql, 'org_bench', { publicKey: key, workers: threads });
  const seconds = (performance.now() - at) / 1000;
  const used = process.cpuUsage(cpu);
  if (report.failure) throw new Error(`the bench log did not verify: ${report.failure.problem}`);
  const run: VerifyRun = {
    label,
    seconds,
    entries: report.entries,
    nodeCpu: (used.user + used.system) / 1e6,
    load: [load, os.loadavg()[0] ?? 0],
  };
  return run;
}

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
    // The months of the span as the server would have made them ahead of time (maintain_partitions), so the fill
    // lands in monthly partitions and the prune drops them, as in production, rather than in the DEFAULT partition.
    await sql.query(
      `SELECT auditlog.create_partition(m) FROM generate_series(date_trunc('month', $1::timestamptz, 'UTC'), now(), interval '1 month') m`,
      [start.toISOString()],
    );
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
    const database = new URL(bench.url ?? serverUrl).pathname.slice(1);
    const dbCpu = await backendCpu(sql, database);
    const single = await timedVerify(sql, privateKey, 'verify in one thread', 1);
    const singleDbCpu = (await backendCpu(sql, database)) - dbCpu;
    const parallel = await timedVerify(sql, privateKey, `verify in ${workers ?? 'default'} workers`, workers);
    await sql.query(`SELECT auditlog.set_retention('org_bench', 1, false)`);
    const now = new Date();
    const partitionsBefore = await monthPartitions(sql);
    at = performance.now();
    const pruned = await pruneMonths(
      sql,
      'org_bench',
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
      privateKey,
    );
    const pruneSeconds = (performance.now() - at) / 1000;
    const dropped = partitionsBefore - (await monthPartitions(sql));
    const rate = (n: number, s: number) => `${Math.round(n / s).toLocaleString('en')} entries/s`;
    console.log(`## Sealing (${bench.label}, ${os.cpus().length} CPUs, ${entries.toLocaleString('en')} entries)\n`);
    console.log('| step | time | throughput |\n|---|---|---|');
    console.log(
      `| seal (${sealed.blocks} blocks of ≤ 4,096) | ${sealSeconds.toFixed(2)} s | ${rate(sealed.entries, sealSeconds)} |`,
    );
    for (const run of [single, parallel]) {
      const load = `load ${run.load[0].toFixed(1)} → ${run.load[1].toFixed(1)}`;
      const cpu = `${((run.nodeCpu * 1e6) / run.entries).toFixed(1)} µs Node CPU/entry`;
      console.log(
        `| ${run.label} (${load}, ${cpu}) | ${run.seconds.toFixed(2)} s | ${rate(run.entries, run.seconds)} |`,
      );
    }
    const prunedWhat = `${pruned.entries.toLocaleString('en')} entries, ${pruned.blocks} blocks, ${dropped} monthly partitions dropped`;
    const perMonth = dropped > 0 ? `, ${(pruneSeconds / dropped).toFixed(2)} s per month` : '';
    console.log(
      `| prune the months before ${pruned.before.slice(0, 7)} (${prunedWhat}) | ${pruneSeconds.toFixed(2)} s${perMonth} | ${rate(pruned.entries, pruneSeconds)} |`,
    );
    console.log(
      `\nPostgreSQL backend CPU of the one-thread verification: ${((singleDbCpu * 1e6) / single.entries).toFixed(1)} µs/entry.`,
    );
  } finally {
    await sql.close();
    await db.close();
    await bench.drop();
  }
}

await main();
