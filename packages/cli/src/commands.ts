/**
 * The commands behind `auditlog`, over the generator of `@auditlog/tooling/capture` (the one the project's own
 * migrations use, bundled into this package's build): the capture SQL for the adopter's schema, and the check of a
 * database against it.
 */
import { existsSync } from 'node:fs';
import { checkInstalledCapture } from '@auditlog/audit';
import type { CaptureProblem } from '@auditlog/audit';
import {
  dmmfFromSchemaFile,
  generateAuditRegistry,
  generateAuditSql,
  resolveAuditConfig,
  schemaIdent,
  sqlString,
} from '@auditlog/tooling/capture';
import type { ResolvedAuditConfig } from '@auditlog/tooling/capture';
import pg from 'pg';
import { CliError, loadConfig } from './config-file.ts';

export interface SchemaOptions {
  schema: string;
  config?: string;
}

async function resolved(options: SchemaOptions): Promise<{ config: ResolvedAuditConfig; runtimeRoles: string[] }> {
  if (!existsSync(options.schema)) throw new CliError(`No Prisma schema at ${options.schema}.`);
  const { audit, runtimeRoles } = await loadConfig(options.schema, options.config);
  return { config: resolveAuditConfig(audit, await dmmfFromSchemaFile(options.schema)), runtimeRoles };
}

/**
 * The capture SQL: the engine's schema and functions, each audited table's triggers, the append-only guard on the
 * audit table, the revokes, and a grant for each of the config's runtime roles (re-applied on every install).
 */
export async function generate(options: SchemaOptions): Promise<string> {
  const { config, runtimeRoles } = await resolved(options);
  const { sql } = generateAuditSql(config);
  const grants = runtimeRoles.map(
    (role) => `SELECT ${schemaIdent(config.internalSchema)}.grant_runtime(${sqlString(role)});`,
  );
  if (!grants.length) return sql;
  return `${sql}\n-- Least privilege for the roles the application connects as (auditlog.config: runtimeRoles).\n${grants.join('\n')}\n`;
}

/** What differs between the capture installed in the database at `url` and what the schema and config describe. */
export async function check(options: SchemaOptions, url: string): Promise<CaptureProblem[]> {
  const { config } = await resolved(options);
  const registry = generateAuditRegistry(config);
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    throw new CliError(`Cannot connect to DATABASE_URL: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return await checkInstalledCapture(
      {
        $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) =>
          (await client.query(query, values)).rows as T,
      },
      registry,
    );
  } finally {
    await client.end();
  }
}
