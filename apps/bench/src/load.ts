/**
 * The bounded load test (`pnpm bench:load`): the real server in a child process on a fresh PostgreSQL database, on
 * loopback only, and `clients` concurrent clients for `seconds`, each with its own API key and typed client, mixing
 * audited business writes, `audit.record`, `audit.recordMany` and `audit.list`. The API has no business-write
 * procedure, so business writes are the bench's own audited Prisma writes (create, update, delete of a vendor) to the
 * same database, each inside an actor context with a request id of its own. Afterwards every committed change and
 * every recorded entry is matched to the audit rows: exactly one each, nothing extra. The server's RSS is sampled
 * every second from /proc.
 */
import { randomUUID } from 'node:crypto';
import { runAsSystem, withAuditContext } from '@auditlog/audit';
import { createApiKey } from '@auditlog/auth';
import { createAuditClient } from '@auditlog/client';
import type { AuditClient } from '@auditlog/client';
import { openDatabase } from '@auditlog/db';
import type { AuditedPrismaClient } from '@auditlog/db';
import pg from 'pg';
import { rssMegabytes, startServerProcess, stopServerProcess } from './server-process.ts';
import type { ServerProcess } from './server-process.ts';
import { percentile } from './stats.ts';

export type LoadOperation = 'business write' | 'record' | 'recordMany' | 'list';

export interface LoadOptions {
  /** A PostgreSQL server URL; the test makes and drops its own database there. */
  serverUrl: string;
  seconds: number;
  clients: number;
  /** Entries per recordMany call (default 50). */
  batch?: number;
  log?: (line: string) => void;
}

export interface LoadResult {
  seconds: number;
  clients: number;
  calls: Record<LoadOperation, { count: number; errors: number; p50: number; p95: number; p99: number }>;
  errors: string[];
  /** What should be in the log, and what the audit rows say. */
  expected: number;
  found: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** The server's resident memory in MB, one sample a second. */
  rss: { samples: number[]; first: number; last: number; max: number; slopePerMinute: number };
}

const OPERATIONS: LoadOperation[] = ['business write', 'record', 'recordMany', 'list'];

