/**
 * Custom entries per second through the typed Node client over HTTP, with an API key with audit:write:
 * - `audit.record`: 50 calls in flight at a time (the client batches calls made in the same tick into requests of up
 *   to MAX_RECORD_BATCH_SIZE, which the server folds into one statement each);
 * - `audit.recordMany`: calls of 500 entries, a few in flight.
 * On PostgreSQL the server is the real one in a child process (server-process.ts), so that the client and the
 * server each have a core, as they would on two machines; on PGlite (one process owns the database) both share this
 * process. The CPU time of each side is reported per entry: the machine's load moves it less than the rates.
 */
import { runAsSystem } from '@auditlog/audit';
import { createApiKey } from '@auditlog/auth';
import { createAuditClient } from '@auditlog/client';
import type { DatabaseOptions } from '@auditlog/db';
import { startBenchServer } from './server-process.ts';

interface Rate {
  perSecond: number;
  /** This process's CPU time per entry, in µs (the client's; on PGlite the server's too). */
  cpuMicros: number;
  /** The server process's CPU time per entry, in µs, when it runs apart; null when it shares this process. */
  serverCpuMicros: number | null;
}

export interface RecordThroughput {
  /** Whether the server ran in a process of its own. */
  separateServer: boolean;
  single: Rate & { total: number; inFlight: number };
  many: Rate & { total: number; perCall: number; inFlight: number };
}

export async function measureRecordThroughput(
  database: DatabaseOptions,
  options: { single?: number; inFlight?: number; many?: number; perCall?: number; manyInFlight?: number } = {},
): Promise<RecordThroughput> {
  const { single = 5_000, inFlight = 50, many = 50_000, perCall = 500, manyInFlight = 4 } = options;
  const target = await startBenchServer(database);
  try {
    // The server runs in strict mode: the bench's own writes happen as System.
    const { key } = await runAsSystem({ name: 'bench' }, async () => {
      const organization = await target.prisma.organization.create({
        data: { name: 'Throughput', slug: `throughput-${Date.now()}` },
      });
      return createApiKey(target.prisma, organization.id, { name: 'Bench exporter', scopes: ['audit:write'] });
    });
    const client = createAuditClient({ url: target.url, apiKey: key });
    const entry = (i: number) => ({
      action: 'export',
      entityType: 'invoice',
      entityId: `inv-${i}`,
      metadata: { format: 'csv', rows: i % 500 },
    });
    const one = (i: number) => client.audit.record.mutate(entry(i));
    const batch = (start: number) =>
      client.audit.recordMany.mutate({ entries: Array.from({ length: perCall }, (_, i) => entry(start + i)) });
    // Warm both sides (the JIT, the pools, the statements' plans) before measuring.
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: inFlight }, (_, i) => one(i)));
    await batch(0);
    const ones = await timed(single, inFlight, one, target.serverCpu);
    const batches = await timed(many / perCall, manyInFlight, (i) => batch(i * perCall), target.serverCpu);
    const rate = (measured: Timed, entries: number): Rate => ({
      perSecond: entries / measured.seconds,
      cpuMicros: measured.cpuMicros / entries,
      serverCpuMicros: measured.serverCpuMicros === null ? null : measured.serverCpuMicros / entries,
    });
    return {
      separateServer: target.serverCpu !== null,
      single: { ...rate(ones, single), total: single, inFlight },
      many: { ...rate(batches, many), total: many, perCall, inFlight: manyInFlight },
    };
  } finally {
    await target.stop();
  }
}

interface Timed {
  seconds: number;
  cpuMicros: number;
  serverCpuMicros: number | null;
}

/** Seconds (and this process's and the server's CPU µs) to make `total` calls, `inFlight` at a time. */
async function timed(
  total: number,
  inFlight: number,
  call: (i: number) => Promise<unknown>,
  serverCpu: (() => Promise<number>) | null,
): Promise<Timed> {
  const serverBefore = await serverCpu?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await call(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  const serverAfter = await serverCpu?.();
  return {
    seconds,
    cpuMicros: used.user + used.system,
    serverCpuMicros: serverBefore === undefined || serverAfter === undefined ? null : serverAfter - serverBefore,
  };
}
