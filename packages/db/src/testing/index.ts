/**
 * Real databases for tests: each call gives a fresh database, migrated from the run's template, on one engine.
 *
 *   describe.each(testEngines)('tickets on %s', (engine) => {
 *     const db = useTestDatabase(engine);
 *     it('…', async () => { await db().prisma.ticket.create(…) });
 *   });
 */
import { afterAll, beforeAll, inject } from 'vitest';
import { dropDatabase } from '../adapters.ts';
import { openDatabase } from '../client.ts';
import type { Database, DatabaseEngine, DatabaseOptions } from '../client.ts';
import { createPostgresDatabase, loadPglite, uniqueDatabaseName, urlFor, withAdminClient } from './template.ts';
import type { TemplateInfo } from './template.ts';

export { countEntries, createOrganization, entriesFor, unique } from './fixtures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplates: TemplateInfo;
  }
}

/** PGlite always; PostgreSQL too when `TEST_DATABASE_URL` is set. */
export const testEngines: DatabaseEngine[] = process.env.TEST_DATABASE_URL?.trim()
  ? ['pglite', 'postgres']
  : ['pglite'];

export interface TestDatabaseOptions {
  /** Start from an empty database instead of a migrated one. */
  empty?: boolean;
}

export interface TestDatabaseHandle {
  /** Options that open this database with `openDatabase` (or any wrapper of it). */
  options: DatabaseOptions;
  /** The PostgreSQL URL of this database, when the engine is PostgreSQL. */
  url?: string;
  /** Removes the database (drops it on PostgreSQL, closes it on PGlite). */
  drop(): Promise<void>;
}

/** Creates a fresh database on `engine`; the caller opens it with `handle.options` and drops it when done. */
export async function createTestDatabase(
  engine: DatabaseEngine,
  options: TestDatabaseOptions = {},
): Promise<TestDatabaseHandle> {
  const templates = inject('databaseTemplates');
  if (!templates) {
    throw new Error(
      'No database templates: run tests from the repository root (pnpm test), whose vitest config builds them.',
    );
  }
  if (engine === 'pglite') {
    const pglite = await loadPglite(options.empty ? null : templates.pgliteDump);
    return { options: { pglite }, drop: async () => (pglite.closed ? undefined : pglite.close()) };
  }
  if (!templates.postgres)
    throw new Error('PostgreSQL tests need TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).');
  const { url: serverUrl, template } = templates.postgres;
  const name = await createPostgresDatabase(serverUrl, options.empty ? null : template);
  const url = urlFor(serverUrl, name);
  return { options: { url, poolSize: 5 }, url, drop: () => dropDatabase(serverUrl, name) };
}

type Opened<D> = () => D & { handle: TestDatabaseHandle };

/**
 * Registers `beforeAll`/`afterAll` hooks that give the surrounding `describe` block its own database, opened with
 * `open` (default: the plain client). Returns an accessor, valid inside tests.
 */
export function useTestDatabase(engine: DatabaseEngine, options?: TestDatabaseOptions): Opened<Database>;
export function useTestDatabase<D extends { close(): Promise<void> }>(
  engine: DatabaseEngine,
  options: TestDatabaseOptions & { open: (options: DatabaseOptions) => Promise<D> },
): Opened<D>;
export function useTestDatabase(
  engine: DatabaseEngine,
  options: TestDatabaseOptions & { open?: (options: DatabaseOptions) => Promise<{ close(): Promise<void> }> } = {},
): Opened<{ close(): Promise<void> }> {
  let current: ({ close(): Promise<void> } & { handle: TestDatabaseHandle }) | undefined;
  beforeAll(async () => {
    const handle = await createTestDatabase(engine, options);
    const open = options.open ?? openDatabase;
    current = Object.assign(await open(handle.options), { handle });
  }, 60_000);
  afterAll(async () => {
    await current?.close();
    await current?.handle.drop();
  }, 60_000);
  return () => {
    if (!current) throw new Error('The test database is opened in beforeAll: use it inside a test or a hook.');
    return current;
  };
}

export interface TestRole {
  /** The role's name (unique to this run). */
  name: string;
  /** A URL of the test database that logs in as this role. */
  url: string;
  /** Revokes what the role was granted in the database and drops it. */
  drop(): Promise<void>;
}

/**
 * A PostgreSQL login role on a test database, set up the way an operator would: `runtime` through the engine's own
 * `grant_runtime()` (the application's role), `seeder` through `grant_seeder()`. Roles belong to the whole server,
 * so each has a unique name and is dropped by the caller.
 */
export async function createTestRole(
  handle: TestDatabaseHandle,
  grants: { runtime?: boolean; seeder?: boolean } = {},
): Promise<TestRole> {
  const url = handle.url;
  if (!url) throw new Error('Database roles need PostgreSQL (PGlite has one user).');
  const name = uniqueDatabaseName('auditlog_role');
  await withAdminClient(url, async (client) => {
    await client.query(`CREATE ROLE "${name}" LOGIN`);
    if (grants.runtime) await client.query('SELECT auditlog.grant_runtime($1)', [name]);
    if (grants.seeder) await client.query('SELECT auditlog.grant_seeder($1)', [name]);
  });
  const roleUrl = new URL(url);
  roleUrl.username = name;
  roleUrl.password = '';
  return {
    name,
    url: roleUrl.href,
    async drop() {
      await withAdminClient(url, async (client) => {
        await client.query(`DELETE FROM auditlog.runtime_roles WHERE role_name = $1`, [name]);
        await client.query(`DROP OWNED BY "${name}"`);
        await client.query(`DROP ROLE "${name}"`);
      });
    },
  };
}

/**
 * Runs a multi-statement SQL script (a migration, the capture SQL) in one transaction on the test database, over
 * the simple protocol: Prisma's raw queries take one statement at a time.
 */
export async function runScript(handle: TestDatabaseHandle, sql: string): Promise<void> {
  if (handle.options.pglite) {
    await handle.options.pglite.exec(sql);
    return;
  }
  if (!handle.url) throw new Error('This test database has neither a PGlite instance nor a URL.');
  await withAdminClient(handle.url, (client) => client.query(sql));
}
