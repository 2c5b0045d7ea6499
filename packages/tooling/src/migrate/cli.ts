/**
 * pnpm db:migrate --name <name> [--step <file.sql>]
 *                                 write a new migration from schema.prisma (and the audit triggers, and the registry);
 *                                 a hand-written step leads it, and the diff is taken after it
 * pnpm db:deploy                  apply pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR
 * pnpm db:status                  show applied, pending and failed migrations
 * pnpm db:check                   compare the capture installed in the database with the registry; exit 1 if it differs
 * pnpm db:grant --runtime <role> [--seeder <role>]
 *                                 give the application's role what it needs and nothing more (run as the owner)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { assertPostgresUrl, auditRegistry, databaseEnv as env, DatabaseConfigError, openDatabase } from '@auditlog/db';
import type { Database } from '@auditlog/db';
import { migrateDatabase, migrationFactoryFor } from '../database.ts';
import { pgliteMigrationFactory, postgresMigrationFactory } from './adapters.ts';
import { createMigration, defaultPaths, migrationStatus } from './index.ts';
import { auditTriggerMigrationSql, REGISTRY_PATH, writeAuditRegistry } from './audit-triggers.ts';

/** Runs `fn` with the database of DATABASE_URL (or DATA_DIR), closing it after. */
async function withDatabase(fn: (db: Database) => Promise<void>): Promise<void> {
  const db = await openDatabase();
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

/** Writes a new migration from schema.prisma and the audit triggers, and the registry when it changed. */
async function migrate(name: string | undefined, stepFile: string | undefined): Promise<void> {
  if (!name) throw new DatabaseConfigError('Name the migration: pnpm db:migrate --name add_contracts');
  const step =
    stepFile === undefined
      ? undefined
      : await readFile(path.resolve(process.env.INIT_CWD ?? process.cwd(), stepFile), 'utf8');
  // Only a shadow database is needed to compute the difference: the server's when configured, else in memory.
  const shadowHost = env.databaseUrl ? undefined : await PGlite.create();
  const factory = env.databaseUrl
    ? postgresMigrationFactory(assertPostgresUrl(env.databaseUrl).href)
    : pgliteMigrationFactory(shadowHost as PGlite);
  try {
    const extraSql = auditTriggerMigrationSql(defaultPaths.schema);
    const created = await createMigration(factory, { name, step, extraSql });
    console.log(
      created ? `Created ${created.path}` : 'schema.prisma and the audit triggers match the migrations: nothing to do.',
    );
    if (await writeAuditRegistry(defaultPaths.schema)) console.log(`Updated ${REGISTRY_PATH}`);
  } finally {
    await shadowHost?.close();
  }
}

async function deploy(db: Database): Promise<void> {
  const applied = await migrateDatabase(db);
  console.log(
    applied.length ? `Applied to ${db.description}:\n  ${applied.join('\n  ')}` : `${db.description} is up to date.`,
  );
}

/** Prints what differs between the installed capture and the registry; exit code 1 on an error. */
async function check(db: Database): Promise<void> {
  const problems = await db.checkCapture();
  for (const problem of problems)
    console.log(`${problem.severity === 'error' ? 'ERROR  ' : 'warning'}  ${problem.message}`);
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  console.log(
    errors
      ? `\n${db.description}: the audit capture does not match this build (${errors} error(s)).`
      : `${db.description}: the audit capture matches this build.`,
  );
  if (errors) process.exitCode = 1;
}

async function grant(db: Database, roles: { runtime?: string; seeder?: string }): Promise<void> {
  if (roles.runtime)
    await db.prisma.$executeRawUnsafe(`SELECT ${auditRegistry.internalSchema}.grant_runtime($1)`, roles.runtime);
  if (roles.seeder)
    await db.prisma.$executeRawUnsafe(`SELECT ${auditRegistry.internalSchema}.grant_seeder($1)`, roles.seeder);
  console.log(
    [
      roles.runtime && `${roles.runtime} may now run the application (DML on business tables, read-only audit log).`,
      roles.seeder && `${roles.seeder} may now backdate entries (demo seeding).`,
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string', short: 'n' },
      step: { type: 'string' },
      runtime: { type: 'string' },
      seeder: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (command === 'migrate') return migrate(values.name, values.step);
  if (command === 'deploy') return withDatabase(deploy);
  if (command === 'status')
    return withDatabase(async (db) =>
      console.log(JSON.stringify(await migrationStatus(migrationFactoryFor(db)), null, 2)),
    );
  if (command === 'check') return withDatabase(check);
  if (command === 'grant') {
    if (!values.runtime && !values.seeder)
      throw new DatabaseConfigError('Name a role: pnpm db:grant --runtime auditlog_app [--seeder auditlog_seed]');
    return withDatabase((db) => grant(db, values));
  }
  throw new DatabaseConfigError(
    'Usage: migrate --name <name> | deploy | status | check | grant --runtime <role> [--seeder <role>]',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof DatabaseConfigError ? error.message : error);
  process.exitCode = 1;
});
