/**
 * Custom entries per second through the typed Node client over HTTP: an API key with audit:write, 50 calls in flight
 * at a time (the client batches calls made in the same tick into one request).
 */
import { createAuditClient } from '@auditlog/client';
import { createApiKey } from '@auditlog/auth';
import type { DatabaseOptions } from '@auditlog/db';
import { startServer } from '@auditlog/server';

export async function measureRecordThroughput(
  database: DatabaseOptions,
  total = 5_000,
  inFlight = 50,
): Promise<{ perSecond: number; total: number }> {
  // Throughput of the write path, not of the per-actor limit, which would stop this key after 120 calls a minute.
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    database,
    migrate: true,
    webRoot: null,
    recordPolicy: { limit: Number.MAX_SAFE_INTEGER },
  });
  try {
    const organization = await server.db.prisma.organization.create({
      data: { name: 'Throughput', slug: `throughput-${Date.now()}` },
    });
    const { key } = await createApiKey(server.db.prisma, organization.id, {
      name: 'Bench exporter',
      scopes: ['audit:write'],
    });
    const client = createAuditClient({ url: server.url, apiKey: key });
    const one = (i: number) =>
      client.audit.record.mutate({
        action: 'export',
        entityType: 'invoice',
        entityId: `inv-${i}`,
        metadata: { format: 'csv', rows: i % 500 },
      });
    await Promise.all(Array.from({ length: inFlight }, (_, i) => one(i))); // warm
    const started = performance.now();
    for (let sent = 0; sent < total; sent += inFlight) {
      await Promise.all(Array.from({ length: Math.min(inFlight, total - sent) }, (_, i) => one(sent + i)));
    }
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: total / seconds, total };
  } finally {
    await server.stop();
  }
}
