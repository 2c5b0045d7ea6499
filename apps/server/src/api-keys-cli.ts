/**
 * pnpm api-key create --org <slug> --name "Billing exporter" --scopes audit:read,audit:write [--expires 90d]
 * pnpm api-key list --org <slug>
 * pnpm api-key revoke --org <slug> --id <key id>
 *
 * Keys are shown once, at creation; only their hash is stored. Uses DATABASE_URL, else the embedded database, which
 * only one process may have open: against a folder a running server holds, this says so and exits 1 (a key written
 * beside a running embedded server would be lost). Pending migrations are applied first as the server applies them
 * on start (`MIGRATE_ON_START`: on except in production, where the migrator role deploys them).
 */
import { parseArgs } from 'node:util';
import { API_KEY_SCOPES, createApiKey, parseExpiry, revokeApiKey } from '@auditlog/auth';
import type { ApiKeyScope } from '@auditlog/auth';
import { DatabaseConfigError } from '@auditlog/db';
import type { Database } from '@auditlog/db';
import { runAsSystem } from '@auditlog/audit';
import { openServerDatabase } from './database.ts';
import { readEnv, StartupRefusal } from './env.ts';

class UsageError extends Error {}

const USAGE =
  'Usage: pnpm api-key create|list|revoke --org <slug> [--name <name>] [--scopes audit:read,audit:write] [--expires 90d] [--id <key id>]';

async function run(db: Database, command: string, values: Record<string, string | undefined>): Promise<void> {
  const organization = await db.prisma.organization.findUnique({ where: { slug: values.org ?? '' } });
  if (!organization) throw new UsageError(`No organization has the slug "${values.org}".`);
  // Key management is recorded as System under this tool's name.
  await runAsSystem({ name: 'api-key CLI' }, async () => {
    if (command === 'create') {
      const scopes = (values.scopes ?? 'audit:read').split(',').map((scope) => scope.trim());
      const unknown = scopes.filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
      if (unknown.length)
        throw new UsageError(`Unknown scope(s): ${unknown.join(', ')}. Scopes: ${API_KEY_SCOPES.join(', ')}.`);
      if (!values.name) throw new UsageError('Name the key after the service that uses it: --name "Billing exporter"');
      let expiresAt: Date | undefined;
      try {
        expiresAt = values.expires ? parseExpiry(values.expires) : undefined;
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      const key = await createApiKey(db.prisma, organization.id, {
        name: values.name,
        scopes: scopes as ApiKeyScope[],
        expiresAt,
      });
      const expiry = key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : ', never expires';
      console.log(
        `Created "${key.name}" (${key.scopes.join(', ')}${expiry}), id ${key.id}.\nThe key, shown only now:\n\n  ${key.key}\n`,
      );
    } else if (command === 'list') {
      const keys = await db.prisma.apiKey.findMany({
        where: { organizationId: organization.id },
        orderBy: { createdAt: 'asc' },
      });
      for (const key of keys) {
        const state = key.revokedAt
          ? `revoked ${key.revokedAt.toISOString()}`
          : `last used ${key.lastUsedAt?.toISOString() ?? 'never'}${key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : ''}`;
        console.log(`${key.id}  alk_${key.prefix}_…  ${key.name}  [${key.scopes.join(', ')}]  ${state}`);
      }
      if (keys.length === 0) console.log('No API keys.');
    } else {
      if (!values.id) throw new UsageError('Which key: --id <key id> (see pnpm api-key list)');
      console.log(
        (await revokeApiKey(db.prisma, organization.id, values.id))
          ? 'Revoked.'
          : 'No active key has this id in this organization.',
      );
    }
  });
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      id: { type: 'string' },
      expires: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(USAGE);
  if (!values.org) throw new UsageError('Name the organization: --org <slug> (e.g. --org northwind)');
  const env = readEnv();
  const db = await openServerDatabase({}, env.MIGRATE_ON_START ?? env.NODE_ENV !== 'production');
  try {
    await run(db, command, values);
  } finally {
    await db.close();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(
      error instanceof UsageError || error instanceof DatabaseConfigError || error instanceof StartupRefusal
        ? error.message
        : error,
    );
    process.exit(1);
  },
);
