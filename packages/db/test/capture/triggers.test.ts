/** The database's capture triggers are exactly what the audit config and schema.prisma generate today. */
import { AUDIT_SQL_MARKER, captureFunctionName, dmmfFromSchemaFile, expectedFunctionSource, resolveAuditConfig } from '@auditlog/audit/triggers';
import { describe, expect, it } from 'vitest';
import { auditConfig } from '../../src/audited.ts';
import { generateCaptureSql, latestCaptureHash } from '../../src/migrate/audit-triggers.ts';
import { defaultPaths, readMigrations } from '../../src/migrate/index.ts';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';

const resolved = resolveAuditConfig(auditConfig, await dmmfFromSchemaFile(defaultPaths.schema));

describe('the migrations hold the current capture SQL', () => {
  it('the newest generated SQL in the migrations has the hash of what the config generates now (run pnpm db:migrate if not)', async () => {
    const { hash } = await generateCaptureSql(defaultPaths.schema);
    expect(latestCaptureHash(await readMigrations(defaultPaths.migrations))).toBe(hash);
  });

  it('audits every model with an organization except sessions and the audit table', () => {
    expect(resolved.models.map((m) => m.model).sort()).toEqual(
      ['ApiKey', 'Asset', 'Client', 'Contact', 'Contract', 'Integration', 'Invoice', 'InvoiceLine', 'Organization', 'Project', 'Quote', 'Ticket', 'User', 'Vendor'].sort(),
    );
    expect(AUDIT_SQL_MARKER).toMatch(/^-- /);
  });
});

describe.each(testEngines)('capture triggers in the database on %s', (engine) => {
  const db = useTestDatabase(engine);

  it.each(resolved.models.map((model) => [model.model, model] as const))('%s has its three triggers and an up-to-date function', async (_name, model) => {
    const triggers = await db().prisma.$queryRaw<{ tgname: string }[]>`
      SELECT tgname FROM pg_trigger WHERE tgrelid = ${`"${model.table}"`}::regclass AND NOT tgisinternal ORDER BY tgname`;
    expect(triggers.map((t) => t.tgname)).toEqual(['audit_capture_delete', 'audit_capture_insert', 'audit_capture_update']);
    const [fn] = await db().prisma.$queryRaw<{ prosrc: string }[]>`
      SELECT prosrc FROM pg_proc WHERE proname = ${captureFunctionName(model)}`;
    expect(fn?.prosrc, `the capture function of ${model.model} is out of date: run pnpm db:migrate --name <name>`).toBe(
      expectedFunctionSource(resolved, model),
    );
  });
});
