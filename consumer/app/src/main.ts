/**
 * Another team's app, using the published engine: a Prisma 7 client with the audit extension, writes in a user's
 * and the system's context, and the entries read back. Exits 1 naming each expectation that did not hold.
 */
import {
  AuditLogImmutableError,
  auditExtension,
  runAsSystem,
  withAuditComments,
  withAuditContext,
} from '@auditlog/audit';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client.js';

const url = process.env['DATABASE_URL'];
if (!url) throw new Error('Set DATABASE_URL');

const prisma = new PrismaClient({ adapter: withAuditComments(new PrismaPg({ connectionString: url })) }).$extends(
  auditExtension({ auditModel: 'ActivityEntry' }),
);

const failures: string[] = [];
function expect(what: string, ok: boolean, got?: unknown): void {
  if (!ok) failures.push(`${what}${got === undefined ? '' : `: got ${JSON.stringify(got)}`}`);
}

const organizationId = `org_${Date.now()}`;
const ada = await prisma.user.create({ data: { name: 'Ada Lovelace', email: `ada-${organizationId}@example.test` } });

const project = await withAuditContext(
  { userId: ada.id, ipAddress: '203.0.113.7', userAgent: 'consumer-app/1.0', requestId: 'req-1' },
  () =>
    prisma.project.create({
      data: {
        organizationId,
        name: 'Launch',
        tasks: { create: [{ organizationId, title: 'Write docs', apiToken: 'sk_live_1' }] },
      },
    }),
);
await withAuditContext({ userId: ada.id }, () =>
  prisma.$transaction([
    prisma.task.updateMany({ where: { projectId: project.id }, data: { done: true, apiToken: 'sk_live_2' } }),
  ]),
);
await runAsSystem({ name: 'Nightly export' }, () =>
  prisma.$record({
    organizationId,
    action: 'export',
    entityType: 'project',
    entityId: String(project.id),
    metadata: { rows: 1 },
  }),
);

const entries = await prisma.activityEntry.findMany({ where: { organizationId }, orderBy: { id: 'asc' } });
const summary = entries.map((e) => `${e.action} ${e.entityType} by ${e.actorName ?? e.actorType}`);
expect('four entries: project and task created, task updated, export recorded', entries.length === 4, summary);
const [created, taskCreated, updated, exported] = entries;
expect(
  'the project’s creation names Ada as the actor',
  created?.actorName === 'Ada Lovelace' && created.actorType === 'USER',
  created,
);
expect(
  'the creation carries the address and request id',
  created?.ipAddress === '203.0.113.7' && created.requestId === 'req-1',
  created,
);
const createdChanges = taskCreated?.changes as Record<string, { before: unknown; after: unknown }> | null | undefined;
expect('the task’s secret token is redacted', createdChanges?.['apiToken']?.after === '[REDACTED]', createdChanges);
const updatedChanges = updated?.changes as Record<string, { before: unknown; after: unknown }> | null | undefined;
expect(
  'the update records done: false → true',
  updatedChanges?.['done']?.before === false && updatedChanges['done'].after === true,
  updatedChanges,
);
expect('no entry holds the token', !JSON.stringify(entries).includes('sk_live'), summary);
expect(
  'the export is the system’s',
  exported?.action === 'export' && exported.actorName === 'Nightly export',
  exported,
);

// Append-only, twice: the extension refuses, and the database itself refuses raw SQL.
try {
  await prisma.activityEntry.deleteMany({ where: { organizationId } });
  expect('the extension refuses deleting entries', false);
} catch (error) {
  expect('the extension refuses deleting entries', error instanceof AuditLogImmutableError, String(error));
}
try {
  await prisma.$executeRawUnsafe(
    `UPDATE "activity_entries" SET action = 'forged' WHERE "organizationId" = $1`,
    organizationId,
  );
  expect('the database refuses editing entries', false);
} catch (error) {
  expect('the database refuses editing entries', /append-only|permission denied/.test(String(error)), String(error));
}

await prisma.$disconnect();
if (failures.length) {
  console.error(`consumer app: ${failures.length} expectation(s) failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`consumer app: ${entries.length} entries, as expected:\n  ${summary.join('\n  ')}`);
