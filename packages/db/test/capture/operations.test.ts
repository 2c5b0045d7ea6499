/**
 * Every kind of write leaves one entry per affected row, written in the same statement, so that it commits and
 * rolls back with the change: plain calls, batch transactions and interactive transactions alike.
 */
import { withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import type { AuditedPrismaClient, AuditedTransactionClient, Prisma } from '../../src/index.ts';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { countEntries, createOrganization, entriesFor, unique } from '../../src/testing/fixtures.ts';

type Mode = 'plain' | 'batch transaction' | 'interactive transaction';
const modes: Mode[] = ['plain', 'batch transaction', 'interactive transaction'];

/** Runs one Prisma operation in `mode`; the operation is built on the client it is given (the tx when interactive). */
async function run<T>(
  prisma: AuditedPrismaClient,
  mode: Mode,
  op: (client: AuditedTransactionClient) => Prisma.PrismaPromise<T>,
): Promise<T> {
  if (mode === 'plain') return op(prisma);
  if (mode === 'batch transaction') {
    const [result] = await prisma.$transaction([op(prisma)]);
    return result;
  }
  return prisma.$transaction((tx) => op(tx));
}

describe.each(testEngines)('capture of every write on %s', (engine) => {
  const db = useTestDatabase(engine);

  describe.each(modes)('%s', (mode) => {
    async function setup() {
      const { organization, user } = await createOrganization(db().prisma);
      const as = <T>(fn: () => PromiseLike<T>) => withAuditContext({ userId: user.id, ipAddress: '203.0.113.7' }, fn);
      return { prisma: db().prisma, org: organization.id, user, as };
    }

    it('create writes one create entry with the values set', async () => {
      const { prisma, org, user, as } = await setup();
      const client = await as(() =>
        run(prisma, mode, (c) =>
          c.client.create({ data: { organizationId: org, name: 'Northwind', industry: 'Retail' } }),
        ),
      );
      const [entry, ...rest] = await entriesFor(prisma, [client.id]);
      expect(rest).toHaveLength(0);
      expect(entry).toMatchObject({
        action: 'create',
        entityType: 'client',
        entityId: client.id,
        organizationId: org,
        actorType: 'USER',
        actorUserId: user.id,
        actorName: user.name,
        actorEmail: user.email,
        ipAddress: '203.0.113.7',
        changes: {
          name: { before: null, after: 'Northwind' },
          industry: { before: null, after: 'Retail' },
          status: { before: null, after: 'ACTIVE' },
        },
      });
    });

    it('createMany writes one entry per row', async () => {
      const { prisma, org, as } = await setup();
      const names = [unique('a'), unique('b'), unique('c')];
      const result = await as(() =>
        run(prisma, mode, (c) => c.vendor.createMany({ data: names.map((name) => ({ organizationId: org, name })) })),
      );
      expect(result.count).toBe(3);
      const vendors = await prisma.vendor.findMany({ where: { name: { in: names } } });
      const entries = await entriesFor(
        prisma,
        vendors.map((v) => v.id),
      );
      expect(entries.map((e) => e.action)).toEqual(['create', 'create', 'create']);
      expect(new Set(entries.map((e) => (e.changes as { name: { after: string } }).name.after))).toEqual(
        new Set(names),
      );
    });

    it('createManyAndReturn writes one entry per row', async () => {
      const { prisma, org, as } = await setup();
      const created = await as(() =>
        run(prisma, mode, (c) =>
          c.vendor.createManyAndReturn({
            data: [
              { organizationId: org, name: unique('v') },
              { organizationId: org, name: unique('v') },
            ],
          }),
        ),
      );
      expect(
        await countEntries(
          prisma,
          created.map((v) => v.id),
        ),
      ).toBe(2);
    });

    it('update writes one update entry with only the changed fields', async () => {
      const { prisma, org, as } = await setup();
      const ticket = await prisma.ticket.create({
        data: { organizationId: org, number: 1, subject: 'Printer offline' },
      });
      await as(() =>
        run(prisma, mode, (c) =>
          c.ticket.update({ where: { id: ticket.id }, data: { status: 'OPEN', priority: 'HIGH' } }),
        ),
      );
      const entries = await entriesFor(prisma, [ticket.id]);
      expect(entries.map((e) => e.action)).toEqual(['create', 'update']);
      expect(entries[1]?.changes).toEqual({
        status: { before: 'NEW', after: 'OPEN' },
        priority: { before: 'NORMAL', after: 'HIGH' },
      });
    });

    it('updateMany writes one entry per changed row, none for rows left as they were', async () => {
      const { prisma, org, as } = await setup();
      const a = await prisma.asset.create({ data: { organizationId: org, name: 'PC-1', type: 'WORKSTATION' } });
      const b = await prisma.asset.create({ data: { organizationId: org, name: 'PC-2', type: 'WORKSTATION' } });
      const c = await prisma.asset.create({
        data: { organizationId: org, name: 'PC-3', type: 'WORKSTATION', status: 'RETIRED' },
      });
      const result = await as(() =>
        run(prisma, mode, (cl) => cl.asset.updateMany({ where: { organizationId: org }, data: { status: 'RETIRED' } })),
      );
      expect(result.count).toBe(3);
      const updates = (await entriesFor(prisma, [a.id, b.id, c.id])).filter((e) => e.action === 'update');
      expect(updates.map((e) => e.entityId).sort()).toEqual([a.id, b.id].sort());
      for (const e of updates)
        expect(e.changes, `update of ${e.entityId}`).toEqual({ status: { before: 'IN_SERVICE', after: 'RETIRED' } });
    });

    it('updateManyAndReturn writes one entry per changed row', async () => {
      const { prisma, org, as } = await setup();
      const contacts = await prisma.contact.createManyAndReturn({
        data: [
          { organizationId: org, name: 'Ann' },
          { organizationId: org, name: 'Bo' },
        ],
      });
      await as(() =>
        run(prisma, mode, (c) =>
          c.contact.updateManyAndReturn({ where: { organizationId: org }, data: { title: 'IT lead' } }),
        ),
      );
      const updates = (
        await entriesFor(
          prisma,
          contacts.map((c) => c.id),
        )
      ).filter((e) => e.action === 'update');
      expect(updates).toHaveLength(2);
      for (const e of updates)
        expect(e.changes, `update of ${e.entityId}`).toEqual({ title: { before: null, after: 'IT lead' } });
    });

    it('upsert writes a create entry when it inserts and an update entry when it updates', async () => {
      const { prisma, org, as } = await setup();
      const slug = unique('upsert');
      const upsert = (name: string) => (c: AuditedTransactionClient) =>
        c.organization.upsert({ where: { slug }, create: { name, slug }, update: { name } });
      const created = await as(() => run(prisma, mode, upsert('First name')));
      await as(() => run(prisma, mode, upsert('Second name')));
      const entries = await entriesFor(prisma, [created.id]);
      expect(entries.map((e) => [e.action, e.changes])).toEqual([
        [
          'create',
          {
            name: { before: null, after: 'First name' },
            slug: { before: null, after: slug },
            createdAt: { before: null, after: created.createdAt.toISOString() },
          },
        ],
        ['update', { name: { before: 'First name', after: 'Second name' } }],
      ]);
      expect(org).not.toBe(created.id);
    });

    it('delete writes one delete entry with the values removed', async () => {
      const { prisma, org, as } = await setup();
      const buyer = await prisma.client.create({ data: { organizationId: org, name: 'Acme' } });
      const quote = await prisma.quote.create({
        data: { organizationId: org, clientId: buyer.id, number: unique('Q'), title: 'Firewall', total: '1250.50' },
      });
      await as(() => run(prisma, mode, (c) => c.quote.delete({ where: { id: quote.id } })));
      const entries = await entriesFor(prisma, [quote.id]);
      expect(entries.map((e) => e.action)).toEqual(['create', 'delete']);
      expect(entries[1]?.changes).toMatchObject({
        title: { before: 'Firewall', after: null },
        total: { before: '1250.50', after: null },
        number: { before: quote.number, after: null },
      });
    });

    it('deleteMany writes one entry per deleted row', async () => {
      const { prisma, org, as } = await setup();
      const vendors = await prisma.vendor.createManyAndReturn({
        data: [1, 2, 3, 4].map((i) => ({ organizationId: org, name: `V${i}` })),
      });
      const result = await as(() => run(prisma, mode, (c) => c.vendor.deleteMany({ where: { organizationId: org } })));
      expect(result.count).toBe(4);
      const deletes = (
        await entriesFor(
          prisma,
          vendors.map((v) => v.id),
        )
      ).filter((e) => e.action === 'delete');
      expect(deletes.map((e) => e.entityId).sort()).toEqual(vendors.map((v) => v.id).sort());
    });

    it('nested writes under a parent’s data are captured, with the same actor', async () => {
      const { prisma, org, user, as } = await setup();
      const client = await as(() =>
        run(prisma, mode, (c) =>
          c.client.create({
            data: {
              organizationId: org,
              name: 'Contoso',
              contacts: { create: [1, 2, 3].map((i) => ({ organizationId: org, name: `Contact ${i}` })) },
            },
            include: { contacts: true },
          }),
        ),
      );
      const entries = await entriesFor(prisma, [client.id, ...client.contacts.map((c) => c.id)]);
      expect(entries).toHaveLength(4);
      expect(entries.map((e) => e.entityType).sort()).toEqual(['client', 'contact', 'contact', 'contact']);
      for (const e of entries) expect(e.actorUserId, `${e.action} of ${e.entityType} ${e.entityId}`).toBe(user.id);

      const first = client.contacts[0];
      if (!first) throw new Error('no contact');
      await as(() =>
        run(prisma, mode, (c) =>
          c.client.update({
            where: { id: client.id },
            data: { status: 'ON_HOLD', contacts: { update: { where: { id: first.id }, data: { isPrimary: true } } } },
          }),
        ),
      );
      const after = await entriesFor(prisma, [client.id, first.id]);
      expect(
        after
          .filter((e) => e.action === 'update')
          .map((e) => e.entityType)
          .sort(),
      ).toEqual(['client', 'contact']);
    });

    it('raw SQL is captured too, with the context', async () => {
      const { prisma, org, user, as } = await setup();
      const id = unique('raw');
      await as(() =>
        run(
          prisma,
          mode,
          (c) =>
            c.$executeRaw`INSERT INTO "Vendor" (id, "organizationId", name, "updatedAt") VALUES (${id}, ${org}, 'Raw vendor', now())`,
        ),
      );
      await as(() =>
        run(prisma, mode, (c) => c.$executeRaw`UPDATE "Vendor" SET name = 'Renamed raw vendor' WHERE id = ${id}`),
      );
      await as(() => run(prisma, mode, (c) => c.$executeRaw`DELETE FROM "Vendor" WHERE id = ${id}`));
      const entries = await entriesFor(prisma, [id]);
      expect(entries.map((e) => e.action)).toEqual(['create', 'update', 'delete']);
      expect(entries[1]?.changes).toEqual({ name: { before: 'Raw vendor', after: 'Renamed raw vendor' } });
      for (const e of entries) expect(e.actorUserId, `${e.action} of ${e.entityType} ${e.entityId}`).toBe(user.id);
    });
  });

  describe('rollbacks leave no entry', () => {
    it('an interactive transaction that throws leaves neither the change nor its entry', async () => {
      const { organization } = await createOrganization(db().prisma);
      const name = unique('rolled-back');
      await expect(
        db().prisma.$transaction(async (tx) => {
          await tx.client.create({ data: { organizationId: organization.id, name } });
          await tx.client.updateMany({ where: { name }, data: { notes: 'changed' } });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await db().prisma.client.count({ where: { name } })).toBe(0);
      const entries = await db().prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM "AuditLog" WHERE changes::text LIKE ${`%${name}%`}`;
      expect(Number(entries[0]?.n)).toBe(0);
    });

    it('a batch transaction whose last statement fails leaves no entry of the earlier ones', async () => {
      const { organization } = await createOrganization(db().prisma);
      const ticket = await db().prisma.ticket.create({
        data: { organizationId: organization.id, number: 7, subject: 'VPN' },
      });
      await expect(
        db().prisma.$transaction([
          db().prisma.ticket.update({ where: { id: ticket.id }, data: { subject: 'VPN down' } }),
          // Same (organizationId, number) as the ticket above: a unique violation.
          db().prisma.ticket.create({ data: { organizationId: organization.id, number: 7, subject: 'Duplicate' } }),
        ]),
      ).rejects.toThrow();
      expect((await entriesFor(db().prisma, [ticket.id])).map((e) => e.action)).toEqual(['create']);
    });

    it('a failed write rolls back its own entry', async () => {
      const { organization } = await createOrganization(db().prisma);
      const invoiceClient = await db().prisma.client.create({
        data: { organizationId: organization.id, name: 'Billing' },
      });
      await db().prisma.invoice.create({
        data: { organizationId: organization.id, clientId: invoiceClient.id, number: 'INV-1' },
      });
      const before = await db().prisma.auditLog.count();
      await expect(db().prisma.client.delete({ where: { id: invoiceClient.id } })).rejects.toThrow(); // restricted by the invoice
      expect(await db().prisma.auditLog.count()).toBe(before);
    });
  });
});
