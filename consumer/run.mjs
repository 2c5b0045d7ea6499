#!/usr/bin/env node
/**
 * `pnpm test:consumer`: the published packages, used as another team would, outside this workspace.
 *
 * Packs the packages (`pnpm pack:packages`), copies consumer/app into a temp dir, installs the tarballs with npm
 * (and Prisma 7, pg, tRPC, React 18, TypeScript from the registry; no install scripts: Prisma's engine downloads are
 * not needed), generates its Prisma client offline, makes its own PostgreSQL database and runtime role, applies its
 * tables and `auditlog generate`'s capture SQL, checks it with `auditlog check`, typechecks with a strict tsconfig,
 * runs the app with plain `node` as the runtime role, then adds a column behind the capture's back and expects
 * `auditlog check` to fail naming it. Then the same app without tenants (`tenant: false`) in a second database.
 * Each step is bounded in time; the databases, the role and the temp dir are removed after, also when a step fails.
 *
 *   CONSUMER_DATABASE_URL  the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
 *   KEEP_CONSUMER=1        keep the temp dir (its path is printed)
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { error, log } from 'node:console';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const server = new URL(process.env.CONSUMER_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const database = `auditlog_consumer_${randomBytes(6).toString('hex')}`;
// Roles belong to the whole server: this run's own (the app's config names it in the temp copy), dropped at the end.
const role = `${database}_app`;
const urlFor = (user, db = database) => {
  const url = new URL(server);
  url.pathname = `/${db}`;
  url.username = user;
  url.password = user === role ? '' : url.password;
  return url.toString();
};

const MINUTE = 60_000;
let step = 0;
/** Runs a command, bounded in time; prints its output only when it fails (or always, with `show`). */
function run(what, command, args, { cwd, env = {}, timeout = 2 * MINUTE, show = false, expectCode = 0 } = {}) {
  step += 1;
  const started = Date.now();
  process.stdout.write(`${step}. ${what} … `);
  let code = 0;
  let output;
  try {
    output = execFileSync(command, args, {
      cwd,
      // pnpm passes its own settings as npm_config_*: npm would warn about each of them.
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_config_'))), ...env },
      timeout,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (failure) {
    code = failure.status ?? 1;
    output = `${failure.stdout ?? ''}${failure.stderr ?? ''}`;
    if (failure.signal) output += `\n(stopped after ${timeout / 1000} s: ${failure.signal})`;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (expectCode !== null && code !== expectCode) {
    log(`FAILED (exit ${code}, expected ${expectCode}, ${seconds} s)`);
    error(output);
    throw new Error(`consumer test failed at step ${step}: ${what}`);
  }
  log(`ok (${seconds} s)`);
  if (show) log(output.trimEnd().replace(/^/gm, '   | '));
  return output;
}

const psql = (what, sql, user = server.username, db = database, options = {}) =>
  run(what, 'psql', ['-v', 'ON_ERROR_STOP=1', '-X', '-q', '-d', urlFor(user, db), ...sql], options);

/**
 * `tsc` with the consumer's strict tsconfig, skipLibCheck off: every declaration of ours and of Prisma is checked.
 * tRPC's own declarations fail that check (its wsLink types import `ws` as a namespace: trpc/trpc#6136), for any
 * app that uses @trpc/client, with or without us: those errors are printed and tolerated, every other one fails.
 */
function typecheck() {
  const output = run('tsc with the strict consumer tsconfig (skipLibCheck off)', 'npx', ['tsc', '-p', '.'], {
    cwd: dir,
    timeout: 4 * MINUTE,
    expectCode: null,
  });
  const errors = output.split('\n').filter((line) => /error TS\d+/.test(line));
  const upstream = errors.filter((line) => line.startsWith('node_modules/@trpc/'));
  const ours = errors.filter((line) => !upstream.includes(line));
  if (upstream.length)
    log(`   tolerated, in tRPC's own declarations (trpc/trpc#6136):\n   | ${upstream.join('\n   | ')}`);
  if (ours.length) {
    error(ours.join('\n'));
    throw new Error(`the consumer's strict typecheck failed: ${ours.length} error(s) outside tRPC's declarations`);
  }
}

/**
 * The same app without tenants (`tenant: false`): its schema, tables and audit model lose organizationId, and the
 * installed `auditlog` writes a capture for that shape; writes as the runtime role are captured, the secret redacted,
 * with no organization. (SQL writes here: the extension's path is the multi-tenant run's.)
 */
function singleTenant() {
  const single = join(dir, 'single');
  mkdirSync(single);
  const withoutTenant = (text) =>
    text
      .replaceAll(/^ +organizationId +String\n/gm, '')
      .replaceAll(/^ +"organizationId" TEXT NOT NULL,\n/gm, '')
      .replaceAll('[organizationId, ', '[')
      .replaceAll('"organizationId", "createdAt"', '"createdAt"')
      .replaceAll('_organizationId_', '_');
  const schema = withoutTenant(readFileSync(join(dir, 'prisma/schema.prisma'), 'utf8'));
  const tables = withoutTenant(readFileSync(join(dir, 'prisma/migrations/0001_init/migration.sql'), 'utf8'));
  writeFileSync(join(single, 'schema.prisma'), schema);
  writeFileSync(join(single, 'tables.sql'), tables);
  const config = JSON.parse(readFileSync(join(dir, 'prisma/auditlog.config.json'), 'utf8'));
  writeFileSync(join(single, 'auditlog.config.json'), JSON.stringify({ ...config, tenant: false }));
  if (`${schema}${tables}`.includes('organizationId'))
    throw new Error('the single-tenant schema or tables still have an organizationId');

  psql(
    'single-tenant: create its database',
    ['-c', `CREATE DATABASE ${singleDatabase}`],
    server.username,
    server.pathname.slice(1),
  );
  psql('single-tenant: apply its tables', ['-1', '-f', join(single, 'tables.sql')], undefined, singleDatabase);
  const out = join(single, 'capture.sql');
  run(
    'single-tenant: auditlog generate',
    'npx',
    ['auditlog', 'generate', '--schema', join(single, 'schema.prisma'), '--out', out],
    { cwd: dir },
  );
  psql('single-tenant: apply the capture SQL as the owner', ['-1', '-f', out], undefined, singleDatabase);
  run(
    'single-tenant: auditlog check: the capture matches',
    'npx',
    ['auditlog', 'check', '--schema', join(single, 'schema.prisma')],
    {
      cwd: dir,
      env: { DATABASE_URL: urlFor(server.username, singleDatabase) },
    },
  );
  psql(
    'single-tenant: write as the runtime role',
    [
      '-c',
      `INSERT INTO "Project" (name) VALUES ('Solo')`,
      '-c',
      `INSERT INTO "Task" (id, "projectId", title, "apiToken") SELECT 't1', id, 'Draft', 'tok-solo-secret' FROM "Project"`,
      '-c',
      `UPDATE "Task" SET title = 'Final' WHERE id = 't1'`,
    ],
    role,
    singleDatabase,
  );
  const entries = psql(
    'single-tenant: read the entries',
    ['-At', '-c', `SELECT "entityType" || ' ' || action || ' ' || changes::text FROM activity_entries ORDER BY id`],
    undefined,
    singleDatabase,
    { show: true },
  );
  const expected = ['project create', 'task create', 'task update'];
  const got = entries
    .trim()
    .split('\n')
    .map((line) => line.split(' ').slice(0, 2).join(' '));
  if (JSON.stringify(got) !== JSON.stringify(expected))
    throw new Error(`single-tenant entries: expected ${expected.join(', ')}, got ${got.join(', ')}`);
  if (entries.includes('tok-solo-secret') || !entries.includes('"apiToken": {"after": "[REDACTED]"'))
    throw new Error('single-tenant: the task’s apiToken was not redacted');
}

const singleDatabase = `${database}_single`;
const dir = mkdtempSync(join(tmpdir(), 'auditlog-consumer-'));
let created = false;
try {
  const tarballs = run('pack the publishable packages', 'pnpm', ['--silent', 'pack:packages'], {
    cwd: root,
    timeout: 10 * MINUTE,
  })
    .split('\n')
    .filter((line) => line.endsWith('.tgz'));
  if (tarballs.length !== readdirSync(join(root, 'packs')).length || tarballs.length < 4)
    throw new Error(`expected a tarball per publishable package, got ${tarballs.join(', ')}`);

  cpSync(join(root, 'consumer/app'), dir, { recursive: true });
  const configPath = join(dir, 'prisma/auditlog.config.json');
  writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), runtimeRoles: [role] }));
  const dependency = (tgz) => [tgz.match(/(auditlog-[a-z]+)-\d/)[1].replace('auditlog-', '@auditlog/'), `file:${tgz}`];
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: 'consumer-app',
        private: true,
        type: 'module',
        dependencies: {
          ...Object.fromEntries(tarballs.map(dependency)),
          '@prisma/client': '7.10.0',
          '@prisma/adapter-pg': '7.10.0',
          pg: '^8.16.0',
          '@trpc/client': '11.19.0',
          '@trpc/server': '11.19.0',
          '@trpc/react-query': '11.19.0',
          '@tanstack/react-query': '^5.80.3',
          react: '^18.3.1',
          'react-dom': '^18.3.1',
        },
        devDependencies: {
          prisma: '7.10.0',
          typescript: '6.0.3',
          '@types/node': '^20.19.0',
          '@types/react': '^18.3.0',
          '@types/react-dom': '^18.3.0',
        },
      },
      null,
      2,
    ),
  );
  log(`   in ${dir}`);
  run(
    'npm install the tarballs (no install scripts)',
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    {
      cwd: dir,
      timeout: 8 * MINUTE,
    },
  );
  run('prisma generate, offline', 'npx', ['prisma', 'generate', '--schema', 'prisma/schema.prisma'], {
    cwd: dir,
    env: { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
  });

  // Before, not after: if one of the two is made and the other fails, the cleanup still drops what exists.
  created = true;
  psql(
    'create the app’s database and runtime role',
    ['-c', `CREATE DATABASE ${database}`, '-c', `CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`],
    server.username,
    server.pathname.slice(1),
  );
  psql(
    'apply the app’s tables (migration 0001)',
    ['-1', '-f', 'prisma/migrations/0001_init/migration.sql'],
    undefined,
    database,
    { cwd: dir },
  );
  mkdirSync(join(dir, 'prisma/migrations/0002_audit_capture'));
  const out = 'prisma/migrations/0002_audit_capture/migration.sql';
  run(
    'auditlog generate --out (migration 0002)',
    'npx',
    ['auditlog', 'generate', '--schema', 'prisma/schema.prisma', '--out', out],
    { cwd: dir },
  );
  psql('apply the capture SQL as the owner', ['-1', '-f', out], undefined, database, { cwd: dir });
  run('auditlog check: the capture matches', 'npx', ['auditlog', 'check', '--schema', 'prisma/schema.prisma'], {
    cwd: dir,
    env: { DATABASE_URL: urlFor(server.username) },
    show: true,
  });
  typecheck();
  run('node dist/main.js as the runtime role', 'node', ['dist/main.js'], {
    cwd: dir,
    env: { DATABASE_URL: urlFor(role) },
    show: true,
  });
  run('node dist/clients.js: the typed clients import', 'node', ['dist/clients.js'], { cwd: dir, show: true });
  run('node dist/render.js: the React hooks render with the app’s React 18', 'node', ['dist/render.js'], {
    cwd: dir,
    show: true,
  });

  psql('add a column behind the capture’s back', ['-c', 'ALTER TABLE "Task" ADD COLUMN "notes" text']);
  const drift = run(
    'auditlog check: fails, naming the column',
    'npx',
    ['auditlog', 'check', '--schema', 'prisma/schema.prisma'],
    {
      cwd: dir,
      env: { DATABASE_URL: urlFor(server.username) },
      expectCode: 1,
      show: true,
    },
  );
  if (!drift.includes('notes')) throw new Error('auditlog check did not name the added column "notes"');
  singleTenant();
  log('\nconsumer test passed');
} finally {
  if (created) {
    // The role last: its grants were all in the databases.
    const cleanup = [
      ['the database', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`],
      ['the single-tenant database', `DROP DATABASE IF EXISTS ${singleDatabase} WITH (FORCE)`],
      ['the runtime role', `DROP ROLE IF EXISTS ${role}`],
    ];
    for (const [what, sql] of cleanup) {
      try {
        psql(`drop ${what}`, ['-c', sql], server.username, server.pathname.slice(1));
      } catch {
        error(`could not drop ${what} (${sql})`);
      }
    }
  }
  if (process.env.KEEP_CONSUMER === '1') log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}
