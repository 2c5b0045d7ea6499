import type { MigrationList } from '@prisma/schema-engine-wasm';

/** The audit trigger SQL to add to a new migration, or `null` when the migrations already hold the current one. */
export function auditTriggerMigrationSql(_migrations: MigrationList): string | null {
  return null;
}
