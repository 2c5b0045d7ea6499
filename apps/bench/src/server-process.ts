/**
 * The real server (`apps/server/src/main.ts`) in a child process, on loopback, for the benchmarks that measure it
 * over HTTP: the client then has a core of its own, as it would on another machine. Its CPU time and memory are read
 * from /proc.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Stops the server and waits for it to exit. */
export async function stopServerProcess(server: ServerProcess): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}
