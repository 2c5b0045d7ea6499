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
import { createPostgresDatabase, loadPglite, urlFor } from './template.ts';
import type { TemplateInfo } from './template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseTemplates: TemplateInfo;
  }
}

/** PGlite always; PostgreSQL too when `TEST_DATABASE_URL` is set. */
export const testEngines: DatabaseEngine[] = process.env.TEST_DATABASE_URL?.trim() ? ['pglite', 'postgres'] : ['pglite'];

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
    throw new Error('No database templates: run tests from the repository root (pnpm test), whose vitest config builds them.');
  }
  if (engine === 'pglite') {
    const pglite = await loadPglite(options.empty ? null : templates.pgliteDump);
    return { options: { pglite, migrate: false }, drop: async () => (pglite.closed ? undefined : pglite.close()) };
  }
  if (!templates.postgres) throw new Error('PostgreSQL tests need TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres).');
  const { url: serverUrl, template } = templates.postgres;
  const name = await createPostgresDatabase(serverUrl, options.empty ? null : template);
  const url = urlFor(serverUrl, name);
  return { options: { url, migrate: false, poolSize: 5 }, url, drop: () => dropDatabase(serverUrl, name) };
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
