import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../src/testing/index.ts';

describe.each(testEngines)('the audit table is append-only on %s', (engine) => {
  const db = useTestDatabase(engine);

  const insertEntry = () =>
    db().prisma.$executeRaw`
      INSERT INTO "AuditLog" (id, "organizationId", action, "entityType", "entityId", "actorType")
      VALUES (gen_random_uuid(), 'org_1', 'login', 'user', 'user_1', 'SYSTEM')`;

  it('accepts inserts', async () => {
    await expect(insertEntry()).resolves.toBe(1);
  });

  it.each([
    ['UPDATE', `UPDATE "AuditLog" SET action = 'tampered'`],
    ['DELETE', `DELETE FROM "AuditLog"`],
    ['TRUNCATE', `TRUNCATE "AuditLog"`],
  ])('rejects %s with an error naming the table', async (operation, sql) => {
    await expect(db().prisma.$executeRawUnsafe(sql)).rejects.toThrow(
      new RegExp(`audit table "AuditLog" is append-only: ${operation} is not allowed`),
    );
    const count = await db().prisma.auditLog.count();
    expect(count).toBe(1);
  });

  it('rejects UPDATE and DELETE even when no row matches', async () => {
    await expect(db().prisma.$executeRawUnsafe(`DELETE FROM "AuditLog" WHERE false`)).rejects.toThrow(/append-only/);
    await expect(db().prisma.$executeRawUnsafe(`UPDATE "AuditLog" SET action = 'x' WHERE false`)).rejects.toThrow(
      /append-only/,
    );
  });
});
