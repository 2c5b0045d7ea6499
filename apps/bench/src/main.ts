/**
 * pnpm bench — write overhead of capture, list speed at a million entries, and record throughput, on PostgreSQL
 * (BENCH_DATABASE_URL, default the local server) and on embedded PGlite, printed as Markdown.
 *
 *   BENCH_ENGINES=postgres,pglite   which engines
 *   BENCH_PARTS=write,list,record   which measurements (record: audit.record and audit.recordMany over HTTP) (also: redaction, the SQL redaction's cost per value)
 *   BENCH_RUNS=11                   alternating runs for the write overhead
 *   BENCH_LIST_ENTRIES=1000000      entries in the measured organization (the nine others get a tenth each)
 *   BENCH_EXPORT_ENTRIES=1000000    entries the export part (BENCH_PARTS=export) streams as CSV and NDJSON
 *   BENCH_PARTS=scale               the growth bench (PostgreSQL only, not in the default parts): 10k, 100k, 1M, 10M
 *   BENCH_SCALE=10m                 its largest size (steps 10k, 100k, 1M, 10M up to it)
 *   BENCH_SCALE_DB=name             grow or reuse that database instead of a fresh one; BENCH_SCALE_KEEP=1 keeps it
 *   BENCH_SCALE_WRITE_RUNS=3        write-overhead runs at each size (0: none)
 */
import os from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import { pgliteBench, postgresBench } from './databases.ts';
import type { BenchDatabase } from './databases.ts';
import { exportTable, measureExportSpeed } from './export-speed.ts';
import { measureListSpeed } from './list-speed.ts';
import type { ListResult } from './list-speed.ts';
import { measureRecordThroughput } from './record-throughput.ts';
import type { RecordThroughput } from './record-throughput.ts';
import { measureRedactionCost, redactionCostTable } from './redaction-cost.ts';
import { ms } from './stats.ts';
import { measureScale, parseScale } from './scale.ts';
import type { ScaleStep } from './scale.ts';
import { growthTable, scaleListTable } from './scale-report.ts';
import { measureWriteOverhead } from './write-overhead.ts';
import type { WriteResult } from './write-overhead.ts';

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const runs = Number(process.env.BENCH_RUNS ?? 11);
const engines = (process.env.BENCH_ENGINES ?? 'postgres,pglite').split(',');
const parts = new Set((process.env.BENCH_PARTS ?? 'write,list,record').split(','));
const listEntries = Number(process.env.BENCH_LIST_ENTRIES ?? 1_000_000);
const exportEntries = Number(process.env.BENCH_EXPORT_ENTRIES ?? 1_000_000);
const log = (line: string) => process.stderr.write(`${line}\n`);

const WRITE_TARGETS: Record<string, number> = {
  'single create': 1.2,
  'single update': 1.2,
  'single delete': 1.2,
  'createMany 1,000 rows': 1.15,
  'updateMany 1,000 rows': 4,
  'deleteMany 1,000 rows': 4,
};
const LIST_TARGET_MS = 50;

function writeTable(label: string, results: WriteResult[], targeted: boolean): string {
  const rows = results.map((r) => {
    const ratio = r.audited / r.plain;
    const target = WRITE_TARGETS[r.operation];
    const verdict =
      !targeted || target === undefined ? '' : ratio <= target ? `≤ ${target}× ✓` : `> ${target}× ✗ missed`;
    const plugin = r.auditedViaPlugin / r.plain;
    const floor = r.floor / r.plain;
    return `| ${r.operation} | ${ms(r.plain)} ms | ${ms(r.floor)} ms (${floor.toFixed(2)}×) | ${ms(r.audited)} ms | **${ratio.toFixed(2)}×** | ${verdict} | ${ms(r.auditedViaPlugin)} ms (${plugin.toFixed(2)}×) |`;
  });
  return [
    `### Write overhead, ${label}`,
    '',
    'Medians over alternating runs (single writes: median of 200 per run). Plain: the same tables with the capture triggers disabled and no context. Floor: a trigger that only inserts a constant row per changed row.',
    '',
    '| operation | plain Prisma | floor | audited | ratio | target | context via Prisma’s comments plugin |',
    '|---|---:|---:|---:|---:|---|---:|',
    ...rows,
  ].join('\n');
}

function listTable(
  label: string,
  entries: number,
  result: { results: ListResult[]; loadSeconds: number; firstCountMs: number },
  targeted: boolean,
): string {
  const rows = result.results.map((r) => {
    const verdict = !targeted
      ? ''
      : r.p95 <= LIST_TARGET_MS
        ? `≤ ${LIST_TARGET_MS} ms ✓`
        : `> ${LIST_TARGET_MS} ms ✗ missed`;
    return `| ${r.case} | ${r.total.toLocaleString('en-US')} | ${ms(r.p50)} ms | ${ms(r.p95)} ms | ${verdict} |`;
  });
  return [
    `### audit.list with its exact total, ${label}`,
    '',
    `${entries.toLocaleString('en-US')} entries in the measured organization, ${(entries / 10).toLocaleString('en-US')} in each of nine others; loaded with set-based SQL in ${result.loadSeconds.toFixed(0)} s. The first total after the load counted the final days once: ${ms(result.firstCountMs)} ms. Load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')}.`,
    '',
    '| case | total | p50 | p95 | target |',
    '|---|---:|---:|---:|---|',
    ...rows,
  ].join('\n');
}

