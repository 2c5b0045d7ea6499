/**
 * pnpm bench:load — the bounded load test (load.ts), printed as Markdown; exits 1 on any error, lost, duplicated or
 * unexpected entry. Loopback only.
 *
 *   BENCH_LOAD_SECONDS=60        how long the clients call
 *   BENCH_LOAD_CLIENTS=50        concurrent clients
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   the PostgreSQL server (a fresh database is made)
 */
import os from 'node:os';
import { loadReport, runLoad } from './load.ts';

const result = await runLoad({
  serverUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  seconds: Number(process.env.BENCH_LOAD_SECONDS ?? 60),
  clients: Number(process.env.BENCH_LOAD_CLIENTS ?? 50),
  log: (line) => process.stderr.write(`${line}\n`),
});
const load = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ');
console.log(loadReport(result, `${new Date().toISOString()} · load average ${load} · ${os.cpus().length} CPUs`));
const failed = Object.values(result.calls).reduce((sum, call) => sum + call.errors, 0) + result.errors.length;
if (failed || result.lost || result.duplicated || result.unexpected) process.exitCode = 1;
