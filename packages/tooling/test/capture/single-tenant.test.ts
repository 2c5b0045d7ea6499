/**
 * A single-tenant app (`tenant: false`): audited models without a tenant column, an audit model without
 * `organizationId` (renamed, on its own table), and the capture written by the same generator. A scratch schema's
 * tables are created in an empty database, the capture SQL applied, and rows written as an app would; the entries
 * read back carry before/after values, redacted secrets, and no organization.
 */
import { checkInstalledCapture, record, runAsSystem, withAuditContext } from '@auditlog/audit';
import type { AuditConfig } from '@auditlog/audit';
import { REDACTED } from '@auditlog/audit/catalog';
import { runScript, testEngines, useTestDatabase } from '@auditlog/db/testing';
import { describe, expect, it } from 'vitest';
import {
  AuditConfigError,
  dmmfFromSchema,
  generateAuditRegistry,
  generateAuditSql,
  resolveAuditConfig,
  TRIGGERS,
} from '../../src/capture/index.ts';

/** The audit model of a single-tenant app: every field the engine writes but organizationId. */
const auditModel = (organizationField = '') => `model ActivityEntry {
  id          String         @id @db.Uuid
  ${organizationField}
  createdAt   DateTime       @default(now()) @db.Timestamptz(3)
  action      String
  entityType  String
  entityId    String
  actorType   AuditActorType
  actorUserId String?
  actorName   String?
  actorEmail  String?
  ipAddress   String?
  userAgent   String?
  requestId   String?
  changes     Json?
  metadata    Json?

  @@map("activity_entries")
}`;

const schemaOf = (audit: string) => `datasource db {
  provider = "postgresql"
}

enum AuditActorType {
  USER
  SYSTEM
  UNATTRIBUTED
  ANONYMOUS
}

${audit}

model Member {
  id    String @id
  name  String
  email String
}

model Project {
  id    Int    @id @default(autoincrement())
  name  String
  tasks Task[]
}

model Task {
  id        String  @id
  title     String
  done      Boolean @default(false)
  apiToken  String?
  projectId Int
  project   Project @relation(fields: [projectId], references: [id])
}
`;

/** The tables of schemaOf(auditModel()), as the app's own migration would create them. */
const TABLES = `
CREATE TYPE "AuditActorType" AS ENUM ('USER', 'SYSTEM', 'UNATTRIBUTED', 'ANONYMOUS');
CREATE TABLE activity_entries (
  id uuid PRIMARY KEY, "createdAt" timestamptz(3) NOT NULL DEFAULT now(), action text NOT NULL,
  "entityType" text NOT NULL, "entityId" text NOT NULL, "actorType" "AuditActorType" NOT NULL, "actorUserId" text,
  "actorName" text, "actorEmail" text, "ipAddress" text, "userAgent" text, "requestId" text, changes jsonb,
  metadata jsonb);
CREATE TABLE "Member" (id text PRIMARY KEY, name text NOT NULL, email text NOT NULL);
CREATE TABLE "Project" (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE "Task" (
  id text PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false, "apiToken" text,
  "projectId" integer NOT NULL REFERENCES "Project" (id));
`;

const config: AuditConfig = {
  tenant: false,
  auditModel: 'ActivityEntry',
  actorModel: { model: 'Member', nameField: 'name', emailField: 'email' },
  models: { Project: { entityType: 'project', label: 'name' }, Task: { entityType: 'task', label: 'title' } },
  entityTypes: { task: { label: 'Task' } },
};

const dmmf = await dmmfFromSchema(schemaOf(auditModel()));
const resolved = resolveAuditConfig(config, dmmf);

function configError(resolve: () => unknown): string {
  try {
    resolve();
  } catch (error) {
    if (error instanceof AuditConfigError) return error.message;
    throw error;
  }
  throw new Error('expected an AuditConfigError');
}

describe('a single-tenant audit config', () => {
  it('audits the listed models without a tenant column, and writes no organization', () => {
    expect(resolved.models.map((model) => [model.model, model.organizationColumn])).toEqual([
      ['Project', null],
      ['Task', null],
    ]);
    expect(resolved.audit.columns.organizationId).toBeNull();
    const { sql } = generateAuditSql(resolved);
    expect(sql).not.toContain('organizationId');
    // No moves: there is no organization to move between.
    expect(sql).not.toContain(TRIGGERS.move);
    const registry = generateAuditRegistry(resolved);
    expect(registry.models.map((model) => model.triggers.includes(TRIGGERS.move))).toEqual([false, false]);
  });

  it('audits no unlisted model: without a tenant column nothing marks a model as the app’s data', () => {
    const only = resolveAuditConfig({ ...config, models: { Task: { entityType: 'task', label: 'title' } } }, dmmf);
    expect(only.models.map((model) => model.model)).toEqual(['Task']);
  });

  it('accepts an optional organizationId on the audit model (left NULL) and refuses a required one', async () => {
    const optional = resolveAuditConfig(config, await dmmfFromSchema(schemaOf(auditModel('organizationId String?'))));
    expect(optional.audit.columns.organizationId).toBeNull();
    const required = await dmmfFromSchema(schemaOf(auditModel('organizationId String')));
    expect(configError(() => resolveAuditConfig(config, required))).toBe(
      'ActivityEntry.organizationId is required, but a single-tenant app (tenant: false) writes entries without an organization: remove the field or make it optional (String?).',
    );
  });

  it('refuses a model’s organizationField in a single-tenant config, naming the model', () => {
    const contradictory: AuditConfig = {
      ...config,
      models: { ...config.models, Task: { entityType: 'task', label: 'title', organizationField: 'projectId' } },
    };
    expect(configError(() => resolveAuditConfig(contradictory, dmmf))).toBe(
      'Task in the audit config sets organizationField, but the config says tenant: false (a single-tenant app has no tenant column): remove one of them.',
    );
  });

  it('still refuses, with tenant on, a listed model without its tenant column, naming it and the way out', async () => {
    const multiTenant: AuditConfig = { ...config, tenant: true };
    const withOrganization = await dmmfFromSchema(schemaOf(auditModel('organizationId String')));
    expect(configError(() => resolveAuditConfig(multiTenant, withOrganization))).toBe(
      'Project has no scalar field "organizationId" (organizationField of Project in the audit config): every audited model needs its tenant column; name it with organizationField, or set tenant: false for a single-tenant app.',
    );
  });
});

