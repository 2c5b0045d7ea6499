/**
 * Copies of the migrated template databases, one per test: the templates themselves are made once per run by
 * `@auditlog/tooling/testing/global-setup` (it migrates them, so it lives with the migrations):
 * - PGlite: a dump of a migrated data directory, loaded into a fresh in-memory PGlite;
 * - PostgreSQL: a database copied with `CREATE DATABASE … TEMPLATE`.
 */
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { parsePostgresUrl } from '../adapters.ts';
import { connectionError } from '../errors.ts';

export interface TemplateInfo {
  /** A `.tar.gz` dump of a migrated PGlite data directory. */
  pgliteDump: string;
  /** The PostgreSQL server URL and the migrated template database on it, when `TEST_DATABASE_URL` is set. */
  postgres?: { url: string; template: string };
}

/** Runs `run` on a superuser connection to `url`'s database (the server's `postgres` database by default). */
export async function withAdminClient<T>(
  url: string,
  run: (client: pg.Client) => Promise<T>,
  database?: string,
): Promise<T> {
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
