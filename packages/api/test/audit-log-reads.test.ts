/**
 * The audit log is audited (PCI DSS 10.2.1.3): a reader's first read of each hour writes one `access` entry with the
 * filters used, whatever the race; later reads of the hour write nothing; the Auditor role reads the log and can do
 * nothing else the API offers.
 */
import { appRouter } from '../src/index.ts';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestOrganization } from '../src/testing.ts';
import { failureOf, useTestApi } from './support/callers.ts';

describe.each(testEngines)('reads of the audit log on %s', { timeout: 30_000 }, (engine) => {
  const api = useTestApi(engine);
  let org: TestOrganization;

  beforeAll(async () => {
    org = await api().createOrganization('Read Org');
  }, 60_000);

  const accessEntries = () =>
    api().prisma.auditLog.findMany({
      where: { organizationId: org.id, action: 'access' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });

  it('writes one access entry for parallel first reads of a fresh hour: lists and a get racing', async () => {
    const before = (await accessEntries()).length;
    const admin = await api().callerAs(org.users.ADMIN);
    const [first] = (await api().prisma.auditLog.findMany({ where: { organizationId: org.id }, take: 1 })).map(
      (entry) => entry.id,
    );
    await Promise.all([
      admin.audit.list({ action: 'delete' }),
      admin.audit.list({ action: 'delete' }),
      admin.audit.list({ entityType: 'ticket', page: 1, pageSize: 10 }),
      admin.audit.get({ id: first ?? '' }),
      admin.audit.list({}),
    ]);
    const written = (await accessEntries()).slice(before);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      action: 'access',
      entityType: 'audit_log',
      entityId: org.id,
      actorType: 'USER',
      actorUserId: org.users.ADMIN.id,
      actorEmail: org.users.ADMIN.email,
    });
    const metadata = written[0]?.metadata as { via: string; filters: Record<string, unknown> };
    expect(['audit.list', 'audit.get']).toContain(metadata.via);

    // Later reads of the hour: nothing more.
    await admin.audit.list({ action: 'update' });
    await admin.audit.get({ id: first ?? '' });
    expect((await accessEntries()).length).toBe(before + 1);
  });

  it('records the filters used, without paging, and once per session: a second session has its own', async () => {
    const owner = await api().callerAs(org.users.OWNER);
    const before = (await accessEntries()).length;
    await owner.audit.list({
      action: 'delete',
      entityType: 'ticket',
      startDate: '2026-11-01T00:00:00Z',
      page: 1,
      pageSize: 5,
    });
    const [entry] = (await accessEntries()).slice(before);
    expect(entry?.metadata).toEqual({
      via: 'audit.list',
      filters: { action: 'delete', entityType: 'ticket', startDate: '2026-11-01T00:00:00Z' },
    });
    const again = await api().callerAs(org.users.OWNER);
    await again.audit.list({});
    const after = (await accessEntries()).slice(before);
    expect(after).toHaveLength(2);
    expect(after[1]?.metadata).toEqual({ via: 'audit.list', filters: {} });
  });

  it('writes the next hour’s entry once the hour has passed, and keeps one mark per reader', async () => {
    const key = await org.createApiKey(['audit:read'], 'Hourly reader');
    const service = await api().callerWithKey(key);
    const before = (await accessEntries()).length;
    await service.audit.list({});
    const { prisma } = api();
    // An hour later, as the marks see it (the database's clock cannot be moved).
    await prisma.$executeRaw`UPDATE "AuditAccessMark" SET hour = hour - interval '1 hour'
      WHERE key LIKE 'api-key:%' AND hour = date_trunc('hour', now())`;
    await service.audit.list({ action: 'login' });
    await service.audit.list({ action: 'logout' });
    const written = (await accessEntries()).slice(before);
    expect(written.map((entry) => [entry.actorType, entry.actorName])).toEqual([
      ['SYSTEM', 'Hourly reader'],
      ['SYSTEM', 'Hourly reader'],
    ]);
    expect((written[1]?.metadata as { filters: unknown }).filters).toEqual({ action: 'login' });
    const marks = await prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "AuditAccessMark" WHERE key LIKE 'api-key:%' AND hour < date_trunc('hour', now())`;
    expect(Number(marks[0]?.n)).toBe(0);
  });

  it('writes nothing for a refused read', async () => {
    const before = (await accessEntries()).length;
    const technician = await api().callerAs(org.users.TECHNICIAN);
    expect(await failureOf(technician.audit.list({}))).toMatchObject({ code: 'FORBIDDEN' });
    expect((await accessEntries()).length).toBe(before);
  });

  describe('the Auditor', () => {
    it('reads the log, its entries and the seal status, and its reads are recorded too', async () => {
      const auditor = await api().callerAs(org.users.AUDITOR);
      const page = await auditor.audit.list({ pageSize: 100 });
      expect(page.total).toBeGreaterThan(0);
      expect((await auditor.audit.get({ id: page.items[0]?.id ?? '' })).id).toBe(page.items[0]?.id);
      expect((await auditor.audit.sealStatus()).blocks).toBe(0);
      expect(await auditor.auth.me()).toMatchObject({ role: 'AUDITOR', roleLabel: 'Auditor', canReadAuditLog: true });
      const mine = (await accessEntries()).filter((entry) => entry.actorUserId === org.users.AUDITOR.id);
      expect(mine).toHaveLength(1);
    });

    it('records nothing, whatever the action', async () => {
      const auditor = await api().callerAs(org.users.AUDITOR);
      for (const action of ['view', 'access', 'export', 'import', 'sync', 'archive', 'restore']) {
        const failure = await failureOf(
          auditor.audit.record({ action, entityType: 'audit_log', entityId: org.id, metadata: { forged: true } }),
        );
        expect(failure, action).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
        expect(failure.message).toBe(`Your role (Auditor) may not record "${action}". Allowed: none.`);
      }
      // Nor in a batch: recordMany applies the same policy per entry.
      const batch = await failureOf(
        auditor.audit.recordMany({
          entries: [{ action: 'view', entityType: 'audit_log', entityId: org.id, metadata: { forged: true } }],
        }),
      );
      expect(batch).toMatchObject({ code: 'FORBIDDEN', httpStatus: 403 });
      const forged = await api().prisma.auditLog.count({
        where: { organizationId: org.id, actorUserId: org.users.AUDITOR.id, action: { not: 'access' } },
      });
      expect(forged).toBe(0);
    });

    it('has no other way to change anything: every mutation of the API is refused or is its own sign-in', async () => {
      // A business, user or key mutation added to the API must show up here and be decided for the Auditor.
      const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>;
      const mutations = Object.entries(procedures)
        .filter(([, procedure]) => procedure._def.type === 'mutation')
        .map(([path]) => path)
        .sort();
      expect(mutations).toEqual([
        'audit.record',
        'audit.recordMany',
        'auth.changePassword',
        'auth.login',
        'auth.logout',
        'auth.logoutEverywhere',
      ]);
    });
  });
});