interface Entry {
  action: string;
  entityType: string;
  entityId: string;
  actorType: string;
  actorName: string | null;
  changes: Record<string, { before: unknown; after: unknown }> | null;
  metadata: Record<string, unknown> | null;
}

describe.each(testEngines)('single-tenant capture on %s', (engine) => {
  const db = useTestDatabase(engine, { empty: true });
  const prisma = () => db().prisma;
  const entriesOf = (entityId: string) =>
    prisma().$queryRawUnsafe<Entry[]>(
      `SELECT action, "entityType", "entityId", "actorType"::text AS "actorType", "actorName", changes, metadata
       FROM activity_entries WHERE "entityId" = $1 ORDER BY id`,
      entityId,
    );

  it('installs and matches its registry', { timeout: 60_000 }, async () => {
    await runScript(db().handle, TABLES);
    await runScript(db().handle, generateAuditSql(resolved).sql);
    const problems = await checkInstalledCapture(prisma(), generateAuditRegistry(resolved));
    expect(problems.filter((problem) => problem.severity === 'error')).toEqual([]);
  });

  it('captures create, update and delete with before/after, the secret redacted', async () => {
    await withAuditContext({ userId: 'member-1', name: 'Ada', email: 'ada@example.test' }, async () => {
      await prisma().$executeRawUnsafe(`INSERT INTO "Project" (name) VALUES ('Website')`);
      await prisma().$executeRawUnsafe(
        `INSERT INTO "Task" (id, title, "apiToken", "projectId") SELECT 'task-1', 'Draft copy', 'tok-secret-1', id FROM "Project"`,
      );
      await prisma().$executeRawUnsafe(`UPDATE "Task" SET title = 'Final copy', done = true WHERE id = 'task-1'`);
      await prisma().$executeRawUnsafe(`UPDATE "Task" SET "apiToken" = 'tok-secret-2' WHERE id = 'task-1'`);
    });
    await runAsSystem({ name: 'Cleanup' }, () => prisma().$executeRawUnsafe(`DELETE FROM "Task" WHERE id = 'task-1'`));

    const [create, update, tokenChange, removal, ...rest] = await entriesOf('task-1');
    expect(rest).toEqual([]);
    expect(create).toMatchObject({
      action: 'create',
      entityType: 'task',
      actorType: 'USER',
      actorName: 'Ada',
      changes: {
        title: { before: null, after: 'Draft copy' },
        done: { before: null, after: false },
        apiToken: { before: null, after: REDACTED },
        projectId: { before: null, after: 1 },
      },
    });
    expect(update?.changes).toEqual({
      title: { before: 'Draft copy', after: 'Final copy' },
      done: { before: false, after: true },
    });
    // A secret's change shows as a change of its fingerprint, never its value.
    expect(Object.keys(tokenChange?.changes ?? {})).toEqual(['apiToken']);
    expect(tokenChange?.changes?.apiToken).toMatchObject({ before: REDACTED, after: REDACTED });
    expect(JSON.stringify([create, update, tokenChange, removal])).not.toContain('tok-secret');
    expect(removal).toMatchObject({
      action: 'delete',
      actorType: 'SYSTEM',
      actorName: 'Cleanup',
      changes: { title: { before: 'Final copy', after: null }, apiToken: { before: REDACTED, after: null } },
    });
    // An Int key is the entity id as text.
    expect((await entriesOf('1')).map((entry) => [entry.entityType, entry.action])).toEqual([['project', 'create']]);
    const all = await prisma().$queryRawUnsafe<{ entries: number }[]>(
      `SELECT count(*)::int AS entries FROM activity_entries WHERE action <> 'schema_change'`,
    );
    expect(all[0]?.entries).toBe(5);
  });

  it('records custom entries without an organization, and refuses one given', async () => {
    await runAsSystem({ name: 'Exporter' }, () =>
      record(prisma(), { organizationId: null, action: 'export', entityType: 'project', entityId: '1' }),
    );
    expect((await entriesOf('1')).map((entry) => entry.action)).toEqual(['create', 'export']);
    await expect(
      record(prisma(), { organizationId: 'org-1', action: 'export', entityType: 'project', entityId: '1' }),
    ).rejects.toThrow(/this app is single-tenant \(tenant: false\), so an entry has no organization \(got org-1\)/);
  });

  it('records a schema change once, without an organization', async () => {
    const before = (await entriesOf(await currentDatabase())).length;
    await prisma().$executeRawUnsafe(`ALTER TABLE "Task" DISABLE TRIGGER ${TRIGGERS.update}`);
    await prisma().$executeRawUnsafe(`ALTER TABLE "Task" ENABLE TRIGGER ${TRIGGERS.update}`);
    const changes = (await entriesOf(await currentDatabase())).slice(before);
    expect(changes.map((entry) => [entry.action, entry.metadata?.commandCount])).toEqual([
      ['schema_change', 1],
      ['schema_change', 1],
    ]);
  });

  async function currentDatabase(): Promise<string> {
    const [row] = await prisma().$queryRawUnsafe<{ name: string }[]>(`SELECT current_database() AS name`);
    return row?.name ?? '';
  }
});
