/**
 * Migrated template databases, made once per test run and copied for each test file:
 * - PGlite: a dump of a migrated data directory, cached on disk by the hash of the migrations;
 * - PostgreSQL: a database created from the migrations, copied with `CREATE DATABASE … TEMPLATE`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { dropDatabase, parsePostgresUrl, pgliteMigrationFactory, postgresMigrationFactory } from '../adapters.ts';
import { assertPostgresUrl, connectionError } from '../errors.ts';
import { defaultPaths, deployMigrations, readMigrations } from '../migrate/index.ts';

export interface TemplateInfo {
  /** A `.tar.gz` dump of a migrated PGlite data directory. */
  pgliteDump: string;
  /** The PostgreSQL server URL and the migrated template database on it, when `TEST_DATABASE_URL` is set. */
  postgres?: { url: string; template: string };
}

async function migrationsHash(): Promise<string> {
  const list = await readMigrations(defaultPaths.migrations);
  const hash = createHash('sha256');
  for (const dir of list.migrationDirectories) {
    hash.update(dir.path);
    if (dir.migrationFile.content.tag === 'ok') hash.update(dir.migrationFile.content.value);
  }
  // The resolved path names the installed PGlite version (pnpm's store layout), whose data format the dump is in.
  hash.update(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  return hash.digest('hex').slice(0, 16);
}

async function pgliteTemplate(hash: string): Promise<string> {
  const dir = path.resolve(import.meta.dirname, '../../node_modules/.cache/test-templates');
  const file = path.join(dir, `pglite-${hash}.tar.gz`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create();
  try {
    await deployMigrations(pgliteMigrationFactory(db));
    const dump = await db.dumpDataDir('gzip');
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await db.close();
  }
  return file;
}

/** Runs `run` on a superuser connection to `url`'s database (the server's `postgres` database by default). */
export async function withAdminClient<T>(url: string, run: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const config = parsePostgresUrl(url);
  const client = new pg.Client({ ...config, database: database ?? config.database, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw connectionError(url, error);
  }
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

function admin<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  return withAdminClient(url, run, 'postgres');
}

/** A database name no other run can pick: prefix, time and randomness. */
export function uniqueDatabaseName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${crypto.randomUUID().slice(0, 8)}`;
}

export function urlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.href;
}

async function postgresTemplate(serverUrl: string, hash: string): Promise<string> {
  const template = uniqueDatabaseName(`auditlog_tmpl_${hash.slice(0, 8)}`);
  await admin(serverUrl, (client) => client.query(`CREATE DATABASE "${template}"`));
  try {
    await deployMigrations(postgresMigrationFactory(urlFor(serverUrl, template)));
  } catch (error) {
    await dropDatabase(serverUrl, template);
    throw error;
  }
  return template;
}

/** Builds the templates; returns what tests need to copy them and a function that removes them. */
export async function prepareTemplates(): Promise<{ info: TemplateInfo; dispose(): Promise<void> }> {
  const hash = await migrationsHash();
  const serverUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
  if (serverUrl) assertPostgresUrl(serverUrl, 'TEST_DATABASE_URL');
  const [pgliteDump, template] = await Promise.all([
    pgliteTemplate(hash),
    serverUrl ? postgresTemplate(serverUrl, hash) : undefined,
  ]);
  return {
    info: { pgliteDump, postgres: serverUrl && template ? { url: serverUrl, template } : undefined },
    dispose: async () => {
      if (serverUrl && template) await dropDatabase(serverUrl, template);
    },
  };
}

/** Copies the PostgreSQL template into a fresh database, or creates an empty one. Returns its name. */
export async function createPostgresDatabase(serverUrl: string, template: string | null): Promise<string> {
  const name = uniqueDatabaseName('auditlog_test');
  await admin(serverUrl, (client) =>
    client.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`),
  );
  return name;
}

export async function loadPglite(dump: string | null): Promise<PGlite> {
  if (!dump) return PGlite.create();
  return PGlite.create({ loadDataDir: new Blob([await readFile(dump)]) });
}
