/**
 * Least privilege, enforced by the database: the application's runtime role (set up with `grant_runtime()`) writes
 * business tables and reads the log, and nothing else. It cannot change or remove entries, write them directly,
 * switch capture off, touch the engine's private tables, or backdate entries. PGlite has one login user, so the
 * privilege tests there run as the role with SET ROLE; on PostgreSQL the same run as a real login role too, whose
 * session is what the seeding clock checks.
 */
import { randomUUID } from 'node:crypto';
import { withAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.ts';
import type { Database } from '../../src/index.ts';
import { createTestRole, testEngines, useTestDatabase } from '../../src/testing/index.ts';
import type { TestRole } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from '../../src/testing/fixtures.ts';

describe.each(testEngines)('the runtime role on %s', (engine) => {
  const db = useTestDatabase(engine);
  const role = `auditlog_runtime_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await db().prisma.$executeRawUnsafe(`CREATE ROLE "${role}"`);
    await db().prisma.$executeRawUnsafe(`SELECT auditlog.grant_runtime($1)`, role);
  });
  afterAll(async () => {
    await db().prisma.$executeRawUnsafe(`DELETE FROM auditlog.runtime_roles WHERE role_name = $1`, role);
    await db().prisma.$executeRawUnsafe(`DROP OWNED BY "${role}"`);
    await db().prisma.$executeRawUnsafe(`DROP ROLE "${role}"`);
  });

  /** Runs `sql` as the runtime role in a transaction that is rolled back; the error message, or null. */
  async function asRuntime(sql: string, ...params: unknown[]): Promise<string | null> {
    const done = new Error('rolled back');
    return db()
      .prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL ROLE "${role}"`);
        await tx.$executeRawUnsafe(sql, ...params);
        throw done;
      })
      .then(
        () => 'committed',
        (error: unknown) => (error === done ? null : error instanceof Error ? error.message : String(error)),
      );
  }

  const now = new Date();
  const thisMonth = `auditlog."AuditLog_p${now.getUTCFullYear()}_${String(now.getUTCMonth() + 1).padStart(2, '0')}"`;
  const entry = `(id, "organizationId", action, "entityType", "entityId", "actorType") VALUES ('${randomUUID()}', 'o', 'login', 'user', 'u', 'USER')`;

  it.each([
    ['UPDATE audit entries', `UPDATE "AuditLog" SET action = 'forged'`],
    ['DELETE audit entries', `DELETE FROM "AuditLog"`],
    ['TRUNCATE the audit table', `TRUNCATE "AuditLog"`],
    ['INSERT an entry directly', `INSERT INTO "AuditLog" ${entry}`],
    ['disable a capture trigger', `ALTER TABLE "Ticket" DISABLE TRIGGER audit_capture_update`],
    ['disable every trigger of a table', `ALTER TABLE "Ticket" DISABLE TRIGGER ALL`],
    ['drop a capture trigger', `DROP TRIGGER audit_capture_update ON "Ticket"`],
    [
      'replace a capture function',
      `CREATE OR REPLACE FUNCTION auditlog."capture_Ticket"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
    ],
    ['TRUNCATE a business table', `TRUNCATE "Ticket"`],
    [
      'write the daily counts',
      `INSERT INTO "AuditLogDailyCount" ("organizationId", day, action, "entityType", count) VALUES ('o', now(), 'x', 'x', 1)`,
    ],
    ['change the daily counts', `UPDATE "AuditLogDailyCount" SET count = 0`],
    // The per-facet daily counts: written only by audit_refresh_daily_counts(), never by the runtime role.
    [
      'write the actor counts',
      `INSERT INTO "AuditLogActorDailyCount" ("organizationId", "actorType", "actorKey", day, "firstAt", "lastAt", count) VALUES ('o', 'USER', 'u', now(), now(), now(), 1)`,
    ],
    ['change the actor counts', `UPDATE "AuditLogActorDailyCount" SET count = 0`],
    ['delete the actor counts', `DELETE FROM "AuditLogActorDailyCount"`],
    [
      'write the IP counts',
      `INSERT INTO "AuditLogIpDailyCount" ("organizationId", "ipAddress", day, "firstAt", "lastAt", count) VALUES ('o', '203.0.113.1', now(), now(), now(), 1)`,
    ],
    ['change the IP counts', `UPDATE "AuditLogIpDailyCount" SET count = 0`],
    ['TRUNCATE the IP counts', `TRUNCATE "AuditLogIpDailyCount"`],
    [
      'write the request counts',
      `INSERT INTO "AuditLogRequestDailyCount" ("organizationId", "requestId", day, "firstAt", "lastAt", count) VALUES ('o', 'r', now(), now(), now(), 1)`,
    ],
    ['change the request counts', `UPDATE "AuditLogRequestDailyCount" SET "lastAt" = now()`],
    ['delete the request counts', `DELETE FROM "AuditLogRequestDailyCount"`],
    [
      'move the counted-until marker',
      `INSERT INTO "AuditLogRollup" ("organizationId", "countedUntil") VALUES ('o', now())`,
    ],
    ['read the key-change bookkeeping', `SELECT * FROM auditlog.rekeyed`],
    ['write it', `INSERT INTO auditlog.rekeyed (tx, rel, old_id, new_id) VALUES (pg_current_xact_id(), 1, 'a', 'b')`],
    ['read the DDL events', `SELECT * FROM auditlog.ddl_events`],
    ['call the context parser', `SELECT auditlog.context()`],
    ['grant a role the runtime privileges', `SELECT auditlog.grant_runtime('postgres')`],
    ['grant itself the seeding clock', `SELECT auditlog.grant_seeder(current_user)`],
    ['call the seeding marker', `SELECT auditlog.seed_clock()`],
    ['reinstall the DDL watch', `SELECT auditlog.install_ddl_watch()`],
    ['record a row change through record()', `SELECT auditlog.record('o', 'delete', 'ticket', 't', NULL, NULL)`],
    [
      'record a row change through record_many()',
      `SELECT * FROM auditlog.record_many('o', '[{"action":"export","entityType":"ticket","entityId":"t"},{"action":"update","entityType":"ticket","entityId":"t"}]')`,
    ],
    // Monthly partitions (decision 018): the runtime role reads the parent only, and owns nothing.
    ['read a partition directly', `SELECT * FROM ${thisMonth}`],
    ['INSERT into a partition, past the parent', `INSERT INTO ${thisMonth} ${entry}`],
    ['INSERT into the DEFAULT partition', `INSERT INTO auditlog."AuditLog_default" ${entry}`],
    ['UPDATE a partition', `UPDATE ${thisMonth} SET action = 'forged'`],
    ['DELETE from a partition', `DELETE FROM ${thisMonth}`],
    ['TRUNCATE a partition', `TRUNCATE ${thisMonth}`],
    ['DETACH a partition', `ALTER TABLE "AuditLog" DETACH PARTITION ${thisMonth}`],
    ['DROP a partition', `DROP TABLE ${thisMonth}`],
    ['DROP the DEFAULT partition', `DROP TABLE auditlog."AuditLog_default"`],
    ['disable the guard of a partition', `ALTER TABLE ${thisMonth} DISABLE TRIGGER audit_append_only`],
    [
      'ATTACH another table as a month',
      `ALTER TABLE "AuditLog" ATTACH PARTITION auditlog.rekeyed FOR VALUES FROM ('2001-01-01') TO ('2001-02-01')`,
    ],
    ['create a table in the engine schema', `CREATE TABLE auditlog."AuditLog_p2001_01" (LIKE "AuditLog")`],
    ['drop a partition through the prune helper', `SELECT auditlog.drop_partitions_of('o', now())`],
  ])('may not %s', async (_what, sql) => {
    expect(await asRuntime(sql)).toMatch(/permission denied|must be owner|written by the capture triggers only/);
  });

  it('gets its grants on a table a later migration adds once they are re-applied, as every deploy does', async () => {
    await db().prisma.$executeRawUnsafe(`CREATE TABLE "LaterTable" (id text PRIMARY KEY)`);
    expect(await asRuntime(`INSERT INTO "LaterTable" (id) VALUES ('x')`)).toMatch(/permission denied/);
    await db().prisma.$executeRawUnsafe(`SELECT auditlog.apply_grants()`);
    expect(await asRuntime(`INSERT INTO "LaterTable" (id) VALUES ('x')`)).toBeNull();
    expect(await asRuntime(`TRUNCATE "LaterTable"`)).toMatch(/permission denied/);
    await db().prisma.$executeRawUnsafe(`DROP TABLE "LaterTable"`);
  });

  it('may do what the application needs: business writes, record(), reading the log, refreshing the counts', async () => {
    const { organization, user } = await createOrganization(db().prisma);
    const vendorId = `runtime-${randomUUID()}`;
    const recorded = await withAuditContext({ userId: user.id, requestId: 'req-runtime' }, () =>
      db().prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(`SET LOCAL ROLE "${role}"`);
        await tx.vendor.create({
          data: { id: vendorId, organizationId: organization.id, name: 'By the runtime role' },
        });
        await tx.vendor.update({ where: { id: vendorId }, data: { name: 'Renamed by it' } });
        const entry = await tx.$record({
          organizationId: organization.id,
          action: 'export',
          entityType: 'vendor',
          entityId: 'all',
        });
        await tx.$recordMany({
          organizationId: organization.id,
          entries: [{ action: 'import', entityType: 'vendor', entityId: 'all' }],
        });
        const [count] = await tx.$queryRawUnsafe<{ counted: Date | null }[]>(
          `SELECT audit_refresh_daily_counts($1) AS counted`,
          organization.id,
        );
        const visible = await tx.auditLog.count({ where: { organizationId: organization.id } });
        // The facets' counts are the list's to read.
        for (const table of ['AuditLogActorDailyCount', 'AuditLogIpDailyCount', 'AuditLogRequestDailyCount'])
          await tx.$queryRawUnsafe(`SELECT count(*) FROM "${table}"`);
        await tx.vendor.delete({ where: { id: vendorId } });
        return { entry, count, visible };
      }),
    );
    expect(recorded.visible).toBeGreaterThan(0);
    expect(recorded.count?.counted).toBeInstanceOf(Date);
    const entries = await entriesFor(db().prisma, [vendorId, 'all']);
    expect(entries.map((e) => [e.action, e.actorUserId, e.requestId])).toEqual([
      ['create', user.id, 'req-runtime'],
      ['update', user.id, 'req-runtime'],
      ['export', user.id, 'req-runtime'],
      ['import', user.id, 'req-runtime'],
      ['delete', user.id, 'req-runtime'],
    ]);
  });
});

describe.runIf(testEngines.includes('postgres'))('a login role on PostgreSQL', () => {
  const admin = useTestDatabase('postgres');
  const roles: TestRole[] = [];
  let runtime: Database | undefined;
  let seeder: Database | undefined;
  const as = (client: Database | undefined) => {
    if (!client) throw new Error('opened in beforeAll');
    return client.prisma;
  };

  beforeAll(async () => {
    const runtimeRole = await createTestRole(admin().handle, { runtime: true });
    const seederRole = await createTestRole(admin().handle, { runtime: true, seeder: true });
    roles.push(runtimeRole, seederRole);
    // As the server opens it in production: no migration, strict mode, and the capture checked against the registry.
    runtime = await openDatabase({ url: runtimeRole.url, strict: true, checkCapture: true, poolSize: 2 });
    seeder = await openDatabase({ url: seederRole.url, checkCapture: true, poolSize: 2 });
  }, 60_000);
  afterAll(async () => {
    await runtime?.close();
    await seeder?.close();
    for (const role of roles) await role.drop();
  }, 60_000);

  it('opens with migrations off and passes the capture check', async () => {
    expect(await as(runtime).$queryRawUnsafe<{ user: string }[]>('SELECT current_user AS user')).toEqual([
      { user: roles[0]?.name },
    ]);
    expect(await runtime?.checkCapture()).toEqual([]);
  });

  it('cannot UPDATE, DELETE or TRUNCATE the audit table, nor disable a capture trigger', async () => {
    for (const sql of [`UPDATE "AuditLog" SET action = 'x'`, `DELETE FROM "AuditLog"`, `TRUNCATE "AuditLog"`]) {
      await expect(as(runtime).$executeRawUnsafe(sql), sql).rejects.toThrow(/permission denied/);
    }
    await expect(
      as(runtime).$executeRawUnsafe(`ALTER TABLE "Vendor" DISABLE TRIGGER audit_capture_insert`),
    ).rejects.toThrow(/must be owner/);
  });

  it('cannot backdate: a forged seeding clock is ignored, and the entry says so', async () => {
    const { organization, user } = await withAuditContext({ systemName: 'setup' }, () =>
      createOrganization(as(runtime)),
    );
    const forged = new Date('2020-01-01T00:00:00.000Z');
    const vendor = await withAuditContext({ userId: user.id }, () =>
      withSeedClock(forged, () =>
        as(runtime).vendor.create({ data: { organizationId: organization.id, name: 'Backdated?' } }),
      ),
    );
    const [entry] = await entriesFor(as(admin()), [vendor.id]);
    expect(entry?.createdAt.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(entry).toMatchObject({ actorUserId: user.id, metadata: { auditContext: 'clock_refused' } });
  });

  it('a role granted the seeding clock may backdate', async () => {
    const { organization, user } = await withAuditContext({ systemName: 'setup' }, () =>
      createOrganization(as(seeder)),
    );
    const at = new Date('2026-08-01T09:30:00.000Z');
    const vendor = await withAuditContext({ userId: user.id }, () =>
      withSeedClock(at, () => as(seeder).vendor.create({ data: { organizationId: organization.id, name: 'Seeded' } })),
    );
    const [entry] = await entriesFor(as(admin()), [vendor.id]);
    expect(entry?.createdAt.toISOString()).toBe(at.toISOString());
    expect(entry?.metadata).toBeNull();
  });

  it('refuses, in strict mode, a write its code forgot to put in a context', async () => {
    const { organization } = await withAuditContext({ systemName: 'setup' }, () => createOrganization(as(runtime)));
    await expect(
      as(runtime).vendor.create({ data: { organizationId: organization.id, name: 'Forgotten' } }),
    ).rejects.toThrow(/refused by strict mode/);
  });
});