/** The record throughput as Markdown, with the targets on PostgreSQL (issue 12: ≥ 2,000 and ≥ 5,000 entries/s). */
function recordTable(label: string, targeted: boolean, { separateServer, single, many }: RecordThroughput): string {
  const rate = (perSecond: number) => Math.round(perSecond).toLocaleString('en-US');
  const verdict = (perSecond: number, target: number) =>
    !targeted ? '' : ` (target ≥ ${target.toLocaleString('en-US')} ${perSecond >= target ? '✓' : '✗ missed'})`;
  const cpu = ({ cpuMicros, serverCpuMicros }: RecordThroughput['single']) =>
    serverCpuMicros === null
      ? `${cpuMicros.toFixed(0)} µs CPU per entry`
      : `CPU per entry: client ${cpuMicros.toFixed(0)} µs, server ${serverCpuMicros.toFixed(0)} µs`;
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const where = separateServer
    ? 'the server in a child process (apps/server/src/main.ts)'
    : 'client and server in one process';
  return [
    `### Record throughput, ${label}`,
    '',
    `Through \`createAuditClient\` over HTTP with one API key, ${where}; load average ${load}.`,
    '',
    `- \`audit.record\`: ${single.total.toLocaleString('en-US')} calls, ${single.inFlight} in flight (batched by the client, folded by the server): **${rate(single.perSecond)} entries/s**${verdict(single.perSecond, 2_000)}, ${cpu(single)}`,
    `- \`audit.recordMany\`: ${many.total.toLocaleString('en-US')} entries in calls of ${many.perCall}, ${many.inFlight} in flight: **${rate(many.perSecond)} entries/s**${verdict(many.perSecond, 5_000)}, ${cpu(many)}`,
    '',
  ].join('\n');
}

/** The growth bench on PostgreSQL: a list table per size as it is measured, then the growth table. */
async function scalePart() {
  const bench = await postgresBench(serverUrl, {
    name: process.env.BENCH_SCALE_DB,
    keep: process.env.BENCH_SCALE_KEEP === '1',
  });
  try {
    log(`${bench.label}: scale…`);
    const steps: ScaleStep[] = [];
    await measureScale(
      bench,
      {
        max: parseScale(process.env.BENCH_SCALE ?? '10m'),
        samples: Number(process.env.BENCH_SCALE_SAMPLES ?? 30),
        writeRuns: Number(process.env.BENCH_SCALE_WRITE_RUNS ?? 3),
      },
      log,
      (step) => {
        steps.push(step);
        console.log(`${scaleListTable(bench.label, step)}\n`);
      },
    );
    console.log(`${growthTable(bench.label, steps)}\n`);
  } finally {
    await bench.drop();
  }
}

async function main() {
  const cpus = os.cpus();
  console.log(
    `# Benchmarks\n\n${new Date().toISOString().slice(0, 10)} · ${cpus[0]?.model ?? 'cpu'} × ${cpus.length} · ${Math.round(os.totalmem() / 2 ** 30)} GB RAM · Node ${process.version}\n`,
  );
  if (parts.has('scale')) await scalePart();
  for (const engine of engines) {
    const open = () => (engine === 'postgres' ? postgresBench(serverUrl) : pgliteBench());
    const targeted = engine === 'postgres';
    if (parts.has('write')) {
      let bench: BenchDatabase | undefined;
      try {
        bench = await open();
        log(`${bench.label}: write overhead…`);
        console.log(`${writeTable(bench.label, await measureWriteOverhead(bench, runs, log), targeted)}\n`);
      } finally {
        await bench?.drop();
      }
    }
    if (parts.has('list')) {
      let bench: BenchDatabase | undefined;
      try {
        bench = await open();
        log(`${bench.label}: list speed…`);
        const db = await bench.open();
        try {
          const result = await measureListSpeed(
            db,
            bench.sql,
            { entries: listEntries, others: listEntries / 10, samples: 40 },
            log,
          );
          console.log(`${listTable(bench.label, listEntries, result, targeted)}\n`);
        } finally {
          await db.close();
        }
      } finally {
        await bench?.drop();
      }
    }
    if (parts.has('redaction')) {
      let bench: BenchDatabase | undefined;
      try {
        bench = await open();
        log(`${bench.label}: redaction cost…`);
        console.log(`${redactionCostTable(bench.label, await measureRedactionCost(bench, runs, log))}\n`);
      } finally {
        await bench?.drop();
      }
    }
    if (parts.has('export')) {
      let bench: BenchDatabase | undefined;
      try {
        bench = engine === 'postgres' ? await postgresBench(serverUrl) : undefined;
        const database =
          bench?.engine === 'postgres' && bench.url ? { url: bench.url } : { pglite: await PGlite.create() };
        log(`${engine}: export speed…`);
        const results = await measureExportSpeed(database, exportEntries, log);
        console.log(`${exportTable(bench?.label ?? 'PGlite', exportEntries, results, targeted)}\n`);
      } finally {
        await bench?.drop();
      }
    }
    if (parts.has('record')) {
      let bench: BenchDatabase | undefined;
      try {
        bench = engine === 'postgres' ? await postgresBench(serverUrl) : undefined;
        const database =
          bench?.engine === 'postgres' && bench.url ? { url: bench.url } : { pglite: await PGlite.create() };
        log(`${engine}: record throughput…`);
        console.log(
          recordTable(bench?.label ?? 'PGlite', engine === 'postgres', await measureRecordThroughput(database)),
        );
      } finally {
        await bench?.drop();
      }
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
