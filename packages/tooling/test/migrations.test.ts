import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Prisma } from '@auditlog/db';
import { migrationFactoryFor } from '../src/database.ts';
import {
  createMigration,
  defaultPaths,
  deployMigrations,
  diffDatabaseToSchema,
  diffMigrationsToSchema,
} from '../src/migrate/index.ts';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';

const migrationNames = (await readdir(defaultPaths.migrations, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

describe.each(testEngines)('migrations on %s', (engine) => {
  const db = useTestDatabase(engine, { empty: true });

  it('deploy on an empty database applies every migration and creates a table for every model', async () => {
    expect(await deployMigrations(migrationFactoryFor(db()))).toEqual(migrationNames);
    const tables = await db().prisma.$queryRaw<{ table_name: string }[]>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
    const names = tables.map((t) => t.table_name);
    for (const model of Object.values(Prisma.ModelName)) expect(names, model).toContain(model);
    expect(names).toContain('_prisma_migrations');
  });

  it('records each migration in _prisma_migrations as `prisma migrate deploy` does', async () => {
    const rows = await db().prisma.$queryRaw<
      {
        migration_name: string;
        checksum: string;
        finished_at: Date | null;
        rolled_back_at: Date | null;
        applied_steps_count: number;
      }[]
    >`SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`;
    expect(rows.map((r) => r.migration_name)).toEqual(migrationNames);
    for (const row of rows) {
      const sql = await readFile(path.join(defaultPaths.migrations, row.migration_name, 'migration.sql'));
      expect(row.checksum, row.migration_name).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at, row.migration_name).toBeInstanceOf(Date);
      expect(row.rolled_back_at, row.migration_name).toBeNull();
      expect(row.applied_steps_count, row.migration_name).toBe(1);
    }
  });

  it('a second deploy applies nothing', async () => {
    expect(await deployMigrations(migrationFactoryFor(db()))).toEqual([]);
  });

  it('the database matches schema.prisma: the diff from the database to the schema is empty', async () => {
    expect(await diffDatabaseToSchema(migrationFactoryFor(db()))).toBeNull();
  });

  it('the migrations match schema.prisma: the diff from the migrations to the schema is empty', async () => {
    expect(await diffMigrationsToSchema(migrationFactoryFor(db()))).toBeNull();
  });
});

describe.each(testEngines)('migration authoring and failures on %s', (engine) => {
  const db = useTestDatabase(engine, { empty: true });
  const scratch: string[] = [];
  afterAll(() => Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true }))));

  /** A copy of the schema and migrations that a test may change. */
  async function workspace() {
    const dir = await mkdtemp(path.join(tmpdir(), 'auditlog-migrations-'));
    scratch.push(dir);
    const paths = { schema: path.join(dir, 'schema.prisma'), migrations: path.join(dir, 'migrations') };
    await cp(defaultPaths.schema, paths.schema);
    await cp(defaultPaths.migrations, paths.migrations, { recursive: true });
    return paths;
  }

  it('creates nothing when schema.prisma and the migrations agree', async () => {
    const paths = await workspace();
    expect(await createMigration(migrationFactoryFor(db()), { name: 'nothing', paths })).toBeNull();
    expect((await readdir(paths.migrations)).sort()).toEqual([...migrationNames, 'migration_lock.toml'].sort());
  });

  it('writes a migration folder for a schema change, which then deploys', async () => {
    const paths = await workspace();
    const schema = await readFile(paths.schema, 'utf8');
    await writeFile(paths.schema, `${schema}\nmodel Location {\n  id   String @id\n  name String\n}\n`);
    const created = await createMigration(migrationFactoryFor(db()), {
      name: 'Add locations!',
      paths,
      now: new Date('2030-01-02T03:04:05Z'),
    });
    expect(created?.name).toBe('20300102030405_add_locations');
    expect(
      await readFile(path.join(paths.migrations, '20300102030405_add_locations', 'migration.sql'), 'utf8'),
    ).toContain('CREATE TABLE "Location"');
    expect(await deployMigrations(migrationFactoryFor(db()), paths)).toEqual([...migrationNames, created?.name]);
    expect(await diffDatabaseToSchema(migrationFactoryFor(db()), paths)).toBeNull();
  }, 90_000); // Diff, write, deploy and diff again: 11–32 s on a 2-vCPU VM running the rest of the suite.

  it('a failing migration is recorded as failed, leaves nothing half-applied, and later deploys refuse', async () => {
    const paths = await workspace();
    const broken = path.join(paths.migrations, '20300103000000_broken');
    await cp(path.join(paths.migrations, migrationNames[0] ?? ''), broken, { recursive: true });
    await writeFile(
      path.join(broken, 'migration.sql'),
      'CREATE TABLE "Half" (id int);\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;\nSELECT no_such_function();\n',
    );
    await expect(deployMigrations(migrationFactoryFor(db()), paths)).rejects.toThrow(/no_such_function/);
    const half = await db().prisma.$queryRaw<
      { n: bigint }[]
    >`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'Half'`;
    expect(Number(half[0]?.n)).toBe(0);
    await expect(deployMigrations(migrationFactoryFor(db()), paths)).rejects.toThrow(/20300103000000_broken/);
  });
});