/** Least-squares slope of evenly spaced samples (one a second), per minute. */
function slopePerMinute(samples: number[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = samples.reduce((sum, y) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  samples.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return (num / den) * 60;
}

/** What the clients committed, to be found in the log afterwards. */
interface Ledger {
  /** Request ids of business writes, each of which changed exactly one row. */
  writes: string[];
  /** Entity ids of recorded entries (record and recordMany), each recorded once. */
  recorded: string[];
}

interface Client {
  id: number;
  api: AuditClient;
  vendors: string[];
  next: number;
}

/** One audited business write (create, update or delete of one vendor) as the client's System actor. */
async function businessWrite(prisma: AuditedPrismaClient, organizationId: string, client: Client, ledger: Ledger) {
  const requestId = randomUUID();
  const roll = Math.random();
  const target = client.vendors[Math.floor(Math.random() * client.vendors.length)];
  await withAuditContext({ systemName: `load client ${client.id}`, requestId }, async () => {
    if (!target || roll < 0.4) {
      const vendor = await prisma.vendor.create({ data: { organizationId, name: `Vendor ${requestId.slice(0, 8)}` } });
      client.vendors.push(vendor.id);
    } else if (roll < 0.75) {
      await prisma.vendor.update({ where: { id: target }, data: { name: `Renamed ${requestId.slice(0, 8)}` } });
    } else {
      await prisma.vendor.delete({ where: { id: target } });
      client.vendors.splice(client.vendors.indexOf(target), 1);
    }
  });
  ledger.writes.push(requestId);
}

const entry = (client: Client) => ({
  action: 'export',
  entityType: 'load_record',
  entityId: `c${client.id}-${client.next++}`,
  metadata: { format: 'csv', password: 'never-stored' },
});

/** The mix: 30 % business writes, 30 % record, 10 % recordMany, 30 % list. */
function pick(): LoadOperation {
  const roll = Math.random();
  return roll < 0.3 ? 'business write' : roll < 0.6 ? 'record' : roll < 0.7 ? 'recordMany' : 'list';
}

async function oneCall(
  op: LoadOperation,
  prisma: AuditedPrismaClient,
  organizationId: string,
  client: Client,
  ledger: Ledger,
  batch: number,
): Promise<void> {
  if (op === 'business write') return businessWrite(prisma, organizationId, client, ledger);
  if (op === 'record') {
    const one = entry(client);
    await client.api.audit.record.mutate(one);
    ledger.recorded.push(one.entityId);
  } else if (op === 'recordMany') {
    const entries = Array.from({ length: batch }, () => entry(client));
    const { count } = await client.api.audit.recordMany.mutate({ entries });
    if (count !== entries.length) throw new Error(`recordMany wrote ${count} of ${entries.length}`);
    ledger.recorded.push(...entries.map((e) => e.entityId));
  } else {
    await client.api.audit.list.query(Math.random() < 0.5 ? { pageSize: 25 } : { action: 'export', pageSize: 50 });
  }
}

/** Matches the ledger to the audit rows: each write's request id and each recorded entity id exactly once. */
async function reconcile(url: string, organizationId: string, ledger: Ledger) {
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  try {
    const writes = await sql.query<{ key: string; n: number }>(
      `SELECT "requestId" AS key, count(*)::int AS n FROM "AuditLog"
       WHERE "organizationId" = $1 AND "entityType" = 'vendor' GROUP BY "requestId"`,
      [organizationId],
    );
    const recorded = await sql.query<{ key: string; n: number; leaked: boolean }>(
      `SELECT "entityId" AS key, count(*)::int AS n, bool_or(metadata::text LIKE '%never-stored%') AS leaked
       FROM "AuditLog" WHERE "organizationId" = $1 AND "entityType" = 'load_record' GROUP BY "entityId"`,
      [organizationId],
    );
    const found = new Map([...writes.rows, ...recorded.rows].map((row) => [row.key, row.n]));
    const expected = [...ledger.writes, ...ledger.recorded];
    const wanted = new Set(expected);
    return {
      expected: expected.length,
      found: [...found.values()].reduce((sum, n) => sum + n, 0),
      lost: expected.filter((key) => !found.has(key)).length,
      duplicated: [...found.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0),
      unexpected: [...found.keys()].filter((key) => !wanted.has(key)).length,
      leaked: recorded.rows.filter((row) => row.leaked).length,
    };
  } finally {
    await sql.end();
  }
}

/** An organization and one API key (audit:read and audit:write) per client, written as System. */
async function setUp(prisma: AuditedPrismaClient, base: string, clients: number): Promise<[string, Client[]]> {
  return runAsSystem({ name: 'load test setup' }, async () => {
    const organization = await prisma.organization.create({
      data: { name: 'Load test', slug: `load-${Date.now().toString(36)}` },
    });
    const made: Client[] = [];
    for (let id = 0; id < clients; id += 1) {
      const { key } = await createApiKey(prisma, organization.id, {
        name: `Load client ${id}`,
        scopes: ['audit:read', 'audit:write'],
      });
      made.push({ id, api: createAuditClient({ url: base, apiKey: key }), vendors: [], next: 0 });
    }
    return [organization.id, made];
  });
}

/** Every client calls in a loop until `until`; latencies per operation, errors kept (the first 20 messages). */
async function drive(
  prisma: AuditedPrismaClient,
  organizationId: string,
  clients: Client[],
  until: number,
  batch: number,
) {
  const ledger: Ledger = { writes: [], recorded: [] };
  const latencies = new Map<LoadOperation, number[]>(OPERATIONS.map((op) => [op, []]));
  const failures = new Map<LoadOperation, number>(OPERATIONS.map((op) => [op, 0]));
  const errors: string[] = [];
  await Promise.all(
    clients.map(async (client) => {
      while (Date.now() < until) {
        const op = pick();
        const started = performance.now();
        try {
          await oneCall(op, prisma, organizationId, client, ledger, batch);
          latencies.get(op)?.push(performance.now() - started);
        } catch (error) {
          if (errors.length < 20) errors.push(`${op}: ${error instanceof Error ? error.message : String(error)}`);
          failures.set(op, (failures.get(op) ?? 0) + 1);
        }
      }
    }),
  );
  const calls = Object.fromEntries(
    OPERATIONS.map((op) => {
      const values = latencies.get(op) ?? [];
      const stats = { count: values.length, errors: failures.get(op) ?? 0 };
      return [op, { ...stats, p50: percentile(values, 50), p95: percentile(values, 95), p99: percentile(values, 99) }];
    }),
  ) as LoadResult['calls'];
  return { ledger, calls, errors };
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const log = options.log ?? (() => undefined);
  const name = `auditlog_load_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: options.serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(options.serverUrl);
  url.pathname = `/${name}`;
  let server: ServerProcess | undefined;
  try {
    log(`starting the server on ${name}…`);
    server = await startServerProcess(url.href);
    const pid = server.child.pid ?? 0;
    const db = await openDatabase({ url: url.href, strict: true, poolSize: 10 });
    try {
      const [organizationId, clients] = await setUp(db.prisma, server.base, options.clients);
      log(`${options.clients} clients for ${options.seconds} s…`);
      const samples: number[] = [];
      const sample = () => {
        const mb = rssMegabytes(pid);
        if (mb !== null) samples.push(mb);
      };
      // One sample before the run and one after it, whatever the timer managed in between.
      sample();
      const sampler = setInterval(sample, 1000);
      const started = Date.now();
      const run = await drive(
        db.prisma,
        organizationId,
        clients,
        started + options.seconds * 1000,
        options.batch ?? 50,
      );
      clearInterval(sampler);
      sample();
      const seconds = (Date.now() - started) / 1000;
      const counted = await reconcile(url.href, organizationId, run.ledger);
      if (counted.leaked) run.errors.push(`${counted.leaked} entries kept a secret in their metadata`);
      return {
        seconds,
        clients: options.clients,
        calls: run.calls,
        errors: run.errors,
        ...counted,
        rss: {
          samples,
          first: samples[0] ?? Number.NaN,
          last: samples.at(-1) ?? Number.NaN,
          max: Math.max(...samples),
          slopePerMinute: slopePerMinute(samples.slice(Math.floor(samples.length / 4))),
        },
      };
    } finally {
      await db.close();
    }
  } finally {
    if (server) await stopServerProcess(server);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/** The result as Markdown: calls and latencies, the reconciliation, the server's memory. */
export function loadReport(result: LoadResult, machine: string): string {
  const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');
  const rows = OPERATIONS.map((op) => {
    const c = result.calls[op];
    return `| ${op} | ${c.count.toLocaleString('en-US')} | ${c.errors} | ${fixed(c.p50)} ms | ${fixed(c.p95)} ms | ${fixed(c.p99)} ms |`;
  });
  const { rss } = result;
  return [
    `### Load: ${result.clients} clients for ${result.seconds.toFixed(0)} s (${machine})`,
    '',
    '| call | count | errors | p50 | p95 | p99 |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Entries expected ${result.expected.toLocaleString('en-US')}, found ${result.found.toLocaleString('en-US')}: ` +
      `**${result.lost} lost, ${result.duplicated} duplicated, ${result.unexpected} unexpected**.`,
    `Server RSS (${rss.samples.length} samples, one a second): first ${fixed(rss.first)} MB, last ${fixed(rss.last)} MB, ` +
      `max ${fixed(rss.max)} MB, slope over the last three quarters ${rss.slopePerMinute.toFixed(2)} MB/min.`,
    ...(result.errors.length ? ['', 'Errors:', ...result.errors.map((error) => `- ${error}`)] : []),
    '',
  ].join('\n');
}
