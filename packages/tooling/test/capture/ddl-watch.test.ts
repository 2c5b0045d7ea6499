/**
 * Capture switched off is itself recorded: DDL on an audited table, its columns or triggers, the audit table or the
 * engine's schema writes one `schema_change` entry per organization and transaction (event triggers, so a superuser
 * installed them; the tests run as one). And the capture SQL can be installed again, touching only its own objects.
 */
import { withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { generateCaptureSql } from '../../src/migrate/audit-triggers.ts';
import { defaultPaths } from '../../src/migrate/index.ts';
import { createOrganization, runScript, testEngines, useTestDatabase } from '@auditlog/db/testing';

interface SchemaChange {
  organizationId: string;
  actorUserId: string | null;
  actorType: string;
  actorName: string | null;
  metadata: {
    role: string;
    commandCount: number;
    commands: { command: string; objectType: string; object: string }[];
    statement: string;
  };
}

describe.each(testEngines)('the DDL watch on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  /** Runs the statements in one transaction (or a script in one); returns the schema_change entries it wrote. */
  async function schemaChangesOf(...statements: string[]): Promise<SchemaChange[]> {
    const [{ before } = { before: '' }] = await prisma().$queryRawUnsafe<{ before: string }[]>(
      `SELECT coalesce(max(id::text), '') AS before FROM "AuditLog"`,
    );
    await prisma().$transaction(async (tx) => {
      for (const statement of statements) await tx.$executeRawUnsafe(statement);
    });
    return schemaChangesSince(before);
  }

  async function schemaChangesOfScript(sql: string): Promise<SchemaChange[]> {
    const [{ before } = { before: '' }] = await prisma().$queryRawUnsafe<{ before: string }[]>(
      `SELECT coalesce(max(id::text), '') AS before FROM "AuditLog"`,
    );
    await runScript(db().handle, sql);
    return schemaChangesSince(before);
  }

  function schemaChangesSince(before: string): Promise<SchemaChange[]> {
    return prisma().$queryRawUnsafe<SchemaChange[]>(
      `SELECT "organizationId", "actorType"::text AS "actorType", "actorUserId", "actorName", metadata FROM "AuditLog"
       WHERE action = 'schema_change' AND id::text > $1 ORDER BY id`,
      before,
    );
  }

  it('records a capture trigger disabled, in every organization, as the database role that did it', async () => {
    const a = await createOrganization(prisma());
    const b = await createOrganization(prisma());
    const changes = await schemaChangesOf('ALTER TABLE "Ticket" DISABLE TRIGGER audit_capture_update');
    await schemaChangesOf('ALTER TABLE "Ticket" ENABLE TRIGGER audit_capture_update');
    const organizations = changes.map((c) => c.organizationId);
    expect(organizations).toContain(a.organization.id);
    expect(organizations).toContain(b.organization.id);
    expect(new Set(organizations).size).toBe(organizations.length);
    for (const change of changes) {
      expect(change, `the change in organization ${change.organizationId}`).toMatchObject({
        actorType: 'SYSTEM',
        actorName: `database role ${change.metadata.role}`,
        metadata: {
          commandCount: 1,
          commands: [{ command: 'ALTER TABLE', objectType: 'table', object: 'public."Ticket"' }],
          statement: 'ALTER TABLE "Ticket" DISABLE TRIGGER audit_capture_update',
        },
      });
    }
  });

  it('records a capture trigger dropped, and columns added or dropped', async () => {
    await createOrganization(prisma());
    const [dropped] = await schemaChangesOf('DROP TRIGGER audit_capture_delete ON "Vendor"');
    expect(dropped?.metadata.commands).toEqual([
      { command: 'DROP TRIGGER', objectType: 'trigger', object: 'audit_capture_delete on public."Vendor"' },
    ]);
    const [added] = await schemaChangesOf('ALTER TABLE "Vendor" ADD COLUMN "taxId" text');
    expect(added?.metadata.commands).toEqual([
      { command: 'ALTER TABLE', objectType: 'table', object: 'public."Vendor"' },
    ]);
    const [removed] = await schemaChangesOf('ALTER TABLE "Vendor" DROP COLUMN "taxId"');
    expect(removed?.metadata.commands).toContainEqual({
      command: 'ALTER TABLE',
      objectType: 'table column',
      object: 'public."Vendor"."taxId"',
    });
    // Put the trigger back for the other tests: reinstalling the capture SQL is one more recorded change.
    const [reinstalled] = await schemaChangesOfScript((await generateCaptureSql(defaultPaths.schema)).sql);
    expect(reinstalled?.metadata.commandCount).toBeGreaterThan(10);
    expect(await db().checkCapture()).toEqual([]);
  });

  it('writes one entry per organization for a whole transaction of DDL, naming the actor of its context', async () => {
    const { organization, user } = await createOrganization(prisma());
    const changes = await withAuditContext({ userId: user.id }, () =>
      schemaChangesOf(
        'ALTER TABLE "Client" DISABLE TRIGGER audit_capture_insert',
        'ALTER TABLE "Client" ENABLE TRIGGER audit_capture_insert',
        `CREATE OR REPLACE FUNCTION auditlog."capture_Client"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
      ),
    );
    const mine = changes.filter((c) => c.organizationId === organization.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ actorType: 'USER', actorName: user.name });
    expect(mine[0]?.metadata.commands.map((c) => c.objectType)).toEqual(['table', 'table', 'function']);
    await schemaChangesOfScript((await generateCaptureSql(defaultPaths.schema)).sql);
    expect(await db().checkCapture()).toEqual([]);
  });

  it('records nothing for DDL on tables that are not audited, nor for DDL rolled back', async () => {
    await createOrganization(prisma());
    expect(
      await schemaChangesOf('ALTER TABLE "Session" ADD COLUMN note text', 'ALTER TABLE "Session" DROP COLUMN note'),
    ).toEqual([]);
    const [{ n: before } = { n: 0n }] = await prisma().$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM "AuditLog" WHERE action = 'schema_change'`,
    );
    await prisma()
      .$transaction(async (tx) => {
        await tx.$executeRawUnsafe('ALTER TABLE "Ticket" DISABLE TRIGGER audit_capture_insert');
        throw new Error('undo');
      })
      .catch(() => undefined);
    const [{ n: after } = { n: 0n }] = await prisma().$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT count(*) AS n FROM "AuditLog" WHERE action = 'schema_change'`,
    );
    expect(after).toBe(before);
    expect(await db().checkCapture()).toEqual([]);
  });
});

describe.each(testEngines)('installing the capture SQL again on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('is idempotent, and drops capture triggers and functions only in its own schemas', async () => {
    const prisma = db().prisma;
    await prisma.$executeRawUnsafe(`CREATE SCHEMA other`);
    await prisma.$executeRawUnsafe(`CREATE TABLE other."Ticket" (id text PRIMARY KEY)`);
    await prisma.$executeRawUnsafe(
      `CREATE FUNCTION other.audit_capture_mine() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
    );
    await prisma.$executeRawUnsafe(
      `CREATE TRIGGER audit_capture_insert AFTER INSERT ON other."Ticket" FOR EACH STATEMENT EXECUTE FUNCTION other.audit_capture_mine()`,
    );
    const { sql } = await generateCaptureSql(defaultPaths.schema);
    await runScript(db().handle, sql);
    await runScript(db().handle, sql);
    const kept = await prisma.$queryRawUnsafe<{ tgname: string }[]>(
      `SELECT tgname FROM pg_trigger WHERE tgrelid = 'other."Ticket"'::regclass`,
    );
    expect(kept.map((t) => t.tgname)).toEqual(['audit_capture_insert']);
    expect(await db().checkCapture()).toEqual([]);
    await prisma.$executeRawUnsafe(`DROP SCHEMA other CASCADE`);
  });
});
