/**
 * Custom entries per second through the typed Node client over HTTP, with an API key with audit:write:
 * - `audit.record`: 50 calls in flight at a time (the client batches calls made in the same tick into one request
 *   of up to 10, which the server folds into one statement);
 * - `audit.recordMany`: calls of 500 entries, a few in flight.
 */
import { runAsSystem } from '@auditlog/audit';
import { createApiKey } from '@auditlog/auth';
import { createAuditClient } from '@auditlog/client';
import type { DatabaseOptions } from '@auditlog/db';
import { startServer } from '@auditlog/server';

export interface RecordThroughput {
  /** `cpuMicros`: this process's CPU time (client and server together) per entry, which the machine's load moves less. */
  single: { perSecond: number; total: number; inFlight: number; cpuMicros: number };
  many: { perSecond: number; total: number; perCall: number; inFlight: number; cpuMicros: number };
}

export async function measureRecordThroughput(
  database: DatabaseOptions,
  options: { single?: number; inFlight?: number; many?: number; perCall?: number; manyInFlight?: number } = {},
): Promise<RecordThroughput> {
  const { single = 5_000, inFlight = 50, many = 50_000, perCall = 500, manyInFlight = 4 } = options;
  // Throughput of the write path, not of the per-actor limit, which would stop this key after 120 entries a minute.
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    database,
    migrate: true,
    webRoot: null,
    recordPolicy: { limit: Number.MAX_SAFE_INTEGER },
  });
  try {
    // The server runs in strict mode: the bench's own writes happen as System.
    const { key } = await runAsSystem({ name: 'bench' }, async () => {
      const organization = await server.db.prisma.organization.create({
        data: { name: 'Throughput', slug: `throughput-${Date.now()}` },
      });
      return createApiKey(server.db.prisma, organization.id, { name: 'Bench exporter', scopes: ['audit:write'] });
    });
    const client = createAuditClient({ url: server.url, apiKey: key });
    const entry = (i: number) => ({
      action: 'export',
      entityType: 'invoice',
      entityId: `inv-${i}`,
      metadata: { format: 'csv', rows: i % 500 },
    });
    const one = (i: number) => client.audit.record.mutate(entry(i));
    const batch = (start: number) =>
      client.audit.recordMany.mutate({ entries: Array.from({ length: perCall }, (_, i) => entry(start + i)) });
    await Promise.all(Array.from({ length: inFlight }, (_, i) => one(i))); // warm
    await batch(0);
    const ones = await timed(single, inFlight, one);
    const batches = await timed(many / perCall, manyInFlight, (i) => batch(i * perCall));
    return {
      single: { perSecond: single / ones.seconds, total: single, inFlight, cpuMicros: ones.cpuMicros / single },
      many: {
        perSecond: many / batches.seconds,
        total: many,
        perCall,
        inFlight: manyInFlight,
        cpuMicros: batches.cpuMicros / many,
      },
    };
  } finally {
    await server.stop();
  }
}

/** Seconds (and this process's CPU µs) to make `total` calls, `inFlight` at a time. */
async function timed(
  total: number,
  inFlight: number,
  call: (i: number) => Promise<unknown>,
): Promise<{ seconds: number; cpuMicros: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) await call(next++);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { seconds: (performance.now() - started) / 1000, cpuMicros: used.user + used.system };
}
