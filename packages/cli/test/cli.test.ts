/**
 * The `auditlog` command on another app's schema (the consumer app of `pnpm test:consumer`): `init` prints a model
 * that `generate` accepts, `generate` writes the capture SQL with the append-only guard and the runtime grants,
 * config mistakes are named, and `check` answers 0 on a database with that capture and 1 naming what differs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli.ts';

const app = resolve(import.meta.dirname, '../../../consumer/app/prisma');
const schema = join(app, 'schema.prisma');
const scratch = mkdtempSync(join(tmpdir(), 'auditlog-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env });
  return { code, stdout, stderr };
}

describe('auditlog generate and init', () => {
  it('writes the capture SQL for the schema, with the append-only guard and the runtime role’s grants', async () => {
    const { code, stdout } = await run(['generate', '--schema', schema]);
    expect(code).toBe(0);
    expect(stdout).toContain('-- audit-capture-hash:');
    expect(stdout).toMatch(/CREATE TRIGGER \S+ BEFORE UPDATE OR DELETE OR TRUNCATE ON "public"\."activity_entries"/);
    expect(stdout).toContain(`SELECT "auditlog".grant_runtime('auditlog_consumer_app');`);
    expect(stdout).toContain('"Task"');
  });

  it('writes to --out and says so on stderr, keeping stdout clean', async () => {
    const out = join(scratch, 'capture.sql');
    const { code, stdout, stderr } = await run(['generate', '--schema', schema, '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(out);
    expect(readFileSync(out, 'utf8')).toContain('-- audit-capture-hash:');
  });

  it('prints a model and config that generate accepts', async () => {
    const { code, stdout } = await run(['init']);
    expect(code).toBe(0);
    const [, model = ''] = /\n\n([\s\S]*?)\n\/\/ 2\./.exec(stdout) ?? [];
    const dir = mkdtempSync(join(scratch, 'init-'));
    const base = readFileSync(schema, 'utf8').split('/// Written only')[0] ?? '';
    writeFileSync(join(dir, 'schema.prisma'), `${base}\n${model}`);
    const config = JSON.parse(readFileSync(join(app, 'auditlog.config.json'), 'utf8')) as object;
    writeFileSync(join(dir, 'auditlog.config.json'), JSON.stringify({ ...config, auditModel: 'AuditLog' }));
    expect(await run(['generate', '--schema', join(dir, 'schema.prisma')])).toMatchObject({ code: 0 });
  });

  it('prints, with --single-tenant, a model without organizationId and a tenant: false config that generate accepts', async () => {
    const { code, stdout } = await run(['init', '--single-tenant']);
    expect(code).toBe(0);
    const [, model = ''] = /\n\n([\s\S]*?)\n\/\/ 2\./.exec(stdout) ?? [];
    const [, printed = '{}'] = /auditlog\.config\.json:\n\n(\{[\s\S]*?\n\})\n/.exec(stdout) ?? [];
    expect(model).toContain('model AuditLog {');
    expect(model).not.toContain('organizationId');
    expect(JSON.parse(printed)).toMatchObject({ tenant: false, auditModel: 'AuditLog' });
    const dir = mkdtempSync(join(scratch, 'single-'));
    // The consumer's app without its tenant columns.
    const base = (readFileSync(schema, 'utf8').split('/// Written only')[0] ?? '').replaceAll(
      /^ +organizationId +String\n/gm,
      '',
    );
    writeFileSync(join(dir, 'schema.prisma'), `${base}\n${model}`);
    const config = JSON.parse(readFileSync(join(app, 'auditlog.config.json'), 'utf8')) as object;
    writeFileSync(
      join(dir, 'auditlog.config.json'),
      JSON.stringify({ ...config, tenant: false, auditModel: 'AuditLog' }),
    );
    const generated = await run(['generate', '--schema', join(dir, 'schema.prisma')]);
    expect(generated).toMatchObject({ code: 0 });
    expect(generated.stdout).not.toContain('organizationId');
  });

  it('reads auditlog.config.mjs (a default export, for labels that need a function) when there is no JSON', async () => {
    const dir = mkdtempSync(join(scratch, 'mjs-'));
    writeFileSync(join(dir, 'schema.prisma'), readFileSync(schema));
    const config = JSON.parse(readFileSync(join(app, 'auditlog.config.json'), 'utf8')) as object;
    writeFileSync(
      join(dir, 'auditlog.config.mjs'),
      `export default ${JSON.stringify({ ...config, runtimeRoles: ['mjs_role'] })};`,
    );
    const { code, stdout } = await run(['generate', '--schema', join(dir, 'schema.prisma')]);
    expect(code).toBe(0);
    expect(stdout).toContain(`grant_runtime('mjs_role')`);
  });

  it.each([
    ['a schema that is not there', () => join(scratch, 'missing', 'schema.prisma'), /No Prisma schema/],
    ['no config next to the schema', () => withoutConfig(), /No audit config.*auditlog init/],
    ['a config naming a model the schema lacks', () => withConfig({ models: { Ticket: {} } }), /Ticket/],
    [
      'an entity type in neither the catalog nor the config',
      () => withConfig({ entityTypes: {} }),
      /"task".*entityTypes/,
    ],
    ['a runtime role that is not a role name', () => withConfig({ runtimeRoles: ["x'; DROP TABLE"] }), /runtimeRoles/],
    ['a tenant setting that is not a boolean', () => withConfig({ tenant: 'no' }), /"tenant" must be true or false/],
  ])('refuses %s with a message and exit code 2', async (_name, schemaPath, message) => {
    const { code, stderr } = await run(['generate', '--schema', schemaPath()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

function withoutConfig(): string {
  const path = join(mkdtempSync(join(scratch, 'none-')), 'schema.prisma');
  writeFileSync(path, readFileSync(schema));
  return path;
}

/** A copy of the consumer's schema with its config changed by `patch`. */
function withConfig(patch: object): string {
  const dir = mkdtempSync(join(scratch, 'config-'));
  const config = JSON.parse(readFileSync(join(app, 'auditlog.config.json'), 'utf8')) as object;
  writeFileSync(join(dir, 'schema.prisma'), readFileSync(schema));
  writeFileSync(join(dir, 'auditlog.config.json'), JSON.stringify({ ...config, ...patch }));
  return join(dir, 'schema.prisma');
}

