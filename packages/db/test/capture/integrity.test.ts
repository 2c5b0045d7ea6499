/**
 * Nothing goes around capture, and nothing is invented: TRUNCATE, moves between organizations, primary-key changes
 * (including permutations of keys in one statement), rewritten createdAt, the order of entries, values that do not
 * depend on the session's settings, and semantic actions declared in the config. Each test is the attack that the
 * first version of the engine failed.
 */
import { withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../src/index.ts';
import type { AuditedPrismaClient } from '../../src/index.ts';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor, unique } from '../../src/testing/fixtures.ts';

type Changes = Record<string, { before: unknown; after: unknown }>;
const changesOf = (entry: { changes: unknown } | undefined) => (entry?.changes ?? {}) as Changes;

/** Every entry of the organizations, in the log's order (oldest first). */
function entriesOf(prisma: AuditedPrismaClient, organizationIds: string[]) {
  return prisma.auditLog.findMany({
    where: { organizationId: { in: organizationIds } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

describe.each(testEngines)('capture integrity on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  /** Tickets created in this order, with ids that sort in this order too (so an index scan meets them so). */
  async function ticketsOf(organizationId: string, subjects: string[]) {
    const base = Math.floor(Math.random() * 1_000_000);
    const prefix = unique('ticket');
    return prisma().ticket.createManyAndReturn({
      data: subjects.map((subject, i) => ({
        id: `${prefix}-${String(i).padStart(3, '0')}`,
        organizationId,
        number: base + i,
        subject,
      })),
    });
  }

  describe('TRUNCATE', () => {
    it('writes one delete entry per removed row, of every organization, with the same shape as DELETE and the same actor', async () => {
      const a = await createOrganization(prisma());
      const b = await createOrganization(prisma());
      const [kept] = await ticketsOf(a.organization.id, ['deleted one by one']);
      if (!kept) throw new Error('no ticket');
      await prisma().ticket.delete({ where: { id: kept.id } });
      const [deleteEntry] = (await entriesFor(prisma(), [kept.id])).filter((e) => e.action === 'delete');
      const truncated = [
        ...(await ticketsOf(a.organization.id, ['Alpha', 'Beta'])),
        ...(await ticketsOf(b.organization.id, ['Gamma'])),
      ];

      await withAuditContext({ userId: a.user.id, requestId: 'req-truncate' }, () =>
        prisma().$executeRawUnsafe('TRUNCATE "Ticket"'),
      );

      expect(await prisma().ticket.count()).toBe(0);
      const entries = (
        await entriesFor(
          prisma(),
          truncated.map((t) => t.id),
        )
      ).filter((e) => e.action === 'delete');
      expect(entries.map((e) => [e.organizationId, changesOf(e).subject?.before]).sort()).toEqual(
        [
          [a.organization.id, 'Alpha'],
          [a.organization.id, 'Beta'],
          [b.organization.id, 'Gamma'],
        ].sort(),
      );
      for (const entry of entries) {
        expect(entry, `the entry of ticket ${entry.entityId}`).toMatchObject({
          entityType: 'ticket',
          actorType: 'USER',
          actorUserId: a.user.id,
          requestId: 'req-truncate',
          metadata: { via: 'truncate' },
        });
        expect(Object.keys(changesOf(entry)).sort(), `the entry of ticket ${entry.entityId}`).toEqual(
          Object.keys(changesOf(deleteEntry)).sort(),
        );
      }
    });

    it('writes the entries of every table a TRUNCATE … CASCADE empties', async () => {
      const { organization, user } = await createOrganization(prisma());
      const client = await prisma().client.create({ data: { organizationId: organization.id, name: 'Cascade Co' } });
      const contact = await prisma().contact.create({
        data: { organizationId: organization.id, clientId: client.id, name: 'Casey' },
      });
      const vendor = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'Vendor Co' } });
      await withAuditContext({ userId: user.id }, () => prisma().$executeRawUnsafe('TRUNCATE "Organization" CASCADE'));

      const deleted = await prisma().auditLog.findMany({
        where: { organizationId: organization.id, action: 'delete' },
      });
      const deletedIds = new Set(deleted.map((e) => `${e.entityType}:${e.entityId}`));
      for (const expected of [
        `organization:${organization.id}`,
        `user:${user.id}`,
        `client:${client.id}`,
        `contact:${contact.id}`,
        `vendor:${vendor.id}`,
      ]) {
        expect(deletedIds, expected).toContain(expected);
      }
      expect(deleted.every((e) => (e.metadata as { via?: string } | null)?.via === 'truncate')).toBe(true);
    });

    it('rolls the entries back with a TRUNCATE that rolls back', async () => {
      const { organization } = await createOrganization(prisma());
      const [ticket] = await ticketsOf(organization.id, ['survives']);
      if (!ticket) throw new Error('no ticket');
      await expect(
        prisma().$transaction(async (tx) => {
          await tx.$executeRawUnsafe('TRUNCATE "Ticket"');
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      expect(await prisma().ticket.count({ where: { id: ticket.id } })).toBe(1);
      expect((await entriesFor(prisma(), [ticket.id])).map((e) => e.action)).toEqual(['create']);
    });
  });

  describe('moves between organizations', () => {
    it('writes a delete with the last values in the old organization and a create in the new one', async () => {
      const from = await createOrganization(prisma());
      const to = await createOrganization(prisma());
      const [ticket] = await ticketsOf(from.organization.id, ['Moving out']);
      if (!ticket) throw new Error('no ticket');
      await withAuditContext({ userId: from.user.id }, () =>
        prisma().ticket.update({
          where: { id: ticket.id },
          data: { organizationId: to.organization.id, subject: 'Moved in' },
        }),
      );

      const [left] = await prisma().auditLog.findMany({
        where: { organizationId: from.organization.id, entityId: ticket.id, action: 'delete' },
      });
      const [arrived] = await prisma().auditLog.findMany({
        where: { organizationId: to.organization.id, entityId: ticket.id, action: 'create' },
      });
      expect(left).toMatchObject({ actorUserId: from.user.id, metadata: { moved: 'out' } });
      expect(changesOf(left).subject).toEqual({ before: 'Moving out', after: null });
      expect(arrived).toMatchObject({ actorUserId: from.user.id, metadata: { moved: 'in' } });
      expect(changesOf(arrived).subject).toEqual({ before: null, after: 'Moved in' });
      // Neither organization sees an update: the old one never learns the new values, nor the new one the old.
      expect(await prisma().auditLog.count({ where: { entityId: ticket.id, action: 'update' } })).toBe(0);
      expect(JSON.stringify(left?.changes)).not.toContain('Moved in');
      expect(JSON.stringify(arrived?.changes)).not.toContain('Moving out');
    });

    it('a forged move hint makes the capture look for moves, and find none: nothing extra is written', async () => {
      const { organization } = await createOrganization(prisma());
      const [ticket] = await ticketsOf(organization.id, ['Stays']);
      if (!ticket) throw new Error('no ticket');
      await prisma().$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SELECT set_config('auditlog.move_tx', pg_current_xact_id()::text, true)`);
        await tx.ticket.update({ where: { id: ticket.id }, data: { subject: 'Still here' } });
      });
      expect((await entriesFor(prisma(), [ticket.id])).map((e) => [e.action, e.organizationId])).toEqual([
        ['create', organization.id],
        ['update', organization.id],
      ]);
    });

    it('moves several rows of one statement, and later updates of the same transaction stay updates', async () => {
      const from = await createOrganization(prisma());
      const to = await createOrganization(prisma());
      const tickets = await ticketsOf(from.organization.id, ['One', 'Two']);
      await prisma().$transaction(async (tx) => {
        await tx.ticket.updateMany({
          where: { id: { in: tickets.map((t) => t.id) } },
          data: { organizationId: to.organization.id },
        });
        await tx.ticket.updateMany({ where: { id: { in: tickets.map((t) => t.id) } }, data: { status: 'OPEN' } });
      });
      const entries = await entriesFor(
        prisma(),
        tickets.map((t) => t.id),
      );
      const actions = entries
        .map((e) => `${e.action}@${e.organizationId === to.organization.id ? 'to' : 'from'}`)
        .sort();
      expect(actions).toEqual(
        [
          'create@from',
          'create@from',
          'create@to',
          'create@to',
          'delete@from',
          'delete@from',
          'update@to',
          'update@to',
        ].sort(),
      );
    });
  });

  describe('primary keys and createdAt', () => {
    it('a rewritten createdAt is an update like any other', async () => {
      const { organization } = await createOrganization(prisma());
      const vendor = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'Backdated' } });
      const at = new Date('2020-01-02T03:04:05.678Z');
      await prisma().vendor.update({ where: { id: vendor.id }, data: { createdAt: at } });
      const update = (await entriesFor(prisma(), [vendor.id])).find((e) => e.action === 'update');
      expect(changesOf(update)).toEqual({
        createdAt: { before: vendor.createdAt.toISOString(), after: at.toISOString() },
      });
    });

    it('a primary-key change writes an update showing the id before and after, under the new id', async () => {
      const { organization } = await createOrganization(prisma());
      const vendor = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'Old key' } });
      const newId = unique('vendor-key');
      await prisma().vendor.update({ where: { id: vendor.id }, data: { id: newId, name: 'New key' } });
      const [entry, ...rest] = (await entriesFor(prisma(), [vendor.id, newId])).filter((e) => e.action !== 'create');
      expect(rest).toEqual([]);
      expect(entry).toMatchObject({ action: 'update', entityId: newId, organizationId: organization.id });
      expect(changesOf(entry)).toEqual({
        id: { before: vendor.id, after: newId },
        name: { before: 'Old key', after: 'New key' },
      });
    });

    it('a statement that shifts keys along a chain writes each key change, and invents no rename', async () => {
      const { organization } = await createOrganization(prisma());
      // Inserted (and keyed) in this order, the rows are updated in it too: Beta takes c, then Alpha takes the key
      // Beta just freed.
      const [beta, alpha] = await ticketsOf(organization.id, ['Beta', 'Alpha']);
      if (!alpha || !beta) throw new Error('no tickets');
      const c = `${beta.id}-c`;
      await prisma().$executeRawUnsafe(
        `UPDATE "Ticket" SET id = CASE id WHEN $1 THEN $2 WHEN $2 THEN $3 END WHERE id IN ($1, $2)`,
        alpha.id,
        beta.id,
        c,
      );
      const updates = (await entriesFor(prisma(), [alpha.id, beta.id, c])).filter((e) => e.action === 'update');
      expect(updates.map((e) => [e.entityId, changesOf(e)]).sort()).toEqual(
        [
          [beta.id, { id: { before: alpha.id, after: beta.id } }],
          [c, { id: { before: beta.id, after: c } }],
        ].sort(),
      );
      for (const entry of updates)
        expect(changesOf(entry), `update of ${entry.entityId}`).not.toHaveProperty('subject');
    });

    it('every key of a statement changed at once: one update per row, none paired with another row', async () => {
      const { organization } = await createOrganization(prisma());
      const tickets = await ticketsOf(organization.id, ['One', 'Two', 'Three']);
      await prisma().$executeRawUnsafe(
        `UPDATE "Ticket" SET id = id || '-renamed' WHERE "organizationId" = $1`,
        organization.id,
      );
      const updates = await prisma().auditLog.findMany({
        where: { organizationId: organization.id, action: 'update', entityType: 'ticket' },
      });
      expect(
        updates.map((e) => changesOf(e)).sort((x, y) => String(x.id?.before).localeCompare(String(y.id?.before))),
      ).toEqual(
        tickets
          .map((t) => ({ id: { before: t.id, after: `${t.id}-renamed` } }))
          .sort((x, y) => x.id.before.localeCompare(y.id.before)),
      );
    });

    it('a key change and an ordinary update of another row in one statement are both captured, once', async () => {
      const { organization } = await createOrganization(prisma());
      const [rekeyed, renamed] = await ticketsOf(organization.id, ['Rekeyed', 'Renamed']);
      if (!rekeyed || !renamed) throw new Error('no tickets');
      const newId = unique('ticket-new');
      await prisma().$executeRawUnsafe(
        `UPDATE "Ticket" SET id = CASE WHEN id = $1 THEN $2 ELSE id END, subject = CASE WHEN id = $3 THEN 'Renamed!' ELSE subject END WHERE id IN ($1, $3)`,
        rekeyed.id,
        newId,
        renamed.id,
      );
      const updates = (await entriesFor(prisma(), [rekeyed.id, renamed.id, newId])).filter(
        (e) => e.action === 'update',
      );
      expect(updates.map((e) => [e.entityId, changesOf(e)]).sort()).toEqual(
        [
          [newId, { id: { before: rekeyed.id, after: newId } }],
          [renamed.id, { subject: { before: 'Renamed', after: 'Renamed!' } }],
        ].sort(),
      );
      // The bookkeeping of the key change is gone with its statement: a later update in the same transaction is seen.
      await prisma().$transaction(async (tx) => {
        await tx.ticket.update({ where: { id: newId }, data: { id: `${newId}-2` } });
        await tx.ticket.update({ where: { id: renamed.id }, data: { subject: 'Again' } });
      });
      expect((await entriesFor(prisma(), [renamed.id])).filter((e) => e.action === 'update')).toHaveLength(2);
      expect((await entriesFor(prisma(), [`${newId}-2`])).map((e) => changesOf(e).id)).toEqual([
        { before: newId, after: `${newId}-2` },
      ]);
    });

    it('a key change that also moves the record is a delete and a create, in each organization', async () => {
      const from = await createOrganization(prisma());
      const to = await createOrganization(prisma());
      const vendor = await prisma().vendor.create({ data: { organizationId: from.organization.id, name: 'Both' } });
      const newId = unique('vendor-moved');
      await prisma().vendor.update({
        where: { id: vendor.id },
        data: { id: newId, organizationId: to.organization.id },
      });
      const entries = (await entriesFor(prisma(), [vendor.id, newId])).filter(
        (e) => e.action !== 'create' || e.entityId === newId,
      );
      expect(entries.map((e) => [e.action, e.organizationId, e.entityId, e.metadata])).toEqual([
        ['delete', from.organization.id, vendor.id, { moved: 'out' }],
        ['create', to.organization.id, newId, { moved: 'in' }],
      ]);
    });
  });

  describe('order', () => {
    it('lists the entries of one statement in the order the rows changed', async () => {
      const { organization } = await createOrganization(prisma());
      const subjects = Array.from({ length: 50 }, (_, i) => `row ${String(i).padStart(2, '0')}`);
      await ticketsOf(organization.id, subjects);
      const created = (await entriesOf(prisma(), [organization.id])).filter((e) => e.entityType === 'ticket');
      expect(created.map((e) => changesOf(e).subject?.after)).toEqual(subjects);
      // Newest first is the reverse, with the id as the tie-breaker the list uses.
      const newestFirst = await prisma().auditLog.findMany({
        where: { organizationId: organization.id, entityType: 'ticket' },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      expect(newestFirst.map((e) => changesOf(e).subject?.after)).toEqual([...subjects].reverse());
    });

    it('lists the entries of one transaction in the order of its statements, within the same millisecond', async () => {
      const { organization } = await createOrganization(prisma());
      const names = ['first', 'second', 'third', 'fourth', 'fifth'];
      await prisma().$transaction(
        names.map((name) => prisma().vendor.create({ data: { organizationId: organization.id, name } })),
      );
      const vendors = (await entriesOf(prisma(), [organization.id])).filter((e) => e.entityType === 'vendor');
      expect(vendors.map((e) => changesOf(e).name?.after)).toEqual(names);
      expect(vendors.map((e) => e.id)).toEqual(vendors.map((e) => e.id).sort());
    });
  });

  describe('values that do not depend on the session', () => {
    it('encodes dates and timestamps the same whatever DateStyle and TimeZone say', async () => {
      const { organization } = await createOrganization(prisma());
      const client = await prisma().client.create({ data: { organizationId: organization.id, name: 'Dates' } });
      const id = unique('contract');
      // Raw SQL: Prisma itself cannot read timestamps back under these settings, which is why the capture must not care.
      await prisma().$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL "DateStyle" = 'SQL, DMY'`);
        await tx.$executeRawUnsafe(`SET LOCAL "TimeZone" = 'America/New_York'`);
        await tx.$executeRawUnsafe(`SET LOCAL "IntervalStyle" = 'sql_standard'`);
        await tx.$executeRawUnsafe(
          `INSERT INTO "Contract" (id, "organizationId", "clientId", name, "monthlyValue", "startsOn", "createdAt", "updatedAt")
           VALUES ($1, $2, $3, 'Support', 99.50, '2025-03-02', '2025-03-02 23:30:00', now())`,
          id,
          organization.id,
          client.id,
        );
      });
      const [entry] = await entriesFor(prisma(), [id]);
      expect(changesOf(entry).startsOn).toEqual({ before: null, after: '2025-03-02' });
      expect(changesOf(entry).createdAt).toEqual({ before: null, after: '2025-03-02T23:30:00.000Z' });
      expect(changesOf(entry).monthlyValue).toEqual({ before: null, after: '99.50' });
    });

    it('keeps infinity and BC dates as what they are', async () => {
      const { organization } = await createOrganization(prisma());
      const [ticket] = await ticketsOf(organization.id, ['Forever']);
      if (!ticket) throw new Error('no ticket');
      const client = await prisma().client.create({ data: { organizationId: organization.id, name: 'Ancient' } });
      const contract = await prisma().contract.create({
        data: {
          organizationId: organization.id,
          clientId: client.id,
          name: 'Old',
          monthlyValue: '1',
          startsOn: new Date('2025-01-01T00:00:00Z'),
        },
      });
      await prisma().$executeRawUnsafe(`UPDATE "Ticket" SET "dueAt" = 'infinity' WHERE id = $1`, ticket.id);
      await prisma().$executeRawUnsafe(
        `UPDATE "Ticket" SET "dueAt" = '0044-03-15 12:00:00 BC' WHERE id = $1`,
        ticket.id,
      );
      await prisma().$executeRawUnsafe(
        `UPDATE "Contract" SET "startsOn" = '-infinity', "endsOn" = '0001-06-01 BC' WHERE id = $1`,
        contract.id,
      );
      const ticketUpdates = (await entriesFor(prisma(), [ticket.id]))
        .filter((e) => e.action === 'update')
        .map((e) => changesOf(e).dueAt);
      expect(ticketUpdates).toEqual([
        { before: null, after: 'infinity' },
        // 44 BC is year -43 in ISO 8601, as JavaScript writes it.
        { before: 'infinity', after: '-000043-03-15T12:00:00.000Z' },
      ]);
      const [contractUpdate] = (await entriesFor(prisma(), [contract.id])).filter((e) => e.action === 'update');
      expect(changesOf(contractUpdate)).toEqual({
        startsOn: { before: '2025-01-01', after: '-infinity' },
        endsOn: { before: null, after: '0000-06-01' },
      });
    });

    it('treats Json null and SQL NULL as the same absence: no change, and nothing in a create', async () => {
      const { organization } = await createOrganization(prisma());
      const client = await prisma().client.create({
        data: { organizationId: organization.id, name: 'Json null', billingAddress: Prisma.JsonNull },
      });
      await prisma().client.update({ where: { id: client.id }, data: { billingAddress: Prisma.DbNull } });
      await prisma().client.update({ where: { id: client.id }, data: { billingAddress: Prisma.JsonNull } });
      const entries = await entriesFor(prisma(), [client.id]);
      expect(entries.map((e) => e.action)).toEqual(['create']);
      expect(changesOf(entries[0])).not.toHaveProperty('billingAddress');
    });
  });

  describe('semantic actions from the config', () => {
    it('writes a role change as permission_change, and the other fields of the same update as an update', async () => {
      const { organization, user } = await createOrganization(prisma());
      const member = await prisma().user.create({
        data: {
          organizationId: organization.id,
          name: 'Member',
          email: `${unique('member')}@example.test`,
          passwordHash: 'x',
          role: 'TECHNICIAN',
        },
      });
      await withAuditContext({ userId: user.id }, () =>
        prisma().user.update({ where: { id: member.id }, data: { role: 'ADMIN' } }),
      );
      await withAuditContext({ userId: user.id }, () =>
        prisma().user.update({ where: { id: member.id }, data: { role: 'OWNER', name: 'Promoted' } }),
      );
      const entries = (await entriesFor(prisma(), [member.id])).filter((e) => e.action !== 'create');
      expect(entries.map((e) => [e.action, changesOf(e)])).toEqual([
        ['permission_change', { role: { before: 'TECHNICIAN', after: 'ADMIN' } }],
        ['update', { name: { before: 'Member', after: 'Promoted' } }],
        ['permission_change', { role: { before: 'ADMIN', after: 'OWNER' } }],
      ]);
      expect(entries.every((e) => e.actorUserId === user.id)).toBe(true);
    });

    it("writes a change of an API key's scopes as permission_change", async () => {
      const { organization } = await createOrganization(prisma());
      const key = await prisma().apiKey.create({
        data: {
          organizationId: organization.id,
          name: 'Exporter',
          prefix: unique('p'),
          keyHash: unique('h'),
          scopes: ['audit:read'],
        },
      });
      await prisma().apiKey.update({ where: { id: key.id }, data: { scopes: ['audit:read', 'audit:write'] } });
      const [entry] = (await entriesFor(prisma(), [key.id])).filter((e) => e.action !== 'create');
      expect(entry).toMatchObject({
        action: 'permission_change',
        changes: { scopes: { before: ['audit:read'], after: ['audit:read', 'audit:write'] } },
      });
    });
  });
});
