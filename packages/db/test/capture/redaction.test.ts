/**
 * Canary secrets written through every kind of operation must not appear anywhere in the audit table: not in
 * changes, not in metadata, not in any column.
 */
import { withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from './fixtures.ts';

const canary = (label: string) => `CANARY-${label}-${Math.random().toString(36).slice(2)}`;

describe.each(testEngines)('redaction on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  it('no canary secret written through any operation reaches the audit table', async () => {
    const { organization, user } = await createOrganization(prisma());
    const org = organization.id;
    const secrets: string[] = [];
    const secret = (label: string) => {
      const value = canary(label);
      secrets.push(value);
      return value;
    };
    const settings = () => ({
      region: 'eu',
      token: secret('token'),
      accessToken: secret('accessToken'),
      refresh_token: secret('refresh_token'),
      Client_Secret: secret('Client_Secret'),
      nested: { PRIVATE_KEY: secret('PRIVATE_KEY'), list: [{ apiKey: secret('apiKey') }, { password: secret('password') }] },
      ssnEncrypted: secret('ssnEncrypted'),
      encrypted_blob: secret('encrypted_blob'),
      mfa_secret: secret('mfa_secret'),
      'totp-secret': secret('totp-secret'),
    });

    await withAuditContext({ userId: user.id }, async () => {
      // create, update, upsert, createMany, nested, delete
      const u = await prisma().user.create({
        data: { organizationId: org, name: 'Sam', email: 'sam@example.test', passwordHash: secret('hash'), mfaSecret: secret('mfa') },
      });
      await prisma().user.update({ where: { id: u.id }, data: { passwordHash: secret('hash2'), mfaSecret: secret('mfa2') } });
      const integration = await prisma().integration.create({
        data: { organizationId: org, name: 'RMM', provider: 'ninja', settings: settings(), encryptedCredentials: Buffer.from(secret('bytes')) },
      });
      await prisma().integration.update({
        where: { id: integration.id },
        data: { settings: settings(), encryptedCredentials: Buffer.from(secret('bytes2')) },
      });
      await prisma().integration.upsert({
        where: { id: integration.id },
        create: { organizationId: org, name: 'x', provider: 'x' },
        update: { settings: settings() },
      });
      await prisma().integration.createMany({
        data: [1, 2].map((i) => ({ organizationId: org, name: `Sync ${i}`, provider: 'm365', settings: settings() })),
      });
      await prisma().organization.update({
        where: { id: org },
        data: { users: { create: { name: 'Nested', email: 'nested@example.test', passwordHash: secret('nested-hash') } } },
      });
      await prisma().apiKey.create({ data: { organizationId: org, name: 'CI', prefix: 'ak_ci', keyHash: secret('keyHash'), scopes: ['audit:read'] } });
      await prisma().$executeRaw`UPDATE "User" SET "passwordHash" = ${secret('raw-hash')} WHERE id = ${u.id}`;
      await prisma().$record({
        organizationId: org,
        action: 'permission_change',
        entityType: 'user',
        entityId: u.id,
        changes: { password: { before: secret('rec-before'), after: secret('rec-after') }, role: { before: 'TECHNICIAN', after: 'ADMIN' } },
        metadata: { note: 'rotated', credentials: { client_secret: secret('meta') }, tokens: [{ refreshToken: secret('meta2') }] },
      });
      await prisma().integration.delete({ where: { id: integration.id } });
      await prisma().user.delete({ where: { id: u.id } });
    });

    const rows = await prisma().$queryRaw<{ row: string }[]>`SELECT t::text AS row FROM "AuditLog" t`;
    const table = rows.map((r) => r.row).join('\n');
    expect(secrets.length).toBeGreaterThan(40);
    for (const value of secrets) expect(table).not.toContain(value);
    expect(table).toContain('[REDACTED]');
    expect(table).toContain('[BINARY DATA]');
  });

  it('shows that a secret changed without showing it, and keeps non-secret JSON readable', async () => {
    const { organization } = await createOrganization(prisma());
    const integration = await prisma().integration.create({
      data: { organizationId: organization.id, name: 'Mail', provider: 'imap', settings: { host: 'imap.example.test', password: 'p1' } },
    });
    await prisma().integration.update({
      where: { id: integration.id },
      data: { settings: { host: 'imap.example.test', password: 'p2' }, encryptedCredentials: Buffer.from([1, 2, 3]) },
    });
    const [, update] = await entriesFor(prisma(), [integration.id]);
    expect(update?.changes).toEqual({
      settings: { before: { host: 'imap.example.test', password: '[REDACTED]' }, after: { host: 'imap.example.test', password: '[REDACTED]' } },
      encryptedCredentials: { before: null, after: '[BINARY DATA]' },
    });
  });
});
