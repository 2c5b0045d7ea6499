/**
 * Export speed: `entries` entries loaded with set-based SQL (the list benchmark's mix), then exported as CSV and as
 * NDJSON over HTTP through `exportAuditLog` of the typed client with an API key, every byte read: rows per second
 * from the request to the last byte, and the process's peak memory while it streams (server and client share it).
 */
import os from 'node:os';
import { runAsSystem } from '@auditlog/audit';
import { createApiKey } from '@auditlog/auth';
import { exportAuditLog } from '@auditlog/client';
import type { DatabaseOptions } from '@auditlog/db';
import { startServer } from '@auditlog/server';
import { loadEntries } from './list-speed.ts';

export interface ExportResult {
  format: 'csv' | 'ndjson';
  rows: number;
  megabytes: number;
  seconds: number;
  rowsPerSecond: number;
  /** Highest resident set size seen while streaming, and what it was before, in MB. */
  peakRssMb: number;
  startRssMb: number;
  /** This process's CPU time (server and client) per row, in µs: the machine's load moves it less than the speed. */
  cpuMicrosPerRow: number;
  /** The 1-minute load average before and after. */
  load: [number, number];
}

const MB = 1024 * 1024;

async function exportOnce(url: string, apiKey: string, format: 'csv' | 'ndjson'): Promise<ExportResult> {
  const startRss = process.memoryUsage().rss;
  let peak = startRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const load = os.loadavg()[0] ?? 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const exported = await exportAuditLog({ url, apiKey }, { format });
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of exported.body) {
    bytes += chunk.byteLength;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
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
    load: [load, os.loadavg()[0] ?? 0],
  };
}

export async function measureExportSpeed(
  database: DatabaseOptions,
  entries: number,
  log: (line: string) => void,
): Promise<ExportResult[]> {
  const server = await startServer({ port: 0, host: '127.0.0.1', database, migrate: true, webRoot: null });
  try {
    const prisma = server.db.prisma;
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
      results.push(await exportOnce(server.url, key, format));
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
    return `| ${r.format} | ${r.rows.toLocaleString('en-US')} | ${r.megabytes.toFixed(0)} MB | ${r.seconds.toFixed(2)} s | **${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s** | ${verdict} | ${r.cpuMicrosPerRow.toFixed(1)} µs | ${r.startRssMb.toFixed(0)} → ${r.peakRssMb.toFixed(0)} MB | ${load} |`;
  });
  return [
    `### Export, ${label}`,
    '',
    `${entries.toLocaleString('en-US')} entries exported over HTTP with \`exportAuditLog\` (an API key, gzip as fetch asks for it, every byte read), the second run of each format. CPU: this process's (server and client) per row. Memory: the process's resident set before the export and its peak while streaming. Load: the 1-minute load average before and after (2 vCPUs).`,
    '',
    '| format | rows | size | time | speed | target | Node CPU/row | RSS | load |',
    '|---|---:|---:|---:|---:|---|---:|---:|---|',
    ...rows,
  ].join('\n');
}
