/**
 * The capture installed in the database is exactly what the committed registry describes, and the start-up check
 * names every way it can drift.
 */
import { checkInstalledCapture } from '@auditlog/audit';
import type { RegistryModel } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { auditRegistry } from '../../src/audit-registry.ts';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';

// That the migrations and this registry hold what the config generates today is checked beside the generator, in
// packages/tooling/test/capture/drift.test.ts.
describe('the registry', () => {
  it('audits every model with an organization except sessions and the audit table', () => {
    expect(auditRegistry.models.map((m) => m.model).sort()).toEqual(
      [
        'ApiKey',
        'Asset',
        'Client',
        'Contact',
        'Contract',
        'Integration',
        'Invoice',
        'InvoiceLine',
        'Organization',
        'Project',
        'Quote',
        'Ticket',
        'User',
        'Vendor',
      ].sort(),
    );
  });
});

// The investigation view rolls entries up by these (a ticket's entries under its client): they must be every foreign
// key the database has, each pointing at the entity type of its target.
describe.each(testEngines)("the registry's relations on %s", (engine) => {
  const db = useTestDatabase(engine);

  it("lists exactly the foreign keys of each audited table, with the target's entity type when it is audited", async () => {
    const keys = await db().prisma.$queryRawUnsafe<{ table: string; column: string; target: string }[]>(
      `SELECT c.conrelid::regclass::text AS table, a.attname AS column, c.confrelid::regclass::text AS target
       FROM pg_catalog.pg_constraint c
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
       WHERE c.contype = 'f' AND cardinality(c.conkey) = 1 AND c.connamespace = $1::regnamespace`,
      auditRegistry.schema,
    );
    const unquote = (name: string) => name.replace(/^"(.*)"$/, '$1');
    const byTable = new Map<string, RegistryModel>(auditRegistry.models.map((model) => [model.table, model]));
    for (const model of auditRegistry.models) {
      const expected = keys
        .filter((key) => unquote(key.table) === model.table)
        .map((key) => ({ column: key.column, targetEntityType: byTable.get(unquote(key.target))?.entityType ?? null }))
        .sort((a, b) => a.column.localeCompare(b.column));
      const listed = model.relations
        .map(({ column, targetEntityType }) => ({ column, targetEntityType }))
        .sort((a, b) => a.column.localeCompare(b.column));
      expect(listed, model.model).toEqual(expected);
    }
    const contact = auditRegistry.models.find((model) => model.model === 'Contact');
    expect(contact?.relations).toContainEqual({
      field: 'clientId',
      column: 'clientId',
      targetModel: 'Client',
      targetEntityType: 'client',
    });
  });
});

describe.each(testEngines)('the installed capture on %s', (engine) => {
  const db = useTestDatabase(engine);
  const problems = () => checkInstalledCapture(db().prisma, auditRegistry);
  const errors = async () => (await problems()).filter((p) => p.severity === 'error').map((p) => p.message);

  it('matches the registry: every trigger present and enabled, every function current, no extra column', async () => {
    expect(await errors()).toEqual([]);
  });

  it('has the DDL watch installed (the tests run as a superuser)', async () => {
    expect(await problems()).toEqual([]);
  });

  it.each(auditRegistry.models.map((model) => [model.model, model] as const))(
    '%s has its capture triggers',
    async (_name, model) => {
      const triggers = await db().prisma.$queryRawUnsafe<{ tgname: string }[]>(
        `SELECT tgname FROM pg_trigger WHERE tgrelid = format('%I.%I', 'public', $1::text)::regclass AND NOT tgisinternal ORDER BY tgname`,
        model.table,
      );
      const movable = model.organizationColumn !== model.idColumn;
      expect(triggers.map((t) => t.tgname)).toEqual([
        'audit_capture_delete',
        'audit_capture_insert',
        ...(movable ? ['audit_capture_move'] : []),
        'audit_capture_rekey',
        'audit_capture_truncate',
        'audit_capture_update',
      ]);
      expect([...model.triggers].sort()).toEqual(triggers.map((t) => t.tgname));
    },
  );

  /** Runs `change` in a transaction that is rolled back, and returns the check's errors seen inside it. */
  async function errorsAfter(change: string): Promise<string[]> {
    const marker = new Error('rollback');
    let seen: string[] = [];
    await db()
      .prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe(change);
        seen = (await checkInstalledCapture(tx, auditRegistry))
          .filter((p) => p.severity === 'error')
          .map((p) => p.message);
        throw marker;
      })
      .catch((error: unknown) => {
        if (error !== marker) throw error;
      });
    return seen;
  }

  it('names a disabled capture trigger', async () => {
    expect(await errorsAfter('ALTER TABLE "Ticket" DISABLE TRIGGER audit_capture_update')).toEqual([
      'Ticket: trigger audit_capture_update is disabled, so its writes are not captured (ALTER TABLE … ENABLE TRIGGER audit_capture_update)',
    ]);
  });

  it('names a dropped capture trigger', async () => {
    const found = await errorsAfter('DROP TRIGGER audit_capture_delete ON "Vendor"');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^Vendor: trigger audit_capture_delete is missing, so its writes are not captured/);
  });

  it('names a column added by a hand-written migration, which the capture would not see', async () => {
    const found = await errorsAfter('ALTER TABLE "Vendor" ADD COLUMN "taxId" text');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^Vendor: column "taxId" is not captured \(added after the capture SQL was generated\)/);
  });

  it('names a capture function edited in place', async () => {
    const found = await errorsAfter(
      `CREATE OR REPLACE FUNCTION auditlog."capture_Ticket"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
    );
    expect(found).toEqual([expect.stringMatching(/^function auditlog\.capture_Ticket differs from the registry/)]);
  });

  it('names a capture trigger on a table the registry does not audit', async () => {
    const found = await errorsAfter(
      `CREATE TRIGGER audit_capture_insert AFTER INSERT ON "Session" FOR EACH STATEMENT EXECUTE FUNCTION auditlog."capture_Ticket"()`,
    );
    expect(found).toEqual([
      expect.stringMatching(/^Session: trigger audit_capture_insert captures a table the registry does not audit/),
    ]);
  });

  it('names a disabled append-only guard', async () => {
    const found = await errorsAfter('ALTER TABLE "AuditLog" DISABLE TRIGGER audit_append_only');
    expect(found).toEqual([expect.stringMatching(/^AuditLog: the append-only trigger is missing or disabled/)]);
  });

  it('names a capture installed from another version of the SQL', async () => {
    const found = await errorsAfter(`INSERT INTO auditlog.installed (hash) VALUES ('0000000000000000')`);
    expect(found).toEqual([
      expect.stringMatching(/^the installed capture SQL is 0000000000000000, the registry expects [0-9a-f]{16}/),
    ]);
  });
});
