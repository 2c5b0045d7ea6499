/**
 * The investigation's filters through `createCaller`, on both engines: actor, IP (exact and CIDR), one record,
 * request id, the roll-up of a client (with records deleted and moved), a record's history and the actor picker.
 * Each expectation is computed from what the test wrote, never read back from the API.
 */
import { withAuditContext } from '@auditlog/audit';
import type { UserAuditContext } from '@auditlog/audit';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedEntries } from '../src/testing.ts';
import type { TestOrganization } from '../src/testing.ts';
import { failureOf, useTestApi } from './support/callers.ts';
import type { ApiCaller } from './support/callers.ts';

describe.each(testEngines)('investigation filters on %s', (engine) => {
  const api = useTestApi(engine);
  let org: TestOrganization;
  let other: TestOrganization;
  let owner: ApiCaller;
  const ids: Record<string, string> = {};

  const as = (who: TestOrganization['users']['OWNER'], ipAddress: string, requestId: string): UserAuditContext => ({
    userId: who.id,
    name: who.name,
    email: who.email,
    ipAddress,
    requestId,
  });

  beforeAll(async () => {
    const { prisma } = api();
    org = await api().createOrganization('Investigated');
    other = await api().createOrganization('Elsewhere');
    owner = await api().callerAs(org.users.OWNER);
    const admin = org.users.ADMIN;
    const tech = org.users.TECHNICIAN;
    const organizationId = org.id;
    await withAuditContext(as(admin, '203.0.113.7', 'req-setup'), async () => {
      const acme = await prisma.client.create({ data: { organizationId, name: 'Acme' } });
      const bolton = await prisma.client.create({ data: { organizationId, name: 'Bolton' } });
      const contact = await prisma.contact.create({ data: { organizationId, clientId: acme.id, name: 'Wile E.' } });
      const invoice = await prisma.invoice.create({ data: { organizationId, clientId: acme.id, number: 'INV-1' } });
      const line = await prisma.invoiceLine.create({
        data: { organizationId, invoiceId: invoice.id, description: 'Rockets', unitPrice: 5, amount: 5 },
      });
      const kept = await prisma.ticket.create({
        data: { organizationId, clientId: acme.id, number: 1, subject: 'Kept' },
      });
      const doomed = await prisma.ticket.create({
        data: { organizationId, clientId: acme.id, number: 2, subject: 'Doomed' },
      });
      const moved = await prisma.ticket.create({
        data: { organizationId, clientId: acme.id, number: 3, subject: 'Moved' },
      });
      const bolts = await prisma.ticket.create({
        data: { organizationId, clientId: bolton.id, number: 4, subject: 'Bolton only' },
      });
      Object.assign(ids, { acme: acme.id, bolton: bolton.id, contact: contact.id, invoice: invoice.id });
      Object.assign(ids, { line: line.id, kept: kept.id, doomed: doomed.id, moved: moved.id, bolts: bolts.id });
    });
    await withAuditContext(as(tech, '198.51.100.20', 'req-tech'), async () => {
      await prisma.ticket.update({ where: { id: ids.kept }, data: { subject: 'Kept, edited' } });
      await prisma.ticket.delete({ where: { id: ids.doomed } });
    });
    await withAuditContext(as(admin, '2001:db8::5', 'req-move'), async () => {
      await prisma.ticket.update({ where: { id: ids.moved }, data: { status: 'OPEN' } });
      await prisma.ticket.update({ where: { id: ids.moved }, data: { clientId: ids.bolton } });
      await prisma.ticket.update({ where: { id: ids.moved }, data: { subject: 'Moved, now Bolton' } });
    });
    await withAuditContext(as(other.users.ADMIN, '203.0.113.7', 'req-setup'), async () => {
      const elsewhere = await prisma.client.create({ data: { organizationId: other.id, name: 'Acme elsewhere' } });
      await prisma.ticket.create({
        data: { organizationId: other.id, clientId: elsewhere.id, number: 1, subject: 'Not yours' },
      });
    });
  }, 120_000);

  const labelsOf = async (input: Parameters<ApiCaller['audit']['list']>[0]) => {
    const out = await owner.audit.list({ pageSize: 100, ...input });
    expect(out.total).toBe(out.items.length);
    return out.items.map((item) => `${item.action} ${item.entity.type}:${item.entity.id}`).sort();
  };

  it('filters by a user, by email, by system and unattributed, combined with the spec filters', async () => {
    expect(await labelsOf({ actor: { type: 'user', id: org.users.TECHNICIAN.id } })).toEqual(
      [`update ticket:${ids.kept}`, `delete ticket:${ids.doomed}`].sort(),
    );
    expect(await labelsOf({ actor: { type: 'user', email: org.users.TECHNICIAN.email.toUpperCase() } })).toHaveLength(
      2,
    );
    expect(
      await labelsOf({ actor: { type: 'user', id: org.users.TECHNICIAN.id }, action: 'delete', entityType: 'ticket' }),
    ).toEqual([`delete ticket:${ids.doomed}`]);
    // Another organization's user by email: nothing of theirs shows up here.
    expect(await labelsOf({ actor: { type: 'user', email: other.users.ADMIN.email } })).toEqual([]);
    const system = await labelsOf({ actor: { type: 'system' } });
    expect(system.every((label) => label.startsWith('create user:') || label.startsWith('create organization:'))).toBe(
      true,
    );
    expect(await labelsOf({ actor: { type: 'unattributed' } })).toEqual([]);
  });

  it('filters by IP: exact, an IPv4 range, an IPv6 range; refuses a bad address with a clear BAD_REQUEST', async () => {
    expect(await labelsOf({ ip: '198.51.100.20' })).toHaveLength(2);
    expect(await labelsOf({ ip: '198.51.100.0/24' })).toHaveLength(2);
    expect(await labelsOf({ ip: '198.51.0.0/16', action: 'delete' })).toEqual([`delete ticket:${ids.doomed}`]);
    expect(await labelsOf({ ip: '2001:DB8::/32' })).toHaveLength(3);
    expect(await labelsOf({ ip: '2001:db8:0:0::5' })).toHaveLength(3);
    // Every IPv4 entry: the eleven written above and the owner's own `access` note of this hour (read from an address).
    const everyV4 = await labelsOf({ ip: '0.0.0.0/0' });
    expect(everyV4.filter((label) => !label.startsWith('access '))).toHaveLength(11);
    expect(everyV4.filter((label) => label.startsWith('access '))).toEqual([`access audit_log:${org.id}`]);
    // Text that is no address (anyone with the runtime role can write one) never breaks a range query.
    await seedEntries(api().prisma, org.id, { userId: org.users.BILLING.id, ipAddress: '1.2.3' }, [
      { action: 'sync', entityType: 'vendor', entityId: 'odd-ip', at: new Date() },
    ]);
    expect(await labelsOf({ ip: '0.0.0.0/0' })).toEqual(everyV4);
    expect(await labelsOf({ ip: '::/0' })).toHaveLength(3);
    for (const [ip, says] of [
      ['203.0.113.300', 'is not an IP address'],
      ['10.0.0.0/33', 'is not a prefix length: use 0 to 32'],
      ['evil; DROP TABLE', 'is not an IP address'],
    ] as const) {
      const failure = await failureOf(owner.audit.list({ ip }));
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.message).toContain(`ip: `);
      expect(failure.message).toContain(says);
    }
  });

  it('filters one record and one request; entityId without entityType is refused', async () => {
    expect(await labelsOf({ entityType: 'ticket', entityId: ids.moved ?? '' })).toEqual(
      [`create ticket:${ids.moved}`, ...Array.from({ length: 3 }, () => `update ticket:${ids.moved}`)].sort(),
    );
    expect(await labelsOf({ requestId: 'req-tech' })).toHaveLength(2);
    expect(await labelsOf({ requestId: 'req-setup', entityType: 'client' })).toHaveLength(2);
    const failure = await failureOf(owner.audit.list({ entityId: 'x' }));
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.message).toContain('entityId needs entityType');
  });

  it("rolls up a client: its records' entries, the deleted one's, the moved one's up to the move only", async () => {
    const acme = await labelsOf({ within: { entityType: 'client', entityId: ids.acme ?? '' } });
    expect(acme).toEqual(
      [
        `create client:${ids.acme}`,
        `create contact:${ids.contact}`,
        `create invoice:${ids.invoice}`,
        `create invoice_line:${ids.line}`,
        `create ticket:${ids.kept}`,
        `update ticket:${ids.kept}`,
        `create ticket:${ids.doomed}`,
        `delete ticket:${ids.doomed}`,
        `create ticket:${ids.moved}`,
        `update ticket:${ids.moved}`, // status, while at Acme
        `update ticket:${ids.moved}`, // the move itself
      ].sort(),
    );
    const bolton = await labelsOf({ within: { entityType: 'client', entityId: ids.bolton ?? '' } });
    expect(bolton).toEqual(
      [
        `create client:${ids.bolton}`,
        `create ticket:${ids.bolts}`,
        `update ticket:${ids.moved}`, // the move
        `update ticket:${ids.moved}`, // the edit after it
      ].sort(),
    );
    // Combined with other filters, and paged with cursors that stay bound to the roll-up.
    const within = { entityType: 'client', entityId: ids.acme ?? '' };
    expect(await labelsOf({ within, action: 'delete' })).toEqual([`delete ticket:${ids.doomed}`]);
    const first = await owner.audit.list({ within, pageSize: 4 });
    expect(first.total).toBe(11);
    const second = await owner.audit.list({ within, pageSize: 4, cursor: first.nextCursor ?? '' });
    expect(second.page).toBe(2);
    const wrong = await failureOf(owner.audit.list({ pageSize: 4, cursor: first.nextCursor ?? '' }));
    expect(wrong.code).toBe('BAD_REQUEST');
  });

  it('lists a record history oldest first with changes, and names a deleted record from its last snapshot', async () => {
    const doomed = await owner.audit.history({ entityType: 'ticket', entityId: ids.doomed ?? '' });
    expect(doomed.record).toEqual({ type: 'ticket', id: ids.doomed, label: '#2 Doomed', exists: false });
    expect(doomed.items.map((item) => item.action)).toEqual(['create', 'delete']);
    expect(doomed.items[1]?.changes?.subject?.before).toBe('Doomed');
    const moved = await owner.audit.history({ entityType: 'ticket', entityId: ids.moved ?? '', limit: 2 });
    expect(moved.total).toBe(4);
    expect(moved.items.map((item) => item.action)).toEqual(['create', 'update']);
    const rest = await owner.audit.history({
      entityType: 'ticket',
      entityId: ids.moved ?? '',
      limit: 2,
      cursor: moved.nextCursor ?? '',
    });
    expect(rest.items[0]?.changes?.clientId).toEqual({ before: ids.acme, after: ids.bolton });
    expect(rest.items[1]?.changes?.subject).toEqual({ before: 'Moved', after: 'Moved, now Bolton' });
    expect(rest.nextCursor).toBeNull();
    const related = await owner.audit.history({ entityType: 'client', entityId: ids.acme ?? '', includeRelated: true });
    expect(related.total).toBe(11);
    expect(related.items[0]?.entity.id).toBe(ids.acme);
    const gone = related.items.filter((item) => item.entity.id === ids.doomed).map((item) => item.entity);
    expect(gone).toEqual([0, 1].map(() => ({ type: 'ticket', id: ids.doomed, label: '#2 Doomed', exists: false })));
    const elsewhere = await owner.audit.history({ entityType: 'client', entityId: 'no-such-client' });
    expect(elsewhere.items).toEqual([]);
  });

  it("lists the organization's users and API keys for the picker, searchable, never another organization's", async () => {
    await org.createApiKey(['audit:read'], 'Reporting key');
    const all = await owner.audit.actors({});
    expect(all.users.map((user) => user.id).sort()).toEqual(
      Object.values(org.users)
        .map((user) => user.id)
        .sort(),
    );
    expect(all.apiKeys.map((key) => key.name)).toContain('Reporting key');
    const found = await owner.audit.actors({ query: 'technician' });
    expect(found.users.map((user) => user.id)).toEqual([org.users.TECHNICIAN.id]);
    const tech = await api().callerAs(org.users.TECHNICIAN);
    expect((await failureOf(tech.audit.actors({}))).code).toBe('FORBIDDEN');
  });
});
