/** Fresh, migrated benchmark databases on both engines; each is removed when the benchmark ends. */
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { auditComments } from '@auditlog/audit';
import { openDatabase, PrismaClient } from '@auditlog/db';
import { openMigratedDatabase } from '@auditlog/tooling';
import type { Database, DatabaseEngine } from '@auditlog/db';
import pg from 'pg';

/**
 * A client whose context reaches the triggers through Prisma's own `comments` plugin instead of the driver adapter
 * that `openDatabase` uses: the alternative the benchmark compares against, which the runtime does not offer.
 */
export interface PluginClient {
  prisma: PrismaClient;
  close(): Promise<void>;
}

const viaCommentsPlugin = (adapter: NonNullable<ConstructorParameters<typeof PrismaClient>[0]['adapter']>) =>
  new PrismaClient({ adapter, comments: [auditComments()] });

export type CaptureMode = 'off' | 'floor' | 'capture';

/** A connection of the benchmark's own ended by the server: said on stderr, never an unhandled 'error' event. */
const connectionLost = (error: Error) => process.stderr.write(`[bench] connection lost: ${error.message}\n`);

/** Statement-level triggers like the capture ones, inserting a constant row per affected row and nothing else. */
export function floorTriggersSql(table: string): string {
  const insert = (alias: string, action: string) =>
    `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType") SELECT gen_random_uuid(), ${alias}."organizationId", now(), '${action}', 'bench', ${alias}.id, 'SYSTEM' FROM ${alias === 'n' ? 'bench_new' : 'bench_old'} ${alias};`;
  return `
DROP TRIGGER IF EXISTS bench_floor_insert ON "${table}";
DROP TRIGGER IF EXISTS bench_floor_update ON "${table}";
DROP TRIGGER IF EXISTS bench_floor_delete ON "${table}";
CREATE OR REPLACE FUNCTION bench_floor_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN ${insert('n', 'create')}
  ELSIF TG_OP = 'UPDATE' THEN ${insert('n', 'update')}
  ELSE ${insert('o', 'delete')}
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER bench_floor_insert AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS bench_new FOR EACH STATEMENT EXECUTE FUNCTION bench_floor_capture();
CREATE TRIGGER bench_floor_update AFTER UPDATE ON "${table}" REFERENCING OLD TABLE AS bench_old NEW TABLE AS bench_new FOR EACH STATEMENT EXECUTE FUNCTION bench_floor_capture();
CREATE TRIGGER bench_floor_delete AFTER DELETE ON "${table}" REFERENCING OLD TABLE AS bench_old FOR EACH STATEMENT EXECUTE FUNCTION bench_floor_capture();
ALTER TABLE "${table}" DISABLE TRIGGER bench_floor_insert, DISABLE TRIGGER bench_floor_update, DISABLE TRIGGER bench_floor_delete;`;
}

export function switchTriggersSql(table: string, mode: CaptureMode, floorInstalled: boolean): string {
  const set = (on: boolean, names: string[]) => names.map((name) => `${on ? 'ENABLE' : 'DISABLE'} TRIGGER ${name}`);
  const capture = set(mode === 'capture', [
    'audit_capture_insert',
    'audit_capture_update',
    'audit_capture_delete',
    'audit_capture_truncate',
    'audit_capture_rekey',
  ]);
  const floor = floorInstalled
    ? set(mode === 'floor', ['bench_floor_insert', 'bench_floor_update', 'bench_floor_delete'])
    : [];
  return `ALTER TABLE "${table}" ${[...capture, ...floor].join(', ')}`;
}

export interface BenchDatabase {
  engine: DatabaseEngine;
  label: string;
  /** The PostgreSQL URL of the benchmark database. */
  url?: string;
  /** Opens a client on the benchmark database; `audit: false` gives plain Prisma (no context comments). */
  open(options?: { audit?: boolean }): Promise<Database>;
  /** Opens a client that sends the context with Prisma's `comments` plugin. */
  openViaCommentsPlugin(): Promise<PluginClient>;
  /**
   * Which triggers run on `tables`: none (plain Prisma), the floor (a trigger that writes one constant audit row per
   * affected row: the least any per-row audit log can cost), or the real capture triggers.
   */
  setCapture(mode: CaptureMode, tables: string[]): Promise<void>;
  /** Runs SQL as the superuser-ish admin connection. */
  sql(text: string): Promise<void>;
  drop(): Promise<void>;
}

/**
 * A fresh benchmark database on the server, dropped by `drop()`; with `name`, that database (made and migrated if it
 * does not exist yet), and with `keep`, `drop()` leaves it in place for the next run (the scale bench's reuse).
 */
export async function postgresBench(
  serverUrl: string,
  options: { name?: string | undefined; keep?: boolean } = {},
): Promise<BenchDatabase> {
  const name = options.name ?? `auditlog_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  admin.on('error', connectionLost);
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  if (!exists) await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const conn = new pg.Client({ connectionString: url.href });
  conn.on('error', connectionLost);
  await conn.connect();
  const migrator = await openMigratedDatabase({ url: url.href });
  await migrator.close();
  const version = (await conn.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? '?';
  const floors = new Set<string>();
  return {
    engine: 'postgres',
    label: `PostgreSQL ${version}`,
    url: url.href,
    open: (options) => openDatabase({ url: url.href, ...options, poolSize: 4 }),
    async openViaCommentsPlugin() {
      const pool = new pg.Pool({ connectionString: url.href, max: 4 });
      // As in openDatabase: a connection the server ends (the benchmark database dropped at the end) must not crash
      // the process through an unhandled 'error' event of the pool.
      pool.on('error', connectionLost);
      const prisma = viaCommentsPlugin(new PrismaPg(pool));
      return {
        prisma,
        async close() {
          await prisma.$disconnect();
          await pool.end();
        },
      };
    },
    async setCapture(mode, tables) {
      for (const table of tables) {
        if (!floors.has(table)) await conn.query(floorTriggersSql(table));
        floors.add(table);
        await conn.query(switchTriggersSql(table, mode, true));
      }
    },
    sql: async (text) => {
      await conn.query(text);
    },
    async drop() {
      await conn.end();
      if (!options.keep) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function pgliteBench(): Promise<BenchDatabase> {
  const pglite = await PGlite.create();
  const first = await openMigratedDatabase({ pglite });
  const version =
    (await first.prisma.$queryRaw<{ server_version: string }[]>`SHOW server_version`)[0]?.server_version ?? '?';
  const floors = new Set<string>();
  // Every client shares the one in-process PGlite; closing a client must not close it.
  const open: BenchDatabase['open'] = async (options) => {
    const db = await openDatabase({ pglite, ...options });
    return { ...db, close: () => db.prisma.$disconnect() };
  };
  return {
    engine: 'pglite',
    label: `PGlite ${version}`,
    open,
    async openViaCommentsPlugin() {
      const prisma = viaCommentsPlugin(new PrismaPGlite(pglite));
      return { prisma, close: () => prisma.$disconnect() };
    },
    async setCapture(mode, tables) {
      for (const table of tables) {
        if (!floors.has(table)) await pglite.exec(floorTriggersSql(table));
        floors.add(table);
        await pglite.exec(switchTriggersSql(table, mode, true));
      }
    },
    sql: async (text) => {
      await pglite.exec(text);
    },
    async drop() {
      await first.prisma.$disconnect();
      await pglite.close();
    },
  };
}
