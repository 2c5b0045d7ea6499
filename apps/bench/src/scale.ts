/**
 * The scale bench (`BENCH_PARTS=scale`, PostgreSQL only): one organization's log grown step by step — 10k, 100k, 1M,
 * 10M entries (up to `BENCH_SCALE`), a tenth as many again spread over nine other organizations — and at each size
 * the write overhead, `audit.list` with its exact total in every filter case, and the memory of the process serving
 * the list (this Node process runs the router, its Prisma client and pool) and of its PostgreSQL backends.
 *
 * Loading ten million takes minutes: `BENCH_SCALE_DB=<name>` grows (or reuses) that database instead of a fresh one
 * and `BENCH_SCALE_KEEP=1` keeps it afterwards, so the queries can be measured again without loading again.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Database } from '@auditlog/db';
import type { BenchDatabase } from './databases.ts';
import { callerFor } from './list-speed.ts';
import { measureScaleCase, scaleCases } from './scale-cases.ts';
import type { ScaleCaseResult } from './scale-cases.ts';
import { loadScale } from './scale-load.ts';
import type { LoadTarget } from './scale-load.ts';
import { measureWriteOverhead } from './write-overhead.ts';
import type { WriteResult } from './write-overhead.ts';

const OTHERS = 9;
const STEPS = [10_000, 100_000, 1_000_000, 10_000_000];

/** `10m`, `1m`, `100k`, `250000` → a number of entries. */
export function parseScale(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([km]?)$/i.exec(text.trim());
  if (!match) throw new Error(`BENCH_SCALE must look like 10m, 100k or 250000, not "${text}"`);
  const unit = match[2]?.toLowerCase();
  return Math.round(Number(match[1]) * (unit === 'm' ? 1_000_000 : unit === 'k' ? 1_000 : 1));
}

/** The growth steps up to `max`: the standard ones below it, then `max` itself. */
export const growthSteps = (max: number) => [...STEPS.filter((step) => step < max), max];

export interface ScaleStep {
  entries: number;
  others: number;
  loadSeconds: number;
  vacuumSeconds: number;
  firstCountMs: number;
  list: ScaleCaseResult[];
  writes: WriteResult[];
  memory: { nodeRssMb: number; nodeHeapMb: number; postgresAnonMb: number };
  loadAverage: number[];
}

interface Fixture {
  targets: { id: string; tag: string }[];
  admin: { id: string; name: string; email: string; role: 'ADMIN' };
}

/** The ten organizations (slug `bench-scale-<i>`, the first measured) and its admin, found again on reuse. */
async function fixture(prisma: Database['prisma']): Promise<Fixture> {
  const targets = [];
  for (let i = 0; i <= OTHERS; i++) {
    const slug = `bench-scale-${i}`;
    const org =
      (await prisma.organization.findUnique({ where: { slug } })) ??
      (await prisma.organization.create({ data: { name: `Scale ${i}`, slug } }));
    targets.push({ id: org.id, tag: `o${i}` });
  }
  const email = 'scale-admin@bench.example';
  const organizationId = targets[0]?.id ?? '';
  const admin =
    (await prisma.user.findUnique({ where: { email } })) ??
    (await prisma.user.create({
      data: { organizationId, name: 'Scale Admin', email, passwordHash: 'x', role: 'ADMIN' },
    }));
  return { targets, admin: { id: admin.id, name: admin.name, email: admin.email, role: 'ADMIN' } };
}

/** Entries per organization now (a few seconds at ten million: read once per run). */
async function sizes(prisma: Database['prisma']): Promise<Map<string, number>> {
  const rows = await prisma.$queryRaw<{ organizationId: string; n: bigint }[]>`
    SELECT "organizationId", count(*) AS n FROM "AuditLog" GROUP BY 1`;
  return new Map(rows.map((row) => [row.organizationId, Number(row.n)]));
}

