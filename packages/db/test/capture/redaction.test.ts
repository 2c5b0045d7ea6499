/**
 * Canary secrets written through every kind of operation must not appear anywhere in the audit table: not in
 * changes, not in metadata, not in any column.
 */
import { withAuditContext } from '@auditlog/audit';
import { SECRET_NAMES } from '@auditlog/audit/testing';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from '../../src/testing/fixtures.ts';

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
      nested: {
        PRIVATE_KEY: secret('PRIVATE_KEY'),
        list: [{ apiKey: secret('apiKey') }, { password: secret('password') }],
      },
      ssnEncrypted: secret('ssnEncrypted'),
      encrypted_blob: secret('encrypted_blob'),
      mfa_secret: secret('mfa_secret'),
      'totp-secret': secret('totp-secret'),
    });

    await withAuditContext({ userId: user.id }, async () => {
      // create, update, upsert, createMany, nested, delete
      const u = await prisma().user.create({
        data: {
          organizationId: org,
          name: 'Sam',
          email: 'sam@example.test',
          passwordHash: secret('hash'),
          mfaSecret: secret('mfa'),
        },
      });
      await prisma().user.update({
        where: { id: u.id },
        data: { passwordHash: secret('hash2'), mfaSecret: secret('mfa2') },
      });
      const integration = await prisma().integration.create({
        data: {
          organizationId: org,
          name: 'RMM',
          provider: 'ninja',
          settings: settings(),
          encryptedCredentials: Buffer.from(secret('bytes')),
        },
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
        data: {
          users: { create: { name: 'Nested', email: 'nested@example.test', passwordHash: secret('nested-hash') } },
        },
      });
      await prisma().apiKey.create({
        data: { organizationId: org, name: 'CI', prefix: 'ak_ci', keyHash: secret('keyHash'), scopes: ['audit:read'] },
      });
      await prisma().$executeRaw`UPDATE "User" SET "passwordHash" = ${secret('raw-hash')} WHERE id = ${u.id}`;
      await prisma().$record({
        organizationId: org,
        action: 'permission_change',
        entityType: 'user',
        entityId: u.id,
        changes: {
          password: { before: secret('rec-before'), after: secret('rec-after') },
          role: { before: 'TECHNICIAN', after: 'ADMIN' },
        },
        metadata: {
          note: 'rotated',
          credentials: { client_secret: secret('meta') },
          tokens: [{ refreshToken: secret('meta2') }],
        },
      });
      await prisma().integration.delete({ where: { id: integration.id } });
      await prisma().user.delete({ where: { id: u.id } });
    });

    const rows = await prisma().$queryRaw<{ row: string }[]>`SELECT t::text AS row FROM "AuditLog" t`;
    const table = rows.map((r) => r.row).join('\n');
    expect(secrets.length).toBeGreaterThan(40);
    for (const value of secrets) expect(table, value).not.toContain(value);
    expect(table).toContain('[REDACTED]');
    expect(table).toContain('[BINARY DATA]');
  });

  it('redacts every secret name of the audit, at any depth of Json, and secret values in any text, through the triggers', async () => {
    const { organization, user } = await createOrganization(prisma());
    const secrets: string[] = [];
    // Without dashes, so that the canary inside a token is the very text to look for.
    const secret = (label: string) => {
      const value = canary(label).replaceAll('-', '');
      secrets.push(value);
      return value;
    };
    const named = Object.fromEntries(
      SECRET_NAMES.map((name) => [name, name === 'apiKeys' ? [secret(name), secret(name)] : secret(name)]),
    );
    const values = {
      jwt: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIke${secret('jwt')}fQ.c2lnbmF0dXJl`,
      pem: `-----BEGIN RSA PRIVATE KEY-----\nMIIE${secret('pem')}\n-----END RSA PRIVATE KEY-----`,
      bearer: `Authorization: Bearer ${secret('bearer')}`,
      url: `postgres://app:${secret('urlpw')}@db.internal:5432/app`,
      card: '4111 1111 1111 1111',
      aws: 'AKIAIOSFODNN7EXAMPLE',
    };
    await withAuditContext({ userId: user.id }, async () => {
      const client = await prisma().client.create({
        data: {
          organizationId: organization.id,
          name: 'Secrets everywhere',
          notes: Object.values(values).join(' | '),
          billingAddress: {
            street: 'Main St',
            deep: { deeper: { deepest: [{ ...named }] } },
            texts: Object.values(values),
          },
        },
      });
      await prisma().client.update({
        where: { id: client.id },
        data: { notes: `again: ${values.jwt} and ${values.card}`, billingAddress: { ...named } },
      });
      await prisma().$record({
        organizationId: organization.id,
        action: 'export',
        entityType: 'client',
        entityId: client.id,
        metadata: { ...named, note: values.url },
      });
    });
    const rows = await prisma().$queryRaw<
      { row: string }[]
    >`SELECT t::text AS row FROM "AuditLog" t WHERE "organizationId" = ${organization.id}`;
    const table = rows.map((r) => r.row).join('\n');
    expect(secrets.length).toBeGreaterThan(30);
    for (const value of [...secrets, values.card, values.aws]) expect(table, value).not.toContain(value);
    expect(table).toContain('Main St');
  });

  it('shows that a secret changed without showing it, and keeps non-secret JSON readable', async () => {
    const { organization } = await createOrganization(prisma());
    const integration = await prisma().integration.create({
      data: {
        organizationId: organization.id,
        name: 'Mail',
        provider: 'imap',
        settings: { host: 'imap.example.test', password: 'p1' },
      },
    });
    await prisma().integration.update({
      where: { id: integration.id },
      data: { settings: { host: 'imap.example.test', password: 'p2' }, encryptedCredentials: Buffer.from([1, 2, 3]) },
    });
    const [, update] = await entriesFor(prisma(), [integration.id]);
    const fingerprint = expect.stringMatching(/^[0-9a-f]{16}$/);
    expect(update?.changes).toEqual({
      // The stored sides are equal, so the change carries keyed fingerprints of both: "changed (value hidden)".
      settings: {
        before: { host: 'imap.example.test', password: '[REDACTED]' },
        after: { host: 'imap.example.test', password: '[REDACTED]' },
        fingerprint: { before: fingerprint, after: fingerprint },
      },
      encryptedCredentials: { before: null, after: '[BINARY DATA]', fingerprint: { after: fingerprint } },
    });
    const settings = (update?.changes as { settings: { fingerprint: { before: string; after: string } } }).settings;
    expect(settings.fingerprint.before).not.toBe(settings.fingerprint.after);
  });

  it('fingerprints every change of a secret field, equal when it changes back, never equal across records', async () => {
    const { organization } = await createOrganization(prisma());
    const user = (email: string) =>
      prisma().user.create({
        data: {
          organizationId: organization.id,
          name: email,
          email: `${email}-${organization.id}@example.test`,
          passwordHash: 'same-hash',
        },
      });
    const [first, second] = [await user('first'), await user('second')];
    for (const hash of ['other-hash', 'same-hash'])
      await prisma().user.update({ where: { id: first.id }, data: { passwordHash: hash } });
    type Change = { before: unknown; after: unknown; fingerprint: { before?: string; after?: string } };
    const changesOf = async (id: string) =>
      (await entriesFor(prisma(), [id])).map((e) => (e.changes as { passwordHash: Change }).passwordHash);
    const [created, changed, changedBack] = await changesOf(first.id);
    const [otherCreated] = await changesOf(second.id);
    expect(created).toEqual({
      before: null,
      after: '[REDACTED]',
      fingerprint: { after: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
    expect(changed?.before).toBe('[REDACTED]');
    expect(changed?.fingerprint.before).toBe(created?.fingerprint.after);
    expect(changed?.fingerprint.after).not.toBe(created?.fingerprint.after);
    // Back to the first value: the reader can tell, without learning the value.
    expect(changedBack?.fingerprint.after).toBe(created?.fingerprint.after);
    // The same hash in another record fingerprints differently: two users sharing a password stay unlinkable.
    expect(otherCreated?.fingerprint.after).not.toBe(created?.fingerprint.after);
  });

  it('fingerprints a text whose only difference was redacted, and redacts secrets inside any text', async () => {
    const { organization } = await createOrganization(prisma());
    const ticket = await prisma().ticket.create({
      data: {
        organizationId: organization.id,
        number: 77,
        subject: 'Card',
        description: 'Charge card 4111 1111 1111 1111 please',
      },
    });
    await prisma().ticket.update({
      where: { id: ticket.id },
      data: { description: 'Charge card 4012 8888 8888 1881 please' },
    });
    await prisma().ticket.update({
      where: { id: ticket.id },
      data: { description: 'Charge card 4012 8888 8888 1881 now' },
    });
    const [created, hidden, visible] = await entriesFor(prisma(), [ticket.id]);
    expect((created?.changes as Record<string, unknown>).description).toEqual({
      before: null,
      after: 'Charge card [REDACTED] please',
    });
    expect((hidden?.changes as Record<string, unknown>).description).toEqual({
      before: 'Charge card [REDACTED] please',
      after: 'Charge card [REDACTED] please',
      fingerprint: { before: expect.stringMatching(/^[0-9a-f]{16}$/), after: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
    // A change the stored values show needs no fingerprint.
    expect((visible?.changes as Record<string, unknown>).description).toEqual({
      before: 'Charge card [REDACTED] please',
      after: 'Charge card [REDACTED] now',
    });
  });
});
