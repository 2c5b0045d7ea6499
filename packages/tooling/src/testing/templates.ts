/**
 * Migrated template databases, made once per test run and copied for each test file (`@auditlog/db/testing`):
 * - PGlite: a dump of a migrated data directory, cached on disk by the hash of the migrations;
 * - PostgreSQL: a database created from the migrations, copied with `CREATE DATABASE … TEMPLATE`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { assertPostgresUrl, dropDatabase } from '@auditlog/db';
import { uniqueDatabaseName, urlFor, withAdminClient } from '@auditlog/db/testing/template';
import type { TemplateInfo } from '@auditlog/db/testing/template';
import { pgliteMigrationFactory, postgresMigrationFactory } from '../migrate/adapters.ts';
import { defaultPaths, deployMigrations, readMigrations } from '../migrate/index.ts';

async function migrationsHash(): Promise<string> {
  const list = await readMigrations(defaultPaths.migrations);
  const hash = createHash('sha256');
  for (const dir of list.migrationDirectories) {
    hash.update(dir.path);
    if (dir.migrationFile.content.tag === 'ok') hash.update(dir.migrationFile.content.value);
  }
  // The resolved path names the installed PGlite version (pnpm's store layout), whose data format the dump is in.
  hash.update(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  return hash.digest('hex').slice(0, 16);
}

async function pgliteTemplate(hash: string): Promise<string> {
  const dir = path.resolve(import.meta.dirname, '../../node_modules/.cache/test-templates');
  const file = path.join(dir, `pglite-${hash}.tar.gz`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const db = await PGlite.create();
  try {
    await deployMigrations(pgliteMigrationFactory(db));
    const dump = await db.dumpDataDir('gzip');
    const partial = `${file}.${process.pid}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await db.close();
  }
  return file;
}

async function postgresTemplate(serverUrl: string, hash: string): Promise<string> {
  const template = uniqueDatabaseName(`auditlog_tmpl_${hash.slice(0, 8)}`);
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${template}"`), 'postgres');
  try {
    await deployMigrations(postgresMigrationFactory(urlFor(serverUrl, template)));
  } catch (error) {
    await dropDatabase(serverUrl, template);
    throw error;
  }
  return template;
}

/** Builds the templates; returns what tests need to copy them and a function that removes them. */
export async function prepareTemplates(): Promise<{ info: TemplateInfo; dispose(): Promise<void> }> {
  const hash = await migrationsHash();
  const serverUrl = process.env.TEST_DATABASE_URL?.trim() || undefined;
  if (serverUrl) assertPostgresUrl(serverUrl, 'TEST_DATABASE_URL');
  // One after the other: PGlite migrates in this thread, in long synchronous stretches of WebAssembly, and a
  // PostgreSQL connection opened meanwhile missed its 5 s connect timeout on a busy 2-vCPU machine ("timeout
  // expired" from the global setup, 2026-12-04), though the server was idle.
  const template = serverUrl ? await postgresTemplate(serverUrl, hash) : undefined;
  const pgliteDump = await pgliteTemplate(hash);
  return {
    info: { pgliteDump, postgres: serverUrl && template ? { url: serverUrl, template } : undefined },
    dispose: async () => {
      if (serverUrl && template) await dropDatabase(serverUrl, template);
    },
  };
}
