/** Who and where: the actor, IP, user agent and request id reach every entry; nothing in them can break the SQL. */
import { runAsSystem, withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from '../../src/testing/fixtures.ts';

const hostileUserAgents = [
  'Mozilla/5.0 */ DROP TABLE "AuditLog"; /*',
  'O\'Reilly "quoted" \\ backslash',
  'dollar $$ quoting $audit$ and $1 placeholders',
  'line one\nline two\r\nTab\there',
  'emoji 🧾🔐 and accents: déjà vu, 日本語',
  "audit='ZmFrZQ' */ /*audit='ZmFrZQ'*/",
  '%2A%2F url-encoded */ and %27',
];

describe.each(testEngines)('actor context on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  it('stores the user, IP address, user agent and request id of the context', async () => {
    const { organization, user } = await createOrganization(prisma());
    const vendor = await withAuditContext(
      { userId: user.id, ipAddress: '2001:db8::1', userAgent: 'Firefox/133', requestId: 'req-42' },
      () => prisma().vendor.create({ data: { organizationId: organization.id, name: 'Cisco' } }),
    );
    const [entry] = await entriesFor(prisma(), [vendor.id]);
    expect(entry).toMatchObject({
      actorType: 'USER',
      actorUserId: user.id,
      actorName: user.name,
      actorEmail: user.email,
      ipAddress: '2001:db8::1',
      userAgent: 'Firefox/133',
      requestId: 'req-42',
    });
  });

  it.each(hostileUserAgents)('stores a hostile user agent exactly: %j', async (userAgent) => {
    const { organization, user } = await createOrganization(prisma());
    const vendor = await withAuditContext({ userId: user.id, userAgent }, () =>
      prisma().vendor.create({ data: { organizationId: organization.id, name: 'Hostile' } }),
    );
    const entries = await entriesFor(prisma(), [vendor.id]);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.userAgent).toBe(userAgent);
    expect(entries[0]?.actorUserId).toBe(user.id);
  });

  it('cuts an oversized user agent and replaces a lone surrogate instead of failing the write', async () => {
    const { organization, user } = await createOrganization(prisma());
    const vendor = await withAuditContext({ userId: user.id, userAgent: `\uD800${'x'.repeat(5000)}` }, () =>
      prisma().vendor.create({ data: { organizationId: organization.id, name: 'Long' } }),
    );
    const [entry] = await entriesFor(prisma(), [vendor.id]);
    expect(entry?.userAgent).toBe(`\uFFFD${'x'.repeat(511)}`);
  });

  it('keeps the name and email the user had when the entry was written', async () => {
    const { organization, user } = await createOrganization(prisma());
    const first = await withAuditContext({ userId: user.id }, () =>
      prisma().vendor.create({ data: { organizationId: organization.id, name: 'Before rename' } }),
    );
    await prisma().user.update({ where: { id: user.id }, data: { name: 'Renamed', email: 'renamed@example.test' } });
    const second = await withAuditContext({ userId: user.id }, () =>
      prisma().vendor.create({ data: { organizationId: organization.id, name: 'After rename' } }),
    );
    const [a] = await entriesFor(prisma(), [first.id]);
    const [b] = await entriesFor(prisma(), [second.id]);
    expect([a?.actorName, a?.actorEmail]).toEqual([user.name, user.email]);
    expect([b?.actorName, b?.actorEmail]).toEqual(['Renamed', 'renamed@example.test']);
  });

  it('stores writes outside any context as unattributed, never as System; runAsSystem names a system actor', async () => {
    const { organization } = await createOrganization(prisma());
    const outside = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'No context' } });
    const synced = await runAsSystem({ name: 'Email sync' }, () =>
      prisma().contact.create({ data: { organizationId: organization.id, name: 'From email' } }),
    );
    const unnamed = await runAsSystem({}, () =>
      prisma().contact.create({ data: { organizationId: organization.id, name: 'Unnamed job' } }),
    );
    const [a] = await entriesFor(prisma(), [outside.id]);
    const [b] = await entriesFor(prisma(), [synced.id]);
    const [c] = await entriesFor(prisma(), [unnamed.id]);
    expect(a).toMatchObject({ actorType: 'UNATTRIBUTED', actorUserId: null, actorName: null });
    expect(b).toMatchObject({ actorType: 'SYSTEM', actorUserId: null, actorName: 'Email sync' });
    expect(c).toMatchObject({ actorType: 'SYSTEM', actorUserId: null, actorName: null });
  });

  it('stores an anonymous context as an anonymous actor, with no user even if one is named nowhere', async () => {
    const { organization } = await createOrganization(prisma());
    const entry = await withAuditContext({ anonymous: true, ipAddress: '198.51.100.4', requestId: 'req-anon' }, () =>
      prisma().$record({
        organizationId: organization.id,
        action: 'failed_login',
        entityType: 'user',
        entityId: 'someone',
      }),
    );
    const row = await prisma().auditLog.findFirstOrThrow({ where: { id: entry.id } });
    expect(row).toMatchObject({
      actorType: 'ANONYMOUS',
      actorUserId: null,
      actorName: null,
      actorEmail: null,
      ipAddress: '198.51.100.4',
      requestId: 'req-anon',
    });
  });

  it('reaches queries of an interactive transaction and lazy Prisma promises', async () => {
    const { organization, user } = await createOrganization(prisma());
    const lazy = await withAuditContext({ userId: user.id }, () =>
      // Not awaited inside: Prisma starts the query only when it is awaited, after the callback has returned.
      prisma().vendor.create({ data: { organizationId: organization.id, name: 'Lazy' } }),
    );
    const inTx = await withAuditContext({ userId: user.id }, () =>
      prisma().$transaction(async (tx) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return tx.vendor.create({ data: { organizationId: organization.id, name: 'In transaction' } });
      }),
    );
    for (const [name, id] of [
      ['lazy', lazy.id],
      ['in a transaction', inTx.id],
    ] as const)
      expect((await entriesFor(prisma(), [id]))[0]?.actorUserId, name).toBe(user.id);
  });

  it('takes the organization from the changed row, whoever acts', async () => {
    const { user: outsider } = await createOrganization(prisma(), 'Outsider Org');
    const { organization } = await createOrganization(prisma(), 'Owner Org');
    const vendor = await withAuditContext({ userId: outsider.id }, () =>
      prisma().vendor.create({ data: { organizationId: organization.id, name: 'Cross-tenant write' } }),
    );
    const [entry] = await entriesFor(prisma(), [vendor.id]);
    expect(entry?.organizationId).toBe(organization.id);
  });

  it('concurrent contexts never mix', async () => {
    const { organization } = await createOrganization(prisma());
    const users = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        prisma().user.create({
          data: {
            organizationId: organization.id,
            name: `Worker ${i}`,
            email: `worker-${i}-${organization.id}@example.test`,
            passwordHash: 'x',
          },
        }),
      ),
    );
    const vendors = await Promise.all(
      users.map((u, i) =>
        withAuditContext({ userId: u.id, requestId: `req-${i}` }, async () => {
          await new Promise((resolve) => setTimeout(resolve, (i * 7) % 11));
          return prisma().vendor.create({ data: { organizationId: organization.id, name: `by-${u.id}` } });
        }),
      ),
    );
    for (const [i, vendor] of vendors.entries()) {
      const [entry] = await entriesFor(prisma(), [vendor.id]);
      expect(entry?.actorUserId, `vendor ${i}`).toBe(users[i]?.id);
      expect(entry?.requestId, `vendor ${i}`).toBe(`req-${i}`);
    }
  });

  it('the seeding clock backdates entries, and only it does', async () => {
    const { organization, user } = await createOrganization(prisma());
    const at = new Date('2026-08-01T09:30:00.000Z');
    const vendor = await withAuditContext({ userId: user.id }, () =>
      withSeedClock(at, () => prisma().vendor.create({ data: { organizationId: organization.id, name: 'Backdated' } })),
    );
    const [entry] = await entriesFor(prisma(), [vendor.id]);
    expect(entry?.createdAt.toISOString()).toBe(at.toISOString());
    expect(entry?.actorUserId).toBe(user.id);
  });
});
