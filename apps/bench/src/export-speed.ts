/**
 * Export speed: `entries` entries loaded with set-based SQL (the list benchmark's mix), then exported as CSV and as
 * NDJSON over HTTP through `exportAuditLog` of the typed client with an API key, every byte read: rows per second
 * from the request to the last byte, each side's CPU time per row, and the server's peak memory while it streams. On
 * PostgreSQL the server runs in a child process (server-process.ts), as it would apart from its client.
 */
import os from 'node:os';
import { runAsSystem } from '@auditlog/audit';
import { createApiKey } from '@auditlog/auth';
import { exportAuditLog } from '@auditlog/client';
import type { DatabaseOptions } from '@auditlog/db';
import { loadEntries } from './list-speed.ts';
import { rssMegabytes, startBenchServer } from './server-process.ts';
import type { BenchServer } from './server-process.ts';

export interface ExportResult {
  format: 'csv' | 'ndjson';
  rows: number;
  megabytes: number;
  seconds: number;
  rowsPerSecond: number;
  /** The server's highest resident set size seen while streaming, and what it was before, in MB. */
  peakRssMb: number;
  startRssMb: number;
  /** This process's CPU time per row, in µs (the client's; on PGlite the server's too): the load moves it less. */
  cpuMicrosPerRow: number;
  /** The server process's CPU time per row, in µs, when it runs apart. */
  serverCpuMicrosPerRow: number | null;
  /** The 1-minute load average before and after. */
  load: [number, number];
}

const MB = 1024 * 1024;

/** The server's resident memory in bytes: its own process's when it runs apart, else this process's. */
const rssOf = async (server: BenchServer) =>
  server.pid === null ? process.memoryUsage().rss : (rssMegabytes(server.pid) ?? 0) * MB;

async function exportOnce(server: BenchServer, apiKey: string, format: 'csv' | 'ndjson'): Promise<ExportResult> {
  const startRss = await rssOf(server);
  let peak = startRss;
  const sampler = setInterval(() => {
    void rssOf(server).then((rss) => (peak = Math.max(peak, rss)));
  }, 20);
  const load = os.loadavg()[0] ?? 0;
  const cpu = process.cpuUsage();
  const serverCpu = await server.serverCpu?.();
  const started = performance.now();
  const exported = await exportAuditLog({ url: server.url, apiKey }, { format });
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of exported.body) {
    bytes += chunk.byteLength;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const serverUsed = serverCpu === undefined ? null : ((await server.serverCpu?.()) ?? serverCpu) - serverCpu;
  clearInterval(sampler);
  const rows = format === 'csv' ? newlines - 1 : newlines;
  if (rows !== exported.total) throw new Error(`${format}: ${rows} rows read, ${exported.total} announced`);
  return {
    format,
    rows,
    megabytes: bytes / MB,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMb: peak / MB,
    startRssMb: startRss / MB,
    cpuMicrosPerRow: (used.user + used.system) / rows,
    serverCpuMicrosPerRow: serverUsed === null ? null : serverUsed / rows,
    load: [load, os.loadavg()[0] ?? 0],
  };
}

export async function measureExportSpeed(
  database: DatabaseOptions,
  entries: number,
  log: (line: string) => void,
): Promise<ExportResult[]> {
  const server = await startBenchServer(database);
  try {
    const prisma = server.prisma;
    const organization = await runAsSystem({ name: 'Bench setup' }, () =>
      prisma.organization.create({ data: { name: 'Export bench', slug: `export-${Date.now()}` } }),
    );
    log(`loading ${entries.toLocaleString('en-US')} entries…`);
    const users = [{ id: 'bench-user', name: 'Bench User', email: 'bench@example.test' }];
    await loadEntries((text) => prisma.$executeRawUnsafe(text).then(() => undefined), organization.id, entries, users);
    // As the list benchmark does: without statistics the planner sorts every remaining row for each page.
    await prisma.$executeRawUnsafe('VACUUM ANALYZE "AuditLog"');
    const { key } = await runAsSystem({ name: 'Bench setup' }, () =>
      createApiKey(prisma, organization.id, { name: 'Bench export', scopes: ['audit:read'] }),
    );
    const results: ExportResult[] = [];
    for (const format of ['csv', 'ndjson', 'csv', 'ndjson'] as const) {
      log(`export ${format}…`);
      results.push(await exportOnce(server, key, format));
    }
    // The second run of each format: the first warms the caches and the JIT.
    return results.slice(2);
  } finally {
    await server.stop();
  }
}

export function exportTable(label: string, entries: number, results: ExportResult[], targeted: boolean): string {
  const TARGET = 100_000;
  const rows = results.map((r) => {
    const verdict = !targeted ? '' : r.rowsPerSecond >= TARGET ? '≥ 100,000/s ✓' : '< 100,000/s ✗ missed';
    const load = r.load.map((value) => value.toFixed(1)).join(' → ');
    return `| ${r.format} | ${r.rows.toLocaleString('en-US')} | ${r.megabytes.toFixed(0)} MB | ${r.seconds.toFixed(2)} s | **${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s** | ${verdict} | ${r.serverCpuMicrosPerRow === null ? `${r.cpuMicrosPerRow.toFixed(1)} µs (both)` : `${r.cpuMicrosPerRow.toFixed(1)} / ${r.serverCpuMicrosPerRow.toFixed(1)} µs`} | ${r.startRssMb.toFixed(0)} → ${r.peakRssMb.toFixed(0)} MB | ${load} |`;
  });
  return [
    `### Export, ${label}`,
    '',
    `${entries.toLocaleString('en-US')} entries exported over HTTP with \`exportAuditLog\` (an API key, gzip as fetch asks for it, every byte read), the second run of each format; on PostgreSQL the server runs in a child process (apps/server/src/main.ts). CPU per row: client / server (one figure when they share a process). RSS: the server's resident set before the export and its peak while streaming. Load: the 1-minute load average before and after (2 vCPUs).`,
    '',
    '| format | rows | size | time | speed | target | Node CPU/row | server RSS | load |',
    '|---|---:|---:|---:|---:|---|---:|---:|---|',
    ...rows,
  ].join('\n');
}
