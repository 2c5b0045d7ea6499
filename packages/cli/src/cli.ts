/**
 * auditlog generate --schema prisma/schema.prisma [--config file] [--out file]   the capture SQL (stdout or --out)
 * auditlog check    --schema prisma/schema.prisma [--config file]                DATABASE_URL's capture: 0 same, 1 differs
 * auditlog init     [--model AuditLog] [--single-tenant]                         the audit model and a config to start from
 *
 * Dev- and deploy-time only (decision 014): the app's runtime imports `@auditlog/audit`, never this.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { check, generate } from './commands.ts';
import { CliError } from './config-file.ts';
import { auditModelSchema } from './model.ts';

export const USAGE = `Usage:
  auditlog generate --schema <schema.prisma> [--config <file>] [--out <file>]
  auditlog check --schema <schema.prisma> [--config <file>]      (reads DATABASE_URL)
  auditlog init [--model AuditLog] [--single-tenant]`;

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
}

const EXAMPLE_CONFIG = {
  auditModel: 'AuditLog',
  actorModel: { model: 'User', nameField: 'name', emailField: 'email' },
  models: { Task: { entityType: 'task', label: 'title', sensitive: ['apiToken'] } },
  entityTypes: { task: { label: 'Task' } },
  runtimeRoles: ['app'],
};

function init(model: string, singleTenant: boolean, io: Io): number {
  io.stdout(
    singleTenant
      ? `// 1. Paste into schema.prisma (a single-tenant app: no tenant column, entries have no organization):\n\n`
      : `// 1. Paste into schema.prisma (every audited model needs an organizationId column, the tenant;\n//    a single-tenant app: auditlog init --single-tenant):\n\n`,
  );
  io.stdout(auditModelSchema(model, { singleTenant }));
  const config = singleTenant
    ? { tenant: false, ...EXAMPLE_CONFIG, auditModel: model }
    : { ...EXAMPLE_CONFIG, auditModel: model };
  io.stdout(`\n// 2. Save next to it as auditlog.config.json:\n\n${JSON.stringify(config, null, 2)}\n`);
  io.stdout(`\n// 3. Then: auditlog generate --schema prisma/schema.prisma --out <migration folder>/migration.sql\n`);
  return 0;
}

async function run(argv: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      schema: { type: 'string' },
      config: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      'single-tenant': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    io.stdout(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (command === 'init') return init(values.model ?? 'AuditLog', values['single-tenant'] ?? false, io);
  if (command !== 'generate' && command !== 'check') throw new CliError(`Unknown command "${command}".\n${USAGE}`);
  if (!values.schema) throw new CliError(`Name the Prisma schema: auditlog ${command} --schema prisma/schema.prisma`);
  const options = { schema: values.schema, ...(values.config ? { config: values.config } : {}) };

  if (command === 'generate') {
    const sql = await generate(options);
    if (values.out) {
      await writeFile(values.out, sql);
      io.stderr(`Wrote the capture SQL to ${values.out}\n`);
    } else io.stdout(sql);
    return 0;
  }
  const url = io.env.DATABASE_URL;
  if (!url) throw new CliError('Set DATABASE_URL to the database to check (postgres://user:password@host/db).');
  const problems = await check(options, url);
  const errors = problems.filter((problem) => problem.severity === 'error');
  for (const problem of problems) io.stderr(`${problem.severity}: ${problem.message}\n`);
  if (errors.length) {
    io.stderr(
      `The installed capture differs from ${values.schema} (${errors.length} problem(s)): regenerate and apply it.\n`,
    );
    return 1;
  }
  io.stdout('The installed capture matches the schema and config.\n');
  return 0;
}

/** Runs one command; answers the exit code. Errors a person can fix are printed without a stack. */
export async function main(argv: string[], io: Io): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    const fixable =
      error instanceof CliError ||
      (error instanceof Error && error.name === 'AuditConfigError') ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'));
    if (!fixable) throw error;
    io.stderr(`auditlog: ${error.message}\n`);
    return 2;
  }
}
