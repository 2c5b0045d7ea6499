import { openDatabase } from '@auditlog/db';
import type { Database, DatabaseOptions } from '@auditlog/db';

/**
 * Opens the database, migrating it first when `migrate` says so. The migrations run on Prisma's WebAssembly schema
 * engine in `@auditlog/tooling`, loaded here with `import()` and only then: a production server, which does not
 * migrate on start, never loads the engine (decision 011).
 */
export async function openServerDatabase(options: DatabaseOptions, migrate: boolean): Promise<Database> {
  if (!migrate) return openDatabase(options);
  const { openMigratedDatabase } = await import('@auditlog/tooling');
  return openMigratedDatabase(options);
}
