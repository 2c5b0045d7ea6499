/**
 * Every audited model is named in the list: the labels come from the generated registry alone (tables, columns,
 * label templates), so every model it lists, those audited by the default rule too, gets a live label.
 */
import { quoteIdent, runAsSystem } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { describe, expect, it } from 'vitest';
import { resolveEntityLabels, shortId } from '../src/services/entity-labels.ts';
import { resolveSnapshotLabels } from '../src/services/entity-snapshots.ts';
import { insertSampleRow } from './sample-rows.ts';

describe.each(testEngines)('entity labels on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('does not call a record the log never saw deleted: exists null, named by a short id that tells ids apart', async () => {
    const prisma = db().prisma;
    const refs = auditRegistry.models.map((model) => ({
      type: model.entityType,
      id: `missing-${model.model}-abcd1234`,
    }));
    const labels = await resolveEntityLabels(prisma, 'no-such-organization', refs);
    for (const ref of refs) {
      expect(labels.get(`${ref.type}:${ref.id}`), `${ref.type}`).toEqual({ label: '…abcd1234', exists: null });
    }
  });

  it('names a live record of every audited model by its label template, and only in its organization', async () => {
    const prisma = db().prisma;
    const tenant = auditRegistry.models.find((model) => model.organizationColumn === model.idColumn);
    if (!tenant) throw new Error('the registry has no organization model');
    const samples = await runAsSystem({ name: 'Test setup' }, async () => {
      const org = await insertSampleRow(prisma, auditRegistry.schema, auditRegistry.models, tenant, 'labels-every-org');
      const rows = [];
      for (const model of auditRegistry.models) {
        const row =
          model === tenant
            ? org
            : await insertSampleRow(prisma, auditRegistry.schema, auditRegistry.models, model, org.id);
        rows.push({ model, ...row });
      }
      return rows;
    });
    const refs = samples.map(({ model, id }) => ({ type: model.entityType, id }));
    const labels = await resolveEntityLabels(prisma, 'labels-every-org', refs);
    for (const { model, id, values } of samples) {
      const label = labels.get(`${model.entityType}:${id}`);
      expect(label?.exists, `${model.model} is live`).toBe(true);
      expect(label?.label, `${model.model} is named, not shown by its id`).not.toBe(shortId(id));
      // Each field of the template shows its value (the sample rows give each one a value of its own).
      for (const column of Object.values(model.label.columns)) {
        expect(label?.label, `${model.model}: ${model.label.template} shows ${column}`).toContain(
          String(values[column]),
        );
      }
    }
    const elsewhere = await resolveEntityLabels(prisma, 'another-organization', refs);
    for (const ref of refs) expect(elsewhere.get(`${ref.type}:${ref.id}`)?.exists, ref.type).toBe(null);

    // Deleted, every model (the organization aside) is still named: from its delete's Before values, as "deleted".
    const deletable = samples.filter(({ model }) => model !== tenant).reverse();
    await runAsSystem({ name: 'Test setup' }, async () => {
      for (const { model, id } of deletable) {
        await prisma.$executeRawUnsafe(
          `DELETE FROM ${quoteIdent(auditRegistry.schema)}.${quoteIdent(model.table)} WHERE ${quoteIdent(model.idColumn)} = $1`,
          id,
        );
      }
    });
    const gone = await resolveEntityLabels(prisma, 'labels-every-org', refs);
    for (const { model, id } of deletable) {
      expect(gone.get(`${model.entityType}:${id}`), model.model).toEqual({
        label: labels.get(`${model.entityType}:${id}`)?.label,
        exists: false,
      });
    }
  });

  it('names a deleted record by its last name, and one moved away by its history (no delete to read)', async () => {
    const prisma = db().prisma;
    const { org, renamed, moved } = await runAsSystem({ name: 'Test setup' }, async () => {
      const org = await prisma.organization.create({ data: { name: 'Gone', slug: `labels-gone-${Date.now()}` } });
      const away = await prisma.organization.create({ data: { name: 'Away', slug: `labels-away-${Date.now()}` } });
      const renamed = await prisma.ticket.create({ data: { organizationId: org.id, number: 7, subject: 'First' } });
      for (const subject of ['Second', 'Third'])
        await prisma.ticket.update({ where: { id: renamed.id }, data: { subject } });
      await prisma.ticket.update({ where: { id: renamed.id }, data: { status: 'RESOLVED' } });
      await prisma.ticket.delete({ where: { id: renamed.id } });
      const moved = await prisma.ticket.create({ data: { organizationId: org.id, number: 8, subject: 'Moving' } });
      await prisma.ticket.update({ where: { id: moved.id }, data: { organizationId: away.id } });
      return { org, renamed, moved };
    });
    const labels = await resolveEntityLabels(prisma, org.id, [
      { type: 'ticket', id: renamed.id },
      { type: 'ticket', id: moved.id },
    ]);
    // From the delete's Before values: the name it had when deleted, not its first.
    expect(labels.get(`ticket:${renamed.id}`)).toEqual({ label: '#7 Third', exists: false });
    // Its last entry here is the move out (a delete in the organization it left), with its values then.
    expect(labels.get(`ticket:${moved.id}`)).toEqual({ label: '#8 Moving', exists: false });
  });

  it('names a record as of an entry from the latest entries that recorded each field, not from the ones after', async () => {
    const prisma = db().prisma;
    const { org, ticket } = await runAsSystem({ name: 'Test setup' }, async () => {
      const org = await prisma.organization.create({ data: { name: 'Then', slug: `labels-then-${Date.now()}` } });
      const ticket = await prisma.ticket.create({ data: { organizationId: org.id, number: 3, subject: 'First' } });
      await prisma.ticket.update({ where: { id: ticket.id }, data: { subject: 'Second' } });
      // Entries that do not record the label's fields: the walk back passes them.
      for (const status of ['OPEN', 'RESOLVED', 'CLOSED'] as const)
        await prisma.ticket.update({ where: { id: ticket.id }, data: { status } });
      await prisma.ticket.update({ where: { id: ticket.id }, data: { number: 4 } });
      await prisma.ticket.update({ where: { id: ticket.id }, data: { subject: 'Third' } });
      return { org, ticket };
    });
    const log = `${quoteIdent(auditRegistry.schema)}.${quoteIdent(auditRegistry.auditTable)}`;
    const entries = await prisma.$queryRawUnsafe<{ createdAt: Date; id: string }[]>(
      `SELECT "createdAt", id::text AS id FROM ${log} WHERE "entityId" = $1 ORDER BY "createdAt", id`,
      ticket.id,
    );
    expect(entries).toHaveLength(7);
    const asOf = async (index: number) =>
      (await resolveSnapshotLabels(prisma, org.id, [{ type: 'ticket', id: ticket.id }], entries[index])).get(
        `ticket:${ticket.id}`,
      );
    expect(await asOf(0)).toBe('#3 First');
    expect(await asOf(4)).toBe('#3 Second');
    expect(await asOf(5)).toBe('#4 Second');
    expect(await asOf(6)).toBe('#4 Third');
    // Unbounded, and for another organization: nothing of this one.
    const now = await resolveSnapshotLabels(prisma, org.id, [{ type: 'ticket', id: ticket.id }]);
    expect(now.get(`ticket:${ticket.id}`)).toBe('#4 Third');
    const elsewhere = await resolveSnapshotLabels(prisma, 'another-org', [{ type: 'ticket', id: ticket.id }]);
    expect(elsewhere.size).toBe(0);
  });

  it('formats a template: a ticket is "#<number> <subject>"', async () => {
    const prisma = db().prisma;
    const ticket = await runAsSystem({ name: 'Test setup' }, async () => {
      const org = await prisma.organization.create({ data: { name: 'Tickets', slug: `labels-tickets-${Date.now()}` } });
      return prisma.ticket.create({ data: { organizationId: org.id, number: 42, subject: 'Printer on fire' } });
    });
    const labels = await resolveEntityLabels(prisma, ticket.organizationId, [{ type: 'ticket', id: ticket.id }]);
    expect(labels.get(`ticket:${ticket.id}`)).toEqual({ label: '#42 Printer on fire', exists: true });
  });

  it('names a live vendor and a client, in their organization only; an unknown type is "not a model"', async () => {
    const prisma = db().prisma;
    const { org, other, vendor, client } = await runAsSystem({ name: 'Test setup' }, async () => {
      const org = await prisma.organization.create({ data: { name: 'Labels', slug: `labels-${Date.now()}` } });
      const other = await prisma.organization.create({ data: { name: 'Other', slug: `labels-other-${Date.now()}` } });
      const vendor = await prisma.vendor.create({ data: { organizationId: org.id, name: 'Dell Technologies' } });
      const client = await prisma.client.create({ data: { organizationId: org.id, name: 'Acme Corp' } });
      return { org, other, vendor, client };
    });
    const refs = [
      { type: 'vendor', id: vendor.id },
      { type: 'client', id: client.id },
      { type: 'custom_thing', id: 'x1' },
    ];
    const labels = await resolveEntityLabels(prisma, org.id, refs);
    expect(labels.get(`vendor:${vendor.id}`)).toEqual({ label: 'Dell Technologies', exists: true });
    expect(labels.get(`client:${client.id}`)).toEqual({ label: 'Acme Corp', exists: true });
    expect(labels.get('custom_thing:x1')).toEqual({ label: 'x1', exists: null });
    // Another organization's reader learns nothing about the record.
    const foreign = await resolveEntityLabels(prisma, other.id, refs.slice(0, 1));
    expect(foreign.get(`vendor:${vendor.id}`)).toEqual({ label: shortId(vendor.id), exists: null });
  });
});
