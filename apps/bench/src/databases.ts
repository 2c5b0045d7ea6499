/** Fresh, migrated benchmark databases on both engines; each is removed when the benchmark ends. */
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '@auditlog/db';
import type { Database, DatabaseEngine } from '@auditlog/db';
import pg from 'pg';

export interface BenchDatabase {
  engine: DatabaseEngine;
  label: string;
  /** Opens a client on the benchmark database; `audit: false` gives plain Prisma (no context comments). */
  open(options?: { audit?: boolean }): Promise<Database>;
  /** Switches the capture triggers on or off for `tables`. */
  setCapture(on: boolean, tables: string[]): Promise<void>;
  /** Runs SQL as the superuser-ish admin connection. */
  sql(text: string): Promise<void>;
  drop(): Promise<void>;
}

export async function postgresBench(serverUrl: string): Promise<BenchDatabase> {
  const name = `auditlog_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const conn = new pg.Client({ connectionString: url.href });
  await conn.connect();
  const migrator = await openDatabase({ url: url.href, migrate: true });
  await migrator.close();
  const version = (await conn.query<{ v: string }>('SHOW server_version')).rows[0]?.v ?? '?';
  return {
    engine: 'postgres',
    label: `PostgreSQL ${version}`,
    open: (options) => openDatabase({ url: url.href, audit: options?.audit ?? true, poolSize: 4 }),
    async setCapture(on, tables) {
      for (const table of tables) {
        await conn.query(`ALTER TABLE "${table}" ${on ? 'ENABLE' : 'DISABLE'} TRIGGER audit_capture_insert, ${on ? 'ENABLE' : 'DISABLE'} TRIGGER audit_capture_update, ${on ? 'ENABLE' : 'DISABLE'} TRIGGER audit_capture_delete`);
      }
    },
    sql: async (text) => {
      await conn.query(text);
    },
    async drop() {
      await conn.end();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

export async function pgliteBench(): Promise<BenchDatabase> {
  const pglite = await PGlite.create();
  const first = await openDatabase({ pglite, migrate: true });
  const version = (await first.prisma.$queryRaw<{ v: string }[]>`SHOW server_version`)[0]?.v ?? '?';
  // Every client shares the one in-process PGlite; closing a client must not close it.
  const open = async (options?: { audit?: boolean }): Promise<Database> => {
    const db = await openDatabase({ pglite, migrate: false, audit: options?.audit ?? true });
    return { ...db, close: () => db.prisma.$disconnect() };
  };
  return {
    engine: 'pglite',
    label: `PGlite ${version}`,
    open,
    async setCapture(on, tables) {
      for (const table of tables) {
        const verb = on ? 'ENABLE' : 'DISABLE';
        await pglite.exec(`ALTER TABLE "${table}" ${verb} TRIGGER audit_capture_insert, ${verb} TRIGGER audit_capture_update, ${verb} TRIGGER audit_capture_delete`);
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
