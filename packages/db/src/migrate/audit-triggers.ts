/**
 * Keeps the generated capture triggers in the migrations: `pnpm db:migrate` appends the current SQL to the new
 * migration whenever it differs from the last generated SQL found in the migrations (compared by hash).
 */
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { AUDIT_SQL_MARKER, dmmfFromSchemaFile, generateAuditSql, resolveAuditConfig } from '@auditlog/audit/triggers';
import type { GeneratedAuditSql } from '@auditlog/audit/triggers';
import { auditConfig } from '../audited.ts';

export async function generateCaptureSql(schemaPath: string): Promise<GeneratedAuditSql> {
  return generateAuditSql(resolveAuditConfig(auditConfig, await dmmfFromSchemaFile(schemaPath)));
}

/** The hash of the newest generated capture SQL in the migrations, or null when there is none. */
export function latestCaptureHash(migrations: MigrationList): string | null {
  for (const dir of [...migrations.migrationDirectories].reverse()) {
    const content = dir.migrationFile.content;
    if (content.tag !== 'ok') continue;
    const at = content.value.lastIndexOf(AUDIT_SQL_MARKER);
    if (at >= 0) return content.value.slice(at + AUDIT_SQL_MARKER.length).trim().split(/\s/)[0] ?? null;
  }
  return null;
}

/** The capture SQL to add to a new migration, or null when the migrations already hold the current one. */
export function auditTriggerMigrationSql(schemaPath: string) {
  return async (migrations: MigrationList): Promise<string | null> => {
    const generated = await generateCaptureSql(schemaPath);
    return latestCaptureHash(migrations) === generated.hash ? null : generated.sql;
  };
}
