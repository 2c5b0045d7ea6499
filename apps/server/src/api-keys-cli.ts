/**
 * pnpm api-key create --org <slug> --name "Billing exporter" --scopes audit:read,audit:write
 * pnpm api-key list --org <slug>
 * pnpm api-key revoke --org <slug> --id <key id>
 *
 * Keys are shown once, at creation; only their hash is stored. Uses DATABASE_URL, else the embedded database.
 */
import { parseArgs } from 'node:util';
import { API_KEY_SCOPES, createApiKey, revokeApiKey } from '@auditlog/auth';
import type { ApiKeyScope } from '@auditlog/auth';
import { openDatabase } from '@auditlog/db';
import { runAsSystem } from '@auditlog/audit';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { org: { type: 'string' }, name: { type: 'string' }, scopes: { type: 'string' }, id: { type: 'string' } },
});

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const command = positionals[0];
if (!command || !['create', 'list', 'revoke'].includes(command)) fail('Usage: pnpm api-key create|list|revoke --org <slug> …');
if (!values.org) fail('Name the organization: --org <slug> (e.g. --org northwind)');

const db = await openDatabase({ migrate: true });
try {
  const organization = await db.prisma.organization.findUnique({ where: { slug: values.org } });
  if (!organization) fail(`No organization has the slug "${values.org}".`);
  // Key management is recorded as System under this tool's name.
  await runAsSystem({ name: 'api-key CLI' }, async () => {
    if (command === 'create') {
      const scopes = (values.scopes ?? 'audit:read').split(',').map((scope) => scope.trim());
      const unknown = scopes.filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
      if (unknown.length) fail(`Unknown scope(s): ${unknown.join(', ')}. Scopes: ${API_KEY_SCOPES.join(', ')}.`);
      if (!values.name) fail('Name the key after the service that uses it: --name "Billing exporter"');
      const key = await createApiKey(db.prisma, organization.id, { name: values.name, scopes: scopes as ApiKeyScope[] });
      console.log(`Created "${key.name}" (${key.scopes.join(', ')}), id ${key.id}.\nThe key, shown only now:\n\n  ${key.key}\n`);
    } else if (command === 'list') {
      const keys = await db.prisma.apiKey.findMany({ where: { organizationId: organization.id }, orderBy: { createdAt: 'asc' } });
      for (const key of keys) {
        const state = key.revokedAt ? `revoked ${key.revokedAt.toISOString()}` : `last used ${key.lastUsedAt?.toISOString() ?? 'never'}`;
        console.log(`${key.id}  alk_${key.prefix}_…  ${key.name}  [${key.scopes.join(', ')}]  ${state}`);
      }
      if (keys.length === 0) console.log('No API keys.');
    } else {
      if (!values.id) fail('Which key: --id <key id> (see pnpm api-key list)');
      console.log((await revokeApiKey(db.prisma, organization.id, values.id)) ? 'Revoked.' : 'No active key has this id in this organization.');
    }
  });
} finally {
  await db.close();
}