const server = process.env.TEST_DATABASE_URL;
describe.skipIf(!server)('auditlog check against PostgreSQL', () => {
  const name = `auditlog_cli_${randomUUID().replaceAll('-', '')}`;
  // Roles belong to the whole server: this run's own, dropped at the end whatever happened.
  const role = `${name}_app`;
  const configPath = join(scratch, 'check.config.json');
  const withRole = (args: string[]) => [...args, '--config', configPath];
  const admin = () => new pg.Client({ connectionString: server });
  const url = () => {
    const parsed = new URL(server ?? '');
    parsed.pathname = `/${name}`;
    return parsed.toString();
  };

  afterAll(async () => {
    const client = admin();
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await client.end();
    }
  });

  it('answers 0 when the installed capture matches, then 1 naming a column added without regenerating', async () => {
    const client = admin();
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.query(`CREATE ROLE ${role}`);
    await client.end();
    const config = JSON.parse(readFileSync(join(app, 'auditlog.config.json'), 'utf8')) as object;
    writeFileSync(configPath, JSON.stringify({ ...config, runtimeRoles: [role] }));
    const db = new pg.Client({ connectionString: url() });
    await db.connect();
    try {
      await db.query(readFileSync(join(app, 'migrations/0001_init/migration.sql'), 'utf8'));
      expect((await run(withRole(['check', '--schema', schema]), { DATABASE_URL: url() })).code).toBe(1);
      await db.query((await run(withRole(['generate', '--schema', schema]))).stdout);

      const matching = await run(withRole(['check', '--schema', schema]), { DATABASE_URL: url() });
      expect(matching).toMatchObject({ code: 0, stdout: expect.stringContaining('matches') });

      await db.query('ALTER TABLE "Task" ADD COLUMN "notes" text');
      const drifted = await run(withRole(['check', '--schema', schema]), { DATABASE_URL: url() });
      expect(drifted.code).toBe(1);
      expect(drifted.stderr).toContain('notes');
    } finally {
      await db.end();
    }
  });

  it('says how to fix a missing DATABASE_URL', async () => {
    expect(await run(['check', '--schema', schema])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('DATABASE_URL'),
    });
  });
});
