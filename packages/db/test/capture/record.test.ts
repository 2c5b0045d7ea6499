/** Custom entries (`$record` / `record(tx, …)`) and the audit model's refusal of writes through Prisma. */
import { AuditLogImmutableError, AuditRecordError, record, withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from '../../src/testing/fixtures.ts';

describe.each(testEngines)('custom entries on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  it.each([
    'login',
    'logout',
    'failed_login',
    'view',
    'sync',
    'export',
    'import',
    'archive',
    'restore',
    'access',
    'permission_change',
    'bulk_reassign',
  ])('records a %s entry with the context', async (action) => {
    const { organization, user } = await createOrganization(prisma());
    const entry = await withAuditContext(
      { userId: user.id, ipAddress: '198.51.100.4', userAgent: 'curl/8', requestId: 'r1' },
      () =>
        prisma().$record({
          organizationId: organization.id,
          action,
          entityType: 'user',
          entityId: user.id,
          metadata: { via: 'test' },
        }),
    );
    const stored = await prisma().auditLog.findFirstOrThrow({ where: { id: entry.id } });
    expect(stored).toMatchObject({
      action,
      entityType: 'user',
      entityId: user.id,
      organizationId: organization.id,
      actorType: 'USER',
      actorUserId: user.id,
      actorName: user.name,
      actorEmail: user.email,
      ipAddress: '198.51.100.4',
      userAgent: 'curl/8',
      requestId: 'r1',
      metadata: { via: 'test' },
      changes: null,
    });
    expect(stored.createdAt.getTime()).toBe(entry.createdAt.getTime());
  });

  it('joins the caller’s transaction: rolled back with it', async () => {
    const { organization, user } = await createOrganization(prisma());
    await expect(
      withAuditContext({ userId: user.id }, () =>
        prisma().$transaction(async (tx) => {
          await tx.$record({
            organizationId: organization.id,
            action: 'export',
            entityType: 'ticket',
            entityId: 'rollback-me',
          });
          await record(tx, {
            organizationId: organization.id,
            action: 'export',
            entityType: 'ticket',
            entityId: 'rollback-me-too',
          });
          throw new Error('abort');
        }),
      ),
    ).rejects.toThrow('abort');
    expect(await entriesFor(prisma(), ['rollback-me', 'rollback-me-too'])).toEqual([]);
  });

  it('refuses invalid input with a message naming the field, before any query', async () => {
    const { organization } = await createOrganization(prisma());
    await expect(
      prisma().$record({ organizationId: organization.id, action: 'Drop Table', entityType: 'user', entityId: 'x' }),
    ).rejects.toThrow(
      new AuditRecordError(
        'action: The action must be lower-case letters, digits and underscores, starting with a letter (e.g. "failed_login")',
      ),
    );
    await expect(
      prisma().$record({
        organizationId: organization.id,
        action: 'export',
        entityType: 'user',
        entityId: 'x',
        metadata: { blob: 'x'.repeat(70_000) },
      }),
    ).rejects.toThrow(/metadata must be at most 64 KB/);
  });

  it('refuses every write to the audit model through Prisma, and still reads', async () => {
    const { organization } = await createOrganization(prisma());
    const entry = await prisma().$record({
      organizationId: organization.id,
      action: 'view',
      entityType: 'client',
      entityId: 'c1',
    });
    const key = { organizationId: organization.id, createdAt: entry.createdAt, id: entry.id };
    const attempts = [
      () =>
        prisma().auditLog.create({
          data: {
            id: crypto.randomUUID(),
            organizationId: organization.id,
            action: 'x',
            entityType: 'x',
            entityId: 'x',
            actorType: 'SYSTEM',
          },
        }),
      () => prisma().auditLog.update({ where: { organizationId_createdAt_id: key }, data: { action: 'tampered' } }),
      () => prisma().auditLog.updateMany({ data: { action: 'tampered' } }),
      () => prisma().auditLog.delete({ where: { organizationId_createdAt_id: key } }),
      () => prisma().auditLog.deleteMany({}),
      () =>
        prisma().auditLog.upsert({
          where: { organizationId_createdAt_id: key },
          create: {
            id: entry.id,
            organizationId: 'o',
            action: 'x',
            entityType: 'x',
            entityId: 'x',
            actorType: 'SYSTEM',
          },
          update: { action: 'x' },
        }),
    ];
    for (const [i, attempt] of attempts.entries()) {
      await expect(attempt(), `attempt ${i}`).rejects.toThrow(AuditLogImmutableError);
    }
    await expect(prisma().auditLog.delete({ where: { organizationId_createdAt_id: key } })).rejects.toThrow(
      /AuditLog is append-only: delete is not allowed/,
    );
    expect(await prisma().auditLog.findFirst({ where: { id: entry.id } })).toMatchObject({ action: 'view' });
  });
});
