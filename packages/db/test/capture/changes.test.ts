/** `changes` holds exactly the fields whose value changed, under their Prisma names, in a JSON-safe form. */
import { capText, redactText, withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from '../../src/testing/fixtures.ts';

describe.each(testEngines)('changes on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  it('an update that changes nothing, or only updatedAt, writes no entry', async () => {
    const { organization } = await createOrganization(prisma());
    const client = await prisma().client.create({ data: { organizationId: organization.id, name: 'Same' } });
    await prisma().client.update({ where: { id: client.id }, data: { name: 'Same' } });
    await prisma().client.update({ where: { id: client.id }, data: { updatedAt: new Date(Date.now() + 60_000) } });
    await prisma().client.updateMany({ where: { id: client.id }, data: { name: 'Same', industry: null } });
    expect((await entriesFor(prisma(), [client.id])).map((e) => e.action)).toEqual(['create']);
  });

  it('fields the config ignores never make an entry (a user’s last sign-in time)', async () => {
    const { user } = await createOrganization(prisma());
    await prisma().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    expect((await entriesFor(prisma(), [user.id])).map((e) => e.action)).toEqual(['create']);
  });

  it('JSON is compared deeply: reordered keys are no change, a nested change is one', async () => {
    const { organization } = await createOrganization(prisma());
    const client = await prisma().client.create({
      data: {
        organizationId: organization.id,
        name: 'Json Inc',
        billingAddress: { city: 'Lyon', lines: ['1 rue A'], geo: { lat: 45.7 } },
      },
    });
    await prisma().client.update({
      where: { id: client.id },
      data: { billingAddress: { geo: { lat: 45.7 }, lines: ['1 rue A'], city: 'Lyon' } },
    });
    expect(await entriesFor(prisma(), [client.id])).toHaveLength(1);
    await prisma().client.update({
      where: { id: client.id },
      data: { billingAddress: { geo: { lat: 45.76 }, lines: ['1 rue A'], city: 'Lyon' } },
    });
    const entries = await entriesFor(prisma(), [client.id]);
    expect(entries[1]?.changes).toEqual({
      billingAddress: {
        before: { city: 'Lyon', lines: ['1 rue A'], geo: { lat: 45.7 } },
        after: { city: 'Lyon', lines: ['1 rue A'], geo: { lat: 45.76 } },
      },
    });
  });

  it('dates, decimals and big integers are stored in a JSON-safe, exact form', async () => {
    const { organization } = await createOrganization(prisma());
    const asset = await prisma().asset.create({
      data: {
        organizationId: organization.id,
        name: 'SAN-01',
        type: 'SERVER',
        purchasedAt: new Date('2024-02-29T13:45:07.123Z'),
        purchaseCost: '12345.67',
        diskBytes: 9_007_199_254_740_993n, // 2^53 + 1: not representable as a JavaScript number
      },
    });
    const client = await prisma().client.create({ data: { organizationId: organization.id, name: 'Contracted' } });
    const contract = await prisma().contract.create({
      data: {
        organizationId: organization.id,
        clientId: client.id,
        name: 'Managed services',
        monthlyValue: '999.90',
        startsOn: new Date('2026-01-01'),
      },
    });
    const [assetEntry] = await entriesFor(prisma(), [asset.id]);
    expect(assetEntry?.changes).toMatchObject({
      purchasedAt: { before: null, after: '2024-02-29T13:45:07.123Z' },
      purchaseCost: { before: null, after: '12345.67' },
      diskBytes: { before: null, after: '9007199254740993' },
    });
    const [contractEntry] = await entriesFor(prisma(), [contract.id]);
    expect(contractEntry?.changes).toMatchObject({
      monthlyValue: { before: null, after: '999.90' },
      startsOn: { before: null, after: '2026-01-01' },
      autoRenew: { before: null, after: true },
    });
  });

  it('a changed text is stored as audit_text stores it: plain, secret, capped or null on either side', async () => {
    const { organization } = await createOrganization(prisma());
    const long = (letter: string) => `${letter.repeat(9_000)} end`;
    const card = 'paid with 4111 1111 1111 1111 today';
    const client = await prisma().client.create({
      data: {
        organizationId: organization.id,
        name: 'Acme "Ltd" \\ ñ',
        website: 'https://acme.test',
        phone: 'token=abcdefghijklmnop',
        notes: long('x'),
      },
    });
    // Plain to plain (quotes, a backslash, a newline, a non-ASCII letter), null to plain, plain to null, a secret to
    // plain, long to long, plain to a card number: every side stored as the TypeScript rule would store it.
    const next = { name: 'Bolton\n\u00e9', industry: 'IT', website: null, phone: 'call me', notes: long('y') };
    await prisma().client.update({ where: { id: client.id }, data: next });
    await prisma().client.update({ where: { id: client.id }, data: { industry: card } });
    const [, changed, secret] = await entriesFor(prisma(), [client.id]);
    const stored = (text: string | null) => (text === null ? null : capText(redactText(text)));
    expect(changed?.changes).toEqual({
      name: { before: 'Acme "Ltd" \\ ñ', after: 'Bolton\n\u00e9' },
      industry: { before: null, after: 'IT' },
      website: { before: 'https://acme.test', after: null },
      phone: { before: stored('token=abcdefghijklmnop'), after: 'call me' },
      notes: { before: stored(long('x')), after: stored(long('y')) },
    });
    expect(stored('token=abcdefghijklmnop')).not.toContain('abcdefghijklmnop');
    expect(stored(long('x'))).toMatch(/^\[TRUNCATED /);
    expect(secret?.changes).toEqual({ industry: { before: 'IT', after: stored(card) } });
    expect(JSON.stringify(secret?.changes)).not.toContain('4111');
  });

  it('a create records the values set and a delete the values removed, nulls left out', async () => {
    const { organization } = await createOrganization(prisma());
    const contact = await prisma().contact.create({
      data: { organizationId: organization.id, name: 'Dana', email: 'dana@example.test' },
    });
    await prisma().contact.delete({ where: { id: contact.id } });
    const [created, deleted] = await entriesFor(prisma(), [contact.id]);
    const createdAt = contact.createdAt.toISOString();
    expect(created?.changes).toEqual({
      name: { before: null, after: 'Dana' },
      email: { before: null, after: 'dana@example.test' },
      isPrimary: { before: null, after: false },
      createdAt: { before: null, after: createdAt },
    });
    expect(deleted?.changes).toEqual({
      name: { before: 'Dana', after: null },
      email: { before: 'dana@example.test', after: null },
      isPrimary: { before: false, after: null },
      createdAt: { before: createdAt, after: null },
    });
  });

  it('keys are Prisma field names, not column names', async () => {
    const { organization } = await createOrganization(prisma());
    const vendor = await prisma().vendor.create({
      data: { organizationId: organization.id, name: 'Dell', accountNumber: 'ACC-42' },
    });
    const [entry] = await entriesFor(prisma(), [vendor.id]);
    expect(entry?.changes).toHaveProperty('accountNumber', { before: null, after: 'ACC-42' });
    expect(entry?.changes).not.toHaveProperty('account_number');
  });

  it('the id, organization and updatedAt are not repeated in changes; createdAt is a field like any other', async () => {
    const { organization } = await createOrganization(prisma());
    const vendor = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'HP' } });
    const [entry] = await entriesFor(prisma(), [vendor.id]);
    expect(Object.keys(entry?.changes ?? {})).toEqual(['name', 'createdAt']);
  });

  it('a cascaded delete records the children too, with the same actor', async () => {
    const { organization, user } = await createOrganization(prisma());
    const invoiceClient = await prisma().client.create({ data: { organizationId: organization.id, name: 'Cascade' } });
    const invoice = await prisma().invoice.create({
      data: {
        organizationId: organization.id,
        clientId: invoiceClient.id,
        number: 'INV-CASCADE',
        lines: {
          create: [
            {
              organizationId: organization.id,
              description: 'Support hours',
              quantity: '3',
              unitPrice: '90',
              amount: '270',
            },
            { organizationId: organization.id, description: 'Licence', unitPrice: '30', amount: '30' },
          ],
        },
      },
      include: { lines: true },
    });
    await withAuditContext({ userId: user.id }, () => prisma().invoice.delete({ where: { id: invoice.id } }));
    const deletes = (await entriesFor(prisma(), [invoice.id, ...invoice.lines.map((l) => l.id)])).filter(
      (e) => e.action === 'delete',
    );
    expect(deletes.map((e) => e.entityType).sort()).toEqual(['invoice', 'invoice_line', 'invoice_line']);
    for (const e of deletes) expect(e.actorUserId, `delete of ${e.entityType} ${e.entityId}`).toBe(user.id);
  });

  it('entries carry UUIDv7 ids that sort with their time', async () => {
    const { organization } = await createOrganization(prisma());
    const vendor = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'Lenovo' } });
    await prisma().vendor.update({ where: { id: vendor.id }, data: { name: 'Lenovo Group' } });
    const entries = await entriesFor(prisma(), [vendor.id]);
    for (const entry of entries) {
      expect(entry.id, entry.action).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const millis = parseInt(entry.id.replaceAll('-', '').slice(0, 12), 16);
      expect(millis, `${entry.action} ${entry.id}`).toBe(entry.createdAt.getTime());
    }
  });
});
