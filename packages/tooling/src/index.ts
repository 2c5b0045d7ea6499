/**
 * Dev- and deploy-time schema work, apart from the runtime (decision 011): migrations on Prisma's WebAssembly schema
 * engine, the capture SQL and registry generated from the audit config and schema.prisma (`./capture`), and the
 * `pnpm db:*` commands (`src/migrate/cli.ts`). Apps never import this statically: the server loads it with `import()`
 * only when it migrates on start.
 */
export { migrateDatabase, migrationFactoryFor, openMigratedDatabase } from './database.ts';
export { pgliteMigrationFactory, postgresMigrationFactory } from './migrate/adapters.ts';
export {
  createMigration,
  dbPackageRoot,
  defaultPaths,
  deployMigrations,
  diffDatabaseToSchema,
  diffMigrationsToSchema,
  migrationStatus,
  readMigrations,
} from './migrate/index.ts';
export type { CreatedMigration, MigrationPaths } from './migrate/index.ts';
export {
  auditRegistrySource,
  auditTriggerMigrationSql,
  generateCaptureSql,
  latestCaptureHash,
  REGISTRY_PATH,
  resolvedAuditConfig,
  writeAuditRegistry,
} from './migrate/audit-triggers.ts';
