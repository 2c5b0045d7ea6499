/**
 * What `audit.get` adds for an investigator, through `createCaller` on both engines: the other entries of the same
 * request, foreign keys named as their targets were when the entry was written (not as they are now), fingerprints
 * of hidden changes, deleted records named from their last snapshot, and an export of `all` never shown as a deleted
 * record.
 */
import { withAuditContext } from '@auditlog/audit';
import { testEngines } from '@auditlog/db/testing';
import { describe, expect, it } from 'vitest';
import { asTestSetup } from '../src/testing.ts';
import type { TestOrganization } from '../src/testing.ts';
import { useTestApi } from './support/callers.ts';

describe.each(testEngines)('audit.get details on %s', (engine) => {
  const api = useTestApi(engine);

  const as = <T>(org: TestOrganization, requestId: string | null, fn: () => PromiseLike<T>) => {
    const admin = org.users.ADMIN;
    return withAuditContext({ userId: admin.id, name: admin.name, email: admin.email, requestId }, fn);
  };
  const entryOf = async (organizationId: string, where: { entityId: string; action: string }) => {
    const entry = await api().prisma.auditLog.findFirst({
      where: { organizationId, ...where },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    if (!entry) throw new Error(`no ${where.action} entry of ${where.entityId}`);
    return entry;
  };

  it('lists the other entries of the same request, oldest first, and only of this organization', async () => {
    const prisma = api().prisma;
    const org = await api().createOrganization();
    const other = await api().createOrganization();
    const requestId = `req-${Date.now()}`;
    const { client, contact } = await as(org, requestId, async () => {
      const client = await prisma.client.create({ data: { organizationId: org.id, name: 'Acme' } });
      const contact = await prisma.contact.create({
        data: { organizationId: org.id, name: 'Ann', clientId: client.id },
      });
      await prisma.ticket.create({ data: { organizationId: org.id, number: 1, subject: 'Hi', clientId: client.id } });
      return { client, contact };
    });
    // The same request id in another organization is another organization's business.
    await as(other, requestId, () => prisma.client.create({ data: { organizationId: other.id, name: 'Elsewhere' } }));
    const alone = await as(org, null, () => prisma.client.create({ data: { organizationId: org.id, name: 'Solo' } }));

    const admin = await api().callerAs(org.users.ADMIN);
    const entry = await entryOf(org.id, { entityId: contact.id, action: 'create' });
    const detail = await admin.audit.get({ id: entry.id });
    expect(detail.requestId).toBe(requestId);
    expect(detail.sameRequest?.total).toBe(2);
    expect(detail.sameRequest?.items.map((item) => [item.entity.type, item.entity.label])).toEqual([
      ['client', 'Acme'],
      ['ticket', '#1 Hi'],
    ]);
    expect(detail.sameRequest?.items.map((item) => item.id)).not.toContain(entry.id);
    const first = await admin.audit.get({ id: (await entryOf(org.id, { entityId: client.id, action: 'create' })).id });
    expect(first.sameRequest?.total).toBe(2);
    const solo = await admin.audit.get({ id: (await entryOf(org.id, { entityId: alone.id, action: 'create' })).id });
    expect(solo.sameRequest).toBeNull();
  });

  it('names a foreign key as its target was when the entry was written, after renames and a deletion', async () => {
    const prisma = api().prisma;
    const org = await api().createOrganization();
    const { ticket, acme, bolton } = await as(org, null, async () => {
      const acme = await prisma.client.create({ data: { organizationId: org.id, name: 'Acme' } });
      const bolton = await prisma.client.create({ data: { organizationId: org.id, name: 'Bolton' } });
      const ticket = await prisma.ticket.create({
        data: { organizationId: org.id, number: 7, subject: 'Moved', clientId: acme.id },
      });
      await prisma.ticket.update({ where: { id: ticket.id }, data: { clientId: bolton.id } });
      return { ticket, acme, bolton };
    });
    const moved = await entryOf(org.id, { entityId: ticket.id, action: 'update' });
    // Afterwards: both clients renamed, then Bolton deleted (the ticket's key is set null: another update).
    await as(org, null, async () => {
      await prisma.client.update({ where: { id: acme.id }, data: { name: 'Acme Holdings' } });
      await prisma.client.update({ where: { id: bolton.id }, data: { name: 'Bolton Ltd' } });
      await prisma.client.delete({ where: { id: bolton.id } });
    });
    const admin = await api().callerAs(org.users.ADMIN);
    const detail = await admin.audit.get({ id: moved.id });
    expect(detail.changes?.clientId).toEqual({ before: acme.id, after: bolton.id });
    expect(detail.references.clientId).toEqual({
      entityType: 'client',
      before: { id: acme.id, label: 'Acme', exists: true, asOf: 'entry' },
      after: { id: bolton.id, label: 'Bolton', exists: false, asOf: 'entry' },
    });
    // The later update (set null by the deletion) names Bolton as it was then: renamed.
    const cleared = await entryOf(org.id, { entityId: ticket.id, action: 'update' });
    const later = await admin.audit.get({ id: cleared.id });
    expect(later.references.clientId?.before).toMatchObject({ label: 'Bolton Ltd', exists: false });
    expect(later.references.clientId?.after).toBeNull();
    // The deleted client itself is named from its last snapshot in the list, not by an id.
    const deleted = await admin.audit.list({ action: 'delete', entityType: 'client' });
    expect(deleted.items.map((item) => item.entity)).toEqual([
      { type: 'client', id: bolton.id, label: 'Bolton Ltd', exists: false },
    ]);
  });

  it('carries the fingerprints of a hidden change, so REDACTED → REDACTED can say it changed', async () => {
    const prisma = api().prisma;
    const org = await api().createOrganization();
    const user = org.users.TECHNICIAN;
    await asTestSetup(() => prisma.user.update({ where: { id: user.id }, data: { mfaSecret: 'first secret' } }));
    await asTestSetup(() => prisma.user.update({ where: { id: user.id }, data: { mfaSecret: 'second secret' } }));
    const entry = await entryOf(org.id, { entityId: user.id, action: 'update' });
    const admin = await api().callerAs(org.users.ADMIN);
    const change = (await admin.audit.get({ id: entry.id })).changes?.mfaSecret;
    expect(change).toMatchObject({ before: '[REDACTED]', after: '[REDACTED]' });
    expect(change?.fingerprint?.before).toMatch(/^[0-9a-f]{16}$/);
    expect(change?.fingerprint?.after).toMatch(/^[0-9a-f]{16}$/);
    expect(change?.fingerprint?.before).not.toBe(change?.fingerprint?.after);
    expect(JSON.stringify(change)).not.toContain('secret');
  });

  it('never shows an export of `all` as a deleted record, and tells deleted records apart by their ids', async () => {
    const prisma = api().prisma;
    const org = await api().createOrganization();
    const admin = await api().callerAs(org.users.ADMIN);
    await admin.audit.record({ action: 'export', entityType: 'invoice', entityId: 'all', metadata: { rows: 3 } });
    const [exported] = (await admin.audit.list({ action: 'export' })).items;
    expect(exported?.entity).toEqual({ type: 'invoice', id: 'all', label: 'All records', exists: null });
    // The reader's own `access` entry is about the organization's log as a whole: named so, not by a short id.
    const [access] = (await admin.audit.list({ action: 'access' })).items;
    expect(access?.entity).toEqual({ type: 'audit_log', id: org.id, label: 'This organization', exists: null });

    const ids = await as(org, null, async () => {
      const made = [];
      for (const name of ['One', 'Two'])
        made.push(await prisma.vendor.create({ data: { organizationId: org.id, name } }));
      return made.map((vendor) => vendor.id);
    });
    // Never seen by the log (no snapshot): not claimed deleted; the short ids of two cuids differ.
    const unknown = await admin.audit.record({
      action: 'view',
      entityType: 'vendor',
      entityId: 'cmx5g8rgv0001abcdk3j9x2qa',
    });
    const detail = await admin.audit.get({ id: unknown.id });
    expect(detail.entity).toEqual({
      type: 'vendor',
      id: 'cmx5g8rgv0001abcdk3j9x2qa',
      label: '…k3j9x2qa',
      exists: null,
    });
    expect(new Set(ids.map((id) => id.slice(-8))).size).toBe(2);
  });
});
