/**
 * Migrating an open database: what `openDatabase({ migrate })` and `Database.migrate()` did before the schema engine
 * left the runtime (decision 011). The server loads this with a dynamic `import()`, only when it migrates on start.
 */
import { assertCaptureMatches, auditRegistry, openDatabase } from '@auditlog/db';
import type { Database, DatabaseOptions } from '@auditlog/db';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { pgliteMigrationFactory, postgresMigrationFactory } from './migrate/adapters.ts';
import { deployMigrations, defaultPaths } from './migrate/index.ts';
import type { MigrationPaths } from './migrate/index.ts';

/** The schema engine's view of `db`: the same embedded instance, or new connections to the same PostgreSQL database. */
export function migrationFactoryFor(db: Database): SqlMigrationAwareDriverAdapterFactory {
  const connection = db.connection;
  return connection.engine === 'pglite'
    ? pgliteMigrationFactory(connection.pglite)
    : postgresMigrationFactory(connection.url, connection.config);
}

/**
 * Applies pending migrations, then re-applies the runtime roles' grants (`auditlog.apply_grants()`), so that a
 * migration that adds a table, with or without new capture SQL, never leaves the application's role without access.
 * Returns the names applied, in order.
 */
export async function migrateDatabase(db: Database, paths: MigrationPaths = defaultPaths): Promise<string[]> {
  const applied = await deployMigrations(migrationFactoryFor(db), paths);
  if (applied.length > 0) await db.prisma.$executeRawUnsafe(`SELECT ${auditRegistry.internalSchema}.apply_grants()`);
  await maintainPartitions(db);
  return applied;
}

/**
 * The audit table's months ahead (decision 018), on every deploy: `maintain_partitions()` when the capture has it
 * (an app without the seal has no partitions). Returns how many partitions it made.
 */
export async function maintainPartitions(db: Database): Promise<number> {
  const fn = `${auditRegistry.internalSchema}.maintain_partitions`;
  const rows = await db.prisma.$queryRawUnsafe<{ made: number | null }[]>(
    `SELECT CASE WHEN to_regprocedure('${fn}(integer)') IS NULL THEN NULL ELSE 0 END AS made`,
  );
  if (rows[0]?.made === null || rows[0]?.made === undefined) return 0;
  const [made] = await db.prisma.$queryRawUnsafe<{ made: number }[]>(`SELECT ${fn}() AS made`);
  return Number(made?.made ?? 0);
}

/**
 * `openDatabase`, then pending migrations applied, then (if `checkCapture`) the installed capture checked against
 * this build's registry. Closes the database if any step fails.
 */
export async function openMigratedDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const db = await openDatabase({ ...options, checkCapture: false });
  try {
    await migrateDatabase(db);
    if (options.checkCapture) await assertCaptureMatches(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}
