/**
 * The audit table is partitioned by month (decision 018): an entry dated in a month nobody created lands in the
 * DEFAULT partition and its business write succeeds; maintain_partitions() files it into its month later; a
 * one-month query reads one partition; a statement on a partition meets the append-only guard too.
 */
import { randomUUID } from 'node:crypto';
import { runAsSystem } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization } from '../../src/testing/fixtures.ts';

const monthName = (date: Date) =>
  `AuditLog_p${date.getUTCFullYear()}_${String(date.getUTCMonth() + 1).padStart(2, '0')}`;

describe.each(testEngines)('monthly partitions on %s', (engine) => {
  const db = useTestDatabase(engine);
  const now = new Date();
  const monthsFrom = (n: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + n, 1));

  const partitions = async () =>
    (
      await db().prisma.$queryRawUnsafe<{ name: string }[]>(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = '"AuditLog"'::regclass ORDER BY 1`,
      )
    ).map((row) => row.name);

  const rowsIn = async (partition: string, organizationId: string) => {
    const [row] = await db().prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM auditlog."${partition}" WHERE "organizationId" = $1`,
      organizationId,
    );
    return row?.n ?? -1;
  };

  it('has the months from this one through three ahead, and a DEFAULT partition', async () => {
    const names = await partitions();
    for (let n = 0; n <= 3; n += 1) expect(names).toContain(monthName(monthsFrom(n)));
    expect(names).toContain('AuditLog_default');
  });

  it('keeps the entry of a month without a partition in DEFAULT (the write succeeds), then files it into its month', async () => {
    const { organization } = await createOrganization(db().prisma);
    const far = monthsFrom(30); // beyond what maintain_partitions() makes ahead
    const at = new Date(far.getTime() + 3_600_000);
    // The owner may write an entry at any time; a clock far ahead stands for a month nobody created.
    const [recorded] = await db().prisma.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
       VALUES (auditlog.next_id($2::timestamptz), $1, $2::timestamptz, 'login', 'user', 'u', 'SYSTEM') RETURNING id::text`,
      organization.id,
      at.toISOString(),
    );
    expect(recorded?.id).toBeTruthy();
    expect(await rowsIn('AuditLog_default', organization.id)).toBe(1);
    expect(await partitions()).not.toContain(monthName(far));

    // A business write meanwhile is captured as usual (its month exists).
    const vendor = await runAsSystem({ name: 'test' }, () =>
      db().prisma.vendor.create({ data: { id: randomUUID(), organizationId: organization.id, name: 'Acme' } }),
    );
    expect(vendor.name).toBe('Acme');

    await db().prisma.$executeRawUnsafe(`SELECT auditlog.maintain_partitions()`);
    expect(await partitions()).toContain(monthName(far));
    expect(await rowsIn('AuditLog_default', organization.id)).toBe(0);
    expect(await rowsIn(monthName(far), organization.id)).toBe(1);
    const [kept] = await db().prisma.$queryRawUnsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM "AuditLog" WHERE "organizationId" = $1 AND id = $2::uuid`,
      organization.id,
      recorded?.id,
    );
    expect(kept?.n).toBe(1);
  });

  it('reads one partition for a one-month query (EXPLAIN)', async () => {
    const from = monthsFrom(0);
    const to = monthsFrom(1);
    const plan = await db().prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN SELECT id FROM "AuditLog" WHERE "organizationId" = 'o' AND "createdAt" >= '${from.toISOString()}'
       AND "createdAt" < '${to.toISOString()}' ORDER BY "createdAt" DESC, id DESC LIMIT 50`,
    );
    const text = plan.map((row) => row['QUERY PLAN']).join('\n');
    const touched = new Set(text.match(/AuditLog_(p\d{4}_\d{2}|default)/g));
    expect([...touched]).toEqual([monthName(from)]);
  });

  it('guards every partition: the owner too meets the append-only trigger on a partition', async () => {
    const error = await db()
      .prisma.$executeRawUnsafe(`DELETE FROM auditlog."${monthName(monthsFrom(0))}"`)
      .then(
        () => 'deleted',
        (e: unknown) => String(e),
      );
    expect(error).toMatch(/append-only/);
    const truncate = await db()
      .prisma.$executeRawUnsafe(`TRUNCATE auditlog."AuditLog_default"`)
      .then(
        () => 'truncated',
        (e: unknown) => String(e),
      );
    expect(truncate).toMatch(/append-only/);
  });

  it('refuses to be asked for more than 24 months ahead', async () => {
    await expect(db().prisma.$executeRawUnsafe(`SELECT auditlog.maintain_partitions(1000)`)).rejects.toThrow(
      /between 0 and 24/,
    );
  });
});
