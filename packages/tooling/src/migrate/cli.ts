/**
 * pnpm db:migrate --name <name>   write a new migration from schema.prisma (and the audit triggers, and the registry)
 * pnpm db:deploy                  apply pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR
 * pnpm db:status                  show applied, pending and failed migrations
 * pnpm db:check                   compare the capture installed in the database with the registry; exit 1 if it differs
 * pnpm db:grant --runtime <role> [--seeder <role>]
 *                                 give the application's role what it needs and nothing more (run as the owner)
 */
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { assertPostgresUrl, auditRegistry, databaseEnv as env, DatabaseConfigError, openDatabase } from '@auditlog/db';
import { migrateDatabase, migrationFactoryFor } from '../database.ts';
import { pgliteMigrationFactory, postgresMigrationFactory } from './adapters.ts';
import { createMigration, defaultPaths, migrationStatus } from './index.ts';
import { auditTriggerMigrationSql, REGISTRY_PATH, writeAuditRegistry } from './audit-triggers.ts';

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { name: { type: 'string', short: 'n' }, runtime: { type: 'string' }, seeder: { type: 'string' } },
  });
  const command = positionals[0];

  if (command === 'migrate') {
    if (!values.name) throw new DatabaseConfigError('Name the migration: pnpm db:migrate --name add_contracts');
    // Only a shadow database is needed to compute the difference: the server's when configured, else in memory.
    const shadowHost = env.databaseUrl ? undefined : await PGlite.create();
    const factory = env.databaseUrl
      ? postgresMigrationFactory(assertPostgresUrl(env.databaseUrl).href)
      : pgliteMigrationFactory(shadowHost as PGlite);
    try {
      const created = await createMigration(factory, {
        name: values.name,
        extraSql: auditTriggerMigrationSql(defaultPaths.schema),
      });
      console.log(
        created
          ? `Created ${created.path}`
          : 'schema.prisma and the audit triggers match the migrations: nothing to do.',
      );
      if (await writeAuditRegistry(defaultPaths.schema)) console.log(`Updated ${REGISTRY_PATH}`);
    } finally {
      await shadowHost?.close();
    }
    return;
  }

  if (command === 'deploy' || command === 'status') {
    const db = await openDatabase();
    try {
      if (command === 'deploy') {
        const applied = await migrateDatabase(db);
        console.log(
          applied.length
            ? `Applied to ${db.description}:\n  ${applied.join('\n  ')}`
            : `${db.description} is up to date.`,
        );
      } else {
        console.log(JSON.stringify(await migrationStatus(migrationFactoryFor(db)), null, 2));
      }
    } finally {
      await db.close();
    }
    return;
  }

  if (command === 'check') {
    const db = await openDatabase();
    try {
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
    } finally {
      await db.close();
    }
    return;
  }

  if (command === 'grant') {
    if (!values.runtime && !values.seeder)
      throw new DatabaseConfigError('Name a role: pnpm db:grant --runtime auditlog_app [--seeder auditlog_seed]');
    const db = await openDatabase();
    try {
      if (values.runtime)
        await db.prisma.$executeRawUnsafe(`SELECT ${auditRegistry.internalSchema}.grant_runtime($1)`, values.runtime);
      if (values.seeder)
        await db.prisma.$executeRawUnsafe(`SELECT ${auditRegistry.internalSchema}.grant_seeder($1)`, values.seeder);
      console.log(
        [
          values.runtime &&
            `${values.runtime} may now run the application (DML on business tables, read-only audit log).`,
          values.seeder && `${values.seeder} may now backdate entries (demo seeding).`,
        ]
          .filter(Boolean)
          .join('\n'),
      );
    } finally {
      await db.close();
    }
    return;
  }

  throw new DatabaseConfigError(
    'Usage: migrate --name <name> | deploy | status | check | grant --runtime <role> [--seeder <role>]',
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof DatabaseConfigError ? error.message : error);
  process.exitCode = 1;
});
