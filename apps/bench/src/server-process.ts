/**
 * The real server (`apps/server/src/main.ts`) in a child process, on loopback, for the benchmarks that measure it
 * over HTTP: the client then has a core of its own, as it would on another machine. Its CPU time and memory are read
 * from /proc.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@auditlog/db';
import type { AuditedPrismaClient, DatabaseOptions } from '@auditlog/db';
import { startServer } from '@auditlog/server';

export interface ServerProcess {
  child: ChildProcess;
  base: string;
  /** The last 4,000 characters it wrote. */
  output: () => string;
}

const SERVER_MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../server/src/main.ts');

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no free port on 127.0.0.1');
  return address.port;
}

/**
 * Starts `apps/server` (`src/main.ts`, as `pnpm start` does) on `url` and waits for /healthz; `env` adds to or
 * overrides its settings (the record limit is lifted: the benchmarks measure throughput, not the limit).
 */
export async function startServerProcess(url: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_MAIN], {
    cwd: path.dirname(SERVER_MAIN),
    env: {
      ...process.env,
      DATABASE_URL: url,
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'test',
      SEED_DEMO: '0',
      RECORD_RATE_LIMIT: '1000000',
      AUDIT_SEAL_INTERVAL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  for (let waited = 0; waited < 120_000; waited += 250) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${output}`);
    const up = await fetch(`${base}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { child, base, output: () => output };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  child.kill('SIGKILL');
  throw new Error(`the server did not answer /healthz within 2 minutes: ${output}`);
}

/** The CPU time (user and system) `pid` has used, in µs: /proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms. */
export async function cpuMicrosOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** The resident memory of `pid` in MB (VmRSS), or null once it is gone. */
export function rssMegabytes(pid: number): number | null {
  // Synchronous on purpose (a read of /proc takes microseconds): an asynchronous read waits for libuv's thread pool,
  // and under load its result came after the run had ended, so a five-second run once kept no sample at all.
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : null;
}

/** Stops the server and waits for it to exit. */
export async function stopServerProcess(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

export interface BenchServer {
  url: string;
  prisma: AuditedPrismaClient;
  /** The server's process id when it runs apart, else null (it shares this process). */
  pid: number | null;
  /** The server's CPU time so far in µs, when it is another process. */
  serverCpu: (() => Promise<number>) | null;
  stop(): Promise<void>;
}

/** The server under test: a child process on a PostgreSQL URL, else in this process (PGlite). */
export async function startBenchServer(database: DatabaseOptions): Promise<BenchServer> {
  if (database.url) {
    const server = await startServerProcess(database.url);
    const db = await openDatabase({ url: database.url, strict: true, poolSize: 2 });
    const pid = server.child.pid ?? 0;
    return {
      url: server.base,
      prisma: db.prisma,
      pid,
      serverCpu: () => cpuMicrosOf(pid),
      stop: async () => {
        await db.close();
        await stopServerProcess(server);
      },
    };
  }
  // Throughput of the write path, not of the per-actor limit, which would stop this key after 120 entries a minute.
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    database,
    migrate: true,
    webRoot: null,
    recordPolicy: { limit: Number.MAX_SAFE_INTEGER },
  });
  return { url: server.url, prisma: server.db.prisma, pid: null, serverCpu: null, stop: () => server.stop() };
}
