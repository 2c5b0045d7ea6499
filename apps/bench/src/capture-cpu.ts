/**
 * pnpm --filter @auditlog/bench bench:capture-cpu — the capture's cost in the database's own CPU time, which moves far
 * less with the machine's load than wall-clock time: each statement's share of its backend's on-CPU time
 * (`/proc/<pid>/schedstat`, so the server must run on this machine), plain / floor / audited, for every database
 * given, the databases and the sides taking turns. Used to compare two versions of the capture SQL side by side
 * (a database migrated on each), as BENCHMARKS.md does.
 *
 *   CAPTURE_CPU_DATABASES=postgres://…/a,postgres://…/b   migrated databases (their Ticket table gets bench rows)
 *   CAPTURE_CPU_ROUNDS=5                                  rounds; CAPTURE_CPU_SINGLES=300 single writes a round
 */
import { readFileSync } from 'node:fs';
import { encodeAuditContext } from '@auditlog/audit';
import pg from 'pg';
import { floorTriggersSql, switchTriggersSql } from './databases.ts';
import type { CaptureMode } from './databases.ts';
import { median } from './stats.ts';

const databases = (process.env.CAPTURE_CPU_DATABASES ?? '').split(',').filter(Boolean);
const rounds = Number(process.env.CAPTURE_CPU_ROUNDS ?? 5);
const singles = Number(process.env.CAPTURE_CPU_SINGLES ?? 300);
const BULK = 1_000;
const ORG = 'capture-cpu-org';
const USER = 'capture-cpu-user';
const COMMENT = `/*audit='${encodeAuditContext({
  actor: { type: 'user', userId: USER, name: 'Bench Admin', email: 'bench@example.test' },
  ipAddress: '203.0.113.10',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  requestId: 'c0ffee00-0000-4000-8000-000000000000',
})}'*/`;
const SIDES: { side: string; mode: CaptureMode }[] = [
  { side: 'plain', mode: 'off' },
  { side: 'floor', mode: 'floor' },
  { side: 'audited', mode: 'capture' },
];

/** Nanoseconds the process has run on a CPU. */
const onCpu = (pid: number) => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);

async function fixture(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(
    `INSERT INTO "Organization" (id, name, slug, "updatedAt") VALUES ($1, 'Bench', $1, now()) ON CONFLICT DO NOTHING`,
    [ORG],
  );
  await c.query(
    `INSERT INTO "User" (id, "organizationId", name, email, "passwordHash", role, "updatedAt")
     VALUES ($1, $2, 'Bench Admin', 'capture-cpu@example.test', 'x', 'ADMIN', now()) ON CONFLICT DO NOTHING`,
    [USER, ORG],
  );
  await c.query(floorTriggersSql('Ticket'));
  await c.end();
}

type Samples = Record<string, number[]>;
// Ticket numbers are int4: a start below 2^31 that differs between runs.
let serial = (Date.now() % 100_000) * 10_000;

/** One side on one database: single creates, updates and deletes, then one 1,000-row write of each kind. */
async function measureSide(url: string, label: string, mode: CaptureMode, samples: Samples): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(switchTriggersSql('Ticket', mode, true));
  const pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
  const tail = mode === 'capture' ? ` ${COMMENT}` : '';
  const run = async (sql: string, values: unknown[]) => (await c.query({ text: `${sql}${tail}`, values })).rowCount;
  const measure = async (operation: string, count: number, write: (i: number) => Promise<unknown>) => {
    const start = onCpu(pid);
    for (let i = 0; i < count; i++) await write(i);
    (samples[`${label} ${operation}`] ??= []).push((onCpu(pid) - start) / count / 1000);
  };
  const ids: string[] = [];
  const create = () => {
    const n = serial++;
    ids.push(`cpu${n}`);
    return run(
      `INSERT INTO "Ticket" (id, "organizationId", number, subject, status, priority, "createdAt", "updatedAt")
       VALUES ($1, $2, $3, $4, 'NEW', 'NORMAL', now(), now()) RETURNING *`,
      [`cpu${n}`, ORG, n, `Ticket ${n}`],
    );
  };
  for (let i = 0; i < 5; i++) await create(); // warm-up: plans and caches of this connection
  await measure('single create', singles, create);
  const update = (i: number) =>
    run(`UPDATE "Ticket" SET status = 'OPEN', subject = $1, "updatedAt" = now() WHERE id = $2 RETURNING *`, [
      `Updated ${i}`,
      ids[i % ids.length],
    ]);
  await measure('single update', singles, update);
  await measure('single delete', singles, () => run(`DELETE FROM "Ticket" WHERE id = $1 RETURNING *`, [ids.pop()]));
  const marker = `cpu-bulk-${serial}`;
  const base = serial;
  serial += BULK;
  const bulk = async (sql: string, values: unknown[]) => {
    const rows = await run(sql, values);
    if (rows !== BULK) throw new Error(`expected ${BULK} rows, got ${rows}`);
  };
  await measure('createMany', 1, () =>
    bulk(
      `INSERT INTO "Ticket" (id, "organizationId", number, subject, description, status, priority, "createdAt", "updatedAt")
       SELECT 'cpu' || ($1::int + g), $2, $1::int + g, $3 || ' ' || g, 'Created in bulk by the benchmark', 'NEW', 'NORMAL', now(), now()
       FROM generate_series(1, ${BULK}) g`,
      [base, ORG, marker],
    ),
  );
  const where = `"organizationId" = $1 AND subject LIKE $2`;
  await measure('updateMany', 1, () =>
    bulk(`UPDATE "Ticket" SET status = 'RESOLVED', priority = 'HIGH' WHERE ${where}`, [ORG, `${marker} %`]),
  );
  await measure('deleteMany', 1, () => bulk(`DELETE FROM "Ticket" WHERE ${where}`, [ORG, `${marker} %`]));
  await c.end();
}

async function main() {
  if (databases.length === 0) throw new Error('Set CAPTURE_CPU_DATABASES to one or more migrated databases.');
  for (const url of databases) await fixture(url);
  const samples: Samples = {};
  for (let round = 0; round < rounds; round++) {
    for (const [d, url] of databases.entries()) {
      // The order of the sides rotates, so that drift reaches them alike.
      for (let s = 0; s < SIDES.length; s++) {
        const { side, mode } = SIDES[(s + round) % SIDES.length] ?? { side: 'plain', mode: 'off' };
        await measureSide(url, `${d}|${side}`, mode, samples);
      }
    }
    process.stderr.write(`  capture-cpu: round ${round + 1}/${rounds}\n`);
  }
  const operations = ['single create', 'single update', 'single delete', 'createMany', 'updateMany', 'deleteMany'];
  console.log(`| database | operation | plain | floor | audited | audited − floor |\n|---|---|---:|---:|---:|---:|`);
  for (const [d, url] of databases.entries()) {
    for (const operation of operations) {
      const at = (side: string) => median(samples[`${d}|${side} ${operation}`] ?? []);
      const name = new URL(url).pathname.slice(1);
      console.log(
        `| ${name} | ${operation} | ${at('plain').toFixed(0)} µs | ${at('floor').toFixed(0)} µs | ${at('audited').toFixed(0)} µs | ${(at('audited') - at('floor')).toFixed(0)} µs |`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  // A client left open by the failed side would keep the process alive.
  process.exit(1);
});
