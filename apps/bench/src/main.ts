/**
 * pnpm bench — write overhead of capture on PostgreSQL (BENCH_DATABASE_URL, default the local server) and PGlite,
 * printed as a Markdown table. BENCH_RUNS sets the number of alternating runs (default 11).
 */
import os from 'node:os';
import { pgliteBench, postgresBench } from './databases.ts';
import type { BenchDatabase } from './databases.ts';
import { ms } from './stats.ts';
import { measureWriteOverhead } from './write-overhead.ts';
import type { WriteResult } from './write-overhead.ts';

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const runs = Number(process.env.BENCH_RUNS ?? 11);
const engines = (process.env.BENCH_ENGINES ?? 'postgres,pglite').split(',');
const log = (line: string) => process.stderr.write(`${line}\n`);

const WRITE_TARGETS: Record<string, number> = {
  'single create': 1.2,
  'single update': 1.2,
  'single delete': 1.2,
  'createMany 1,000 rows': 1.15,
  'updateMany 1,000 rows': 4,
  'deleteMany 1,000 rows': 4,
};

function writeTable(label: string, results: WriteResult[], targeted: boolean): string {
  const rows = results.map((r) => {
    const ratio = r.audited / r.plain;
    const target = WRITE_TARGETS[r.operation];
    const verdict = !targeted || target === undefined ? '' : ratio <= target ? `≤ ${target}× ✓` : `> ${target}× ✗ missed`;
    const plugin = r.auditedViaPlugin / r.plain;
    const floor = r.floor / r.plain;
    return `| ${r.operation} | ${ms(r.plain)} ms | ${ms(r.floor)} ms (${floor.toFixed(2)}×) | ${ms(r.audited)} ms | **${ratio.toFixed(2)}×** | ${verdict} | ${ms(r.auditedViaPlugin)} ms (${plugin.toFixed(2)}×) |`;
  });
  return [
    `### Write overhead, ${label}`,
    '',
    '| operation | plain Prisma | floor: constant row per change | audited | ratio | target | context via Prisma’s comments plugin |',
    '|---|---:|---:|---:|---:|---|---:|',
    ...rows,
  ].join('\n');
}

async function main() {
  console.log(`# Benchmarks\n\n${new Date().toISOString().slice(0, 10)} · ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length} · ${Math.round(os.totalmem() / 2 ** 30)} GB · Node ${process.version} · ${runs} alternating runs\n`);
  for (const engine of engines) {
    let bench: BenchDatabase | undefined;
    try {
      bench = engine === 'postgres' ? await postgresBench(serverUrl) : await pgliteBench();
      log(`${bench.label}: measuring write overhead…`);
      const results = await measureWriteOverhead(bench, runs, log);
      console.log(`${writeTable(bench.label, results, engine === 'postgres')}\n`);
    } finally {
      await bench?.drop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
