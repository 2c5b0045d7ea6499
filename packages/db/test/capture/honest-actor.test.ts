/**
 * Every write has an honest actor: a write outside any context is unattributed (never System), strict mode refuses
 * it naming what is missing, a context the library writes is always read whole whatever its names hold, and a
 * malformed one never fails the business write. Nothing a session puts on its search_path is used by the capture.
 */
import {
  AUDIT_SETTINGS,
  encodeAuditContext,
  MAX_ENCODED_CONTEXT_BYTES,
  runAsSystem,
  withAuditContext,
} from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.ts';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from '../../src/testing/fixtures.ts';

describe.each(testEngines)('honest actors on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  describe('strict mode', () => {
    const strict = useTestDatabase(engine, { open: (options) => openDatabase({ ...options, strict: true }) });

    it('refuses an audited write outside any context, naming the table and what is missing', async () => {
      const { organization } = await runAsSystem({ name: 'setup' }, () => createOrganization(strict().prisma));
      await expect(
        strict().prisma.vendor.create({ data: { organizationId: organization.id, name: 'No context' } }),
      ).rejects.toThrow(/public\.Vendor: audited write outside any audit context, refused by strict mode/);
      expect(await strict().prisma.vendor.count({ where: { name: 'No context' } })).toBe(0);
    });

    it('refuses record() outside any context too', async () => {
      const { organization } = await runAsSystem({ name: 'setup' }, () => createOrganization(strict().prisma));
      await expect(
        strict().prisma.$record({
          organizationId: organization.id,
          action: 'export',
          entityType: 'invoice',
          entityId: 'all',
        }),
      ).rejects.toThrow(/refused by strict mode/);
    });

    it('lets writes in a context through, and writes that change nothing audited (an ignored field)', async () => {
      const { organization, user } = await runAsSystem({ name: 'setup' }, () => createOrganization(strict().prisma));
      const vendor = await withAuditContext({ userId: user.id }, () =>
        strict().prisma.vendor.create({ data: { organizationId: organization.id, name: 'In context' } }),
      );
      expect((await entriesFor(strict().prisma, [vendor.id]))[0]?.actorUserId).toBe(user.id);
      await strict().prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    });

    it('never fails a write whose context is malformed: it is stored, flagged', async () => {
      const { organization } = await runAsSystem({ name: 'setup' }, () => createOrganization(strict().prisma));
      await strict().prisma.$executeRawUnsafe(
        `INSERT INTO "Vendor" (id, "organizationId", name, "updatedAt") VALUES ('malformed-strict', $1, 'Flagged', now()) /*audit='bm90IGpzb24'*/`,
        organization.id,
      );
      const [entry] = await entriesFor(strict().prisma, ['malformed-strict']);
      expect(entry).toMatchObject({ actorType: 'UNATTRIBUTED', metadata: { auditContext: 'malformed_context' } });
    });
  });

  describe('malformed contexts', () => {
    const cases: [string, string][] = [
      ['not base64', `/*audit='!!!'*/`],
      ['base64 of something that is not JSON', `/*audit='bm90IGpzb24'*/`],
      ['base64 of invalid UTF-8', `/*audit='${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}'*/`],
      ['JSON that is not an object', `/*audit='${Buffer.from('[1,2]').toString('base64url')}'*/`],
      ['an object naming no actor', `/*audit='${Buffer.from('{"ip":"1.2.3.4"}').toString('base64url')}'*/`],
      ['a clock that is not a time', `/*audit='${Buffer.from('{"u":"x","at":"yesterday"}').toString('base64url')}'*/`],
      ['an impossible base64 length', `/*audit='abcde'*/`],
    ];

    it.each(cases)('stores a write with %s, flagged, and never fails it', async (_what, comment) => {
      const { organization } = await createOrganization(prisma());
      const id = `malformed-${Math.random().toString(36).slice(2)}`;
      await prisma().$executeRawUnsafe(
        `INSERT INTO "Vendor" (id, "organizationId", name, "updatedAt") VALUES ($1, $2, 'Flagged', now()) ${comment}`,
        id,
        organization.id,
      );
      const [entry] = await entriesFor(prisma(), [id]);
      expect(entry?.metadata).toMatchObject({ auditContext: 'malformed_context' });
      expect(entry?.actorType === 'UNATTRIBUTED' || entry?.actorType === 'USER').toBe(true);
    });

    it('an ordinary write outside any context is unattributed with no flag', async () => {
      const { organization } = await createOrganization(prisma());
      const vendor = await prisma().vendor.create({
        data: { organizationId: organization.id, name: 'No context at all' },
      });
      const [entry] = await entriesFor(prisma(), [vendor.id]);
      expect(entry).toMatchObject({ actorType: 'UNATTRIBUTED', actorName: null, metadata: null });
    });
  });

  describe('the context budget', () => {
    const long = (unit: string, count: number) => unit.repeat(count);

    it.each([
      [
        'four-byte characters in the name, email and user agent',
        long('𝔘', 200),
        `${long('é', 190)}@example.test`,
        long('🚀', 512),
      ],
      ['control characters JSON escapes in six bytes', long('\u0007', 200), long('\u0001', 200), long('\u001b', 512)],
    ])('keeps the user as the actor with %s (the comment always fits)', async (_what, name, email, userAgent) => {
      const { organization, user } = await createOrganization(prisma());
      const encoded = encodeAuditContext({
        actor: { type: 'user', userId: user.id, name, email },
        ipAddress: '203.0.113.9',
        userAgent,
        requestId: 'req-long',
      });
      expect(Buffer.byteLength(encoded)).toBeLessThanOrEqual(MAX_ENCODED_CONTEXT_BYTES);
      const vendor = await withAuditContext(
        { userId: user.id, name, email, userAgent, ipAddress: '203.0.113.9', requestId: 'req-long' },
        () => prisma().vendor.create({ data: { organizationId: organization.id, name: 'Long context' } }),
      );
      const [entry] = await entriesFor(prisma(), [vendor.id]);
      expect(entry).toMatchObject({
        actorType: 'USER',
        actorUserId: user.id,
        ipAddress: '203.0.113.9',
        requestId: 'req-long',
        metadata: null,
      });
      // The user agent is shortened first, so the name survives whole when it fits.
      expect(entry?.actorName?.length).toBeGreaterThan(0);
    });
  });

  describe('nothing a session can shadow', () => {
    it('writes entries to the real audit table when the session has a temporary "AuditLog" first on its path', async () => {
      const { organization, user } = await createOrganization(prisma());
      const vendor = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'Shadowed' } });
      const shadowRows = await withAuditContext({ userId: user.id }, () =>
        prisma().$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`CREATE TEMP TABLE "AuditLog" (LIKE public."AuditLog") ON COMMIT DROP`);
          await tx.$executeRawUnsafe(`CREATE TEMP TABLE "User" (LIKE public."User") ON COMMIT DROP`);
          await tx.$executeRawUnsafe(`SET LOCAL search_path = pg_temp, public`);
          await tx.$executeRawUnsafe(`UPDATE public."Vendor" SET name = 'Shadow attempt' WHERE id = $1`, vendor.id);
          const [row] = await tx.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM pg_temp."AuditLog"`);
          return Number(row?.n);
        }),
      );
      expect(shadowRows).toBe(0);
      const [update] = (await entriesFor(prisma(), [vendor.id])).filter((e) => e.action === 'update');
      expect(update).toMatchObject({
        actorUserId: user.id,
        changes: { name: { before: 'Shadowed', after: 'Shadow attempt' } },
      });
    });

    it('captures writes whatever the session search_path, even an empty one', async () => {
      const { organization } = await createOrganization(prisma());
      const vendor = await prisma().vendor.create({ data: { organizationId: organization.id, name: 'No path' } });
      await prisma().$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL search_path = ''`);
        await tx.$executeRawUnsafe(`UPDATE public."Vendor" SET name = 'Still captured' WHERE id = $1`, vendor.id);
        await tx.$executeRawUnsafe(`SET LOCAL search_path = pg_catalog`);
        await tx.$executeRawUnsafe(`DELETE FROM public."Vendor" WHERE id = $1`, vendor.id);
      });
      expect((await entriesFor(prisma(), [vendor.id])).map((e) => e.action)).toEqual(['create', 'update', 'delete']);
    });

    it('a session can turn strict mode on for itself only', async () => {
      const { organization } = await createOrganization(prisma());
      const refusal = await prisma()
        .$transaction(async (tx) => {
          await tx.$executeRawUnsafe(`SET LOCAL ${AUDIT_SETTINGS.strict} = on`);
          await tx.$executeRawUnsafe(
            `INSERT INTO "Vendor" (id, "organizationId", name, "updatedAt") VALUES ('strict-tx', $1, 'x', now())`,
            organization.id,
          );
        })
        .then(
          () => null,
          (error: unknown) => String(error),
        );
      expect(refusal).toMatch(/strict mode/);
      const vendor = await prisma().vendor.create({
        data: { organizationId: organization.id, name: 'Other transaction' },
      });
      expect((await entriesFor(prisma(), [vendor.id]))[0]?.actorType).toBe('UNATTRIBUTED');
    });
  });
});