/** Private memory (RssAnon) of this database's PostgreSQL backends, in MB; 0 where /proc is not readable. */
async function postgresAnonMb(prisma: Database['prisma']): Promise<number> {
  const pids = await prisma.$queryRaw<{ pid: number }[]>`
    SELECT pid FROM pg_stat_activity WHERE datname = current_database()`;
  let kb = 0;
  for (const { pid } of pids) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kb += Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

/** Samples this process's memory every 100 ms while `fn` runs; the peaks. */
async function peakMemory<T>(fn: () => Promise<T>): Promise<{ value: T; rssMb: number; heapMb: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    heap = Math.max(heap, usage.heapUsed);
  };
  const timer = setInterval(sample, 100);
  try {
    const value = await fn();
    sample();
    return { value, rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

/** Grows the organizations to `entries` (and `entries / 10` over the others); the seconds it took, 0 if nothing. */
async function grow(bench: BenchDatabase, db: Database, fx: Fixture, entries: number): Promise<number> {
  const now = await sizes(db.prisma);
  const perOther = Math.floor(entries / 10 / OTHERS);
  const targets: LoadTarget[] = fx.targets.map((t, i) => ({
    organizationId: t.id,
    tag: t.tag,
    from: now.get(t.id) ?? 0,
    to: i === 0 ? entries : perOther,
  }));
  if (targets.every((t) => t.from >= t.to)) return 0;
  const seconds = await loadScale(bench.sql, targets, new Date(), `to ${entries.toLocaleString('en-US')}`);
  // The new entries fall on days already counted (decision 007 counts a day once): count them again from scratch,
  // in every count table, as if the log had been loaded before it was first read.
  await bench.sql(
    [
      'AuditLogDailyCount',
      'AuditLogActorDailyCount',
      'AuditLogIpDailyCount',
      'AuditLogRequestDailyCount',
      'AuditLogRollup',
    ]
      .map((table) => `DELETE FROM "${table}"`)
      .join('; '),
  );
  return seconds;
}

/** One size: grow, vacuum, count the final days once, run every list case, then the write overhead. */
async function measureStep(
  bench: BenchDatabase,
  db: Database,
  fx: Fixture,
  entries: number,
  options: { samples: number; writeRuns: number },
  log: (line: string) => void,
): Promise<ScaleStep> {
  const loadSeconds = await grow(bench, db, fx, entries);
  const vacuumStarted = performance.now();
  if (loadSeconds > 0) await bench.sql('VACUUM (ANALYZE) "AuditLog"');
  const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
  const target = fx.targets[0];
  if (!target) throw new Error('no organization');
  const caller = await callerFor(db.prisma, fx.admin, target.id);
  const firstStarted = performance.now();
  await caller.audit.list({});
  const firstCountMs = performance.now() - firstStarted;
  const [request] = await db.prisma.$queryRaw<{ requestId: string }[]>`
    SELECT "requestId" FROM "AuditLog" WHERE "organizationId" = ${target.id} AND "requestId" IS NOT NULL
    ORDER BY "createdAt" DESC, id DESC LIMIT 1 OFFSET 5000`;
  const measured = await peakMemory(async () => {
    const results: ScaleCaseResult[] = [];
    for (const c of await scaleCases(caller, target.tag, request?.requestId ?? 'none')) {
      const result = await measureScaleCase(caller, c, options.samples);
      results.push(result);
      log(`  ${entries.toLocaleString('en-US')} · ${c.name}: ${result.missing ?? `p95 ${result.p95.toFixed(1)} ms`}`);
    }
    return { results, postgres: await postgresAnonMb(db.prisma) };
  });
  const writes = options.writeRuns > 0 ? await measureWriteOverhead(bench, options.writeRuns, log) : [];
  return {
    entries,
    others: Math.floor(entries / 10 / OTHERS) * OTHERS,
    loadSeconds,
    vacuumSeconds,
    firstCountMs,
    list: measured.value.results,
    writes,
    memory: { nodeRssMb: measured.rssMb, nodeHeapMb: measured.heapMb, postgresAnonMb: measured.value.postgres },
    loadAverage: os.loadavg(),
  };
}

export async function measureScale(
  bench: BenchDatabase,
  options: { max: number; samples: number; writeRuns: number },
  log: (line: string) => void,
  report: (step: ScaleStep) => void,
): Promise<void> {
  const db = await bench.open();
  try {
    const fx = await fixture(db.prisma);
    const loaded = (await sizes(db.prisma)).get(fx.targets[0]?.id ?? '') ?? 0;
    for (const entries of growthSteps(options.max)) {
      // (A few more than loaded is the same size: the bench's own audited writes add entries.)
      if (loaded > entries * 1.01)
        log(`  ${entries.toLocaleString('en-US')}: skipped, the database holds ${loaded.toLocaleString('en-US')}`);
      else report(await measureStep(bench, db, fx, entries, options, log));
    }
  } finally {
    await db.close();
  }
}
