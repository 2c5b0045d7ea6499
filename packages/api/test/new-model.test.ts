/**
 * The README's promise, end to end: auditing a new model is the Prisma schema, one line in audited.ts and
 * `pnpm db:migrate`. A copy of the schema and migrations gains a `Location` model, the config one line; the
 * migration `pnpm db:migrate` would write is deployed to an empty database, and then a write is captured, the list's
 * filter finds it and the registry generated beside it names the record.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkInstalledCapture, runAsSystem } from '@auditlog/audit';
import type { AuditConfig } from '@auditlog/audit';
import { auditConfig } from '@auditlog/db';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import {
  auditTriggerMigrationSql,
  createMigration,
  defaultPaths,
  deployMigrations,
  migrationFactoryFor,
  resolvedAuditConfig,
} from '@auditlog/tooling';
import { generateAuditRegistry } from '@auditlog/tooling/capture';
import { afterAll, describe, expect, it } from 'vitest';
import { listInputSchema } from '../src/contract/audit.ts';
import { listAuditEntries } from '../src/services/audit-entries.ts';
import { entityLabelResolver } from '../src/services/entity-labels.ts';

const LOCATION = `
model Location {
  id             String  @id @default(cuid())
  organizationId String
  name           String
  code           String? @map("site_code")
}
`;

/** The one line. */
const config: AuditConfig = {
  ...auditConfig,
  models: { ...auditConfig.models, Location: { entityType: 'location', label: '{code} {name}' } },
};

describe.each(testEngines)('auditing a new model on %s', (engine) => {
  const db = useTestDatabase(engine, { empty: true });
  let scratch = '';
  afterAll(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

  it(
    'takes the schema, one line of config and pnpm db:migrate: captured, filtered and named',
    { timeout: 120_000 },
    async () => {
      scratch = await mkdtemp(path.join(tmpdir(), 'auditlog-new-model-'));
      const paths = { schema: path.join(scratch, 'schema.prisma'), migrations: path.join(scratch, 'migrations') };
      await cp(defaultPaths.migrations, paths.migrations, { recursive: true });
      await writeFile(paths.schema, `${await readFile(defaultPaths.schema, 'utf8')}${LOCATION}`);

      // What `pnpm db:migrate --name add_locations` does: the table's migration with the capture SQL, and the registry.
      const factory = migrationFactoryFor(db());
      const created = await createMigration(factory, {
        name: 'add_locations',
        paths,
        extraSql: auditTriggerMigrationSql(paths.schema, config),
      });
      expect(created).not.toBeNull();
      await deployMigrations(factory, paths);
      const registry = generateAuditRegistry(await resolvedAuditConfig(paths.schema, config));
      expect(registry.models.find((model) => model.model === 'Location')).toMatchObject({
        entityType: 'location',
        label: { template: '{code} {name}', columns: { code: 'site_code', name: 'name' } },
      });
      expect(await checkInstalledCapture(db().prisma, registry)).toEqual([]);

      // Captured: a write of any kind (raw SQL here, as the generated client has no `location`) makes its entry.
      const prisma = db().prisma;
      const { org, other } = await runAsSystem({ name: 'Site import' }, async () => {
        const org = await prisma.organization.create({ data: { name: 'Sites', slug: 'sites' } });
        const other = await prisma.organization.create({ data: { name: 'Other', slug: 'other' } });
        await prisma.$executeRawUnsafe(
          `INSERT INTO "Location" (id, "organizationId", name, site_code) VALUES ('loc-1', $1, 'Main warehouse', 'WH-1')`,
          org.id,
        );
        return { org, other };
      });
      const [entry] = await prisma.auditLog.findMany({ where: { organizationId: org.id, entityType: 'location' } });
      expect(entry).toMatchObject({
        action: 'create',
        entityId: 'loc-1',
        actorType: 'SYSTEM',
        actorName: 'Site import',
        changes: { name: { before: null, after: 'Main warehouse' }, code: { before: null, after: 'WH-1' } },
      });

      // Filtered: the list's entity type filter finds it, and only it.
      const list = await listAuditEntries(
        prisma,
        org.id,
        listInputSchema.parse({ entityType: 'location' }),
        new Uint8Array(32),
      );
      expect(list.items.map((item) => [item.action, item.entity.type, item.entity.id])).toEqual([
        ['create', 'location', 'loc-1'],
      ]);
      expect(list.total).toBe(1);

      // Named: by the registry generated with it, in its organization only.
      const labels = entityLabelResolver(registry);
      expect((await labels(prisma, org.id, [{ type: 'location', id: 'loc-1' }])).get('location:loc-1')).toEqual({
        label: 'WH-1 Main warehouse',
        exists: true,
      });
      // Another organization's log never saw it: not a record it knows.
      expect((await labels(prisma, other.id, [{ type: 'location', id: 'loc-1' }])).get('location:loc-1')?.exists).toBe(
        null,
      );
    },
  );

  it('or no line at all for a model with an organizationId: the default rule audits it, named by its name', async () => {
    const registry = generateAuditRegistry(await resolvedAuditConfig(path.join(scratch, 'schema.prisma')));
    expect(registry.models.find((model) => model.model === 'Location')).toMatchObject({
      entityType: 'location',
      label: { template: '{name}', columns: { name: 'name' } },
      relations: [],
    });
  });
});
