/**
 * Many custom entries in one statement (`$recordMany` / `record_many()`): the same context, checks and redaction as
 * `$record`, one INSERT, all or nothing, ids in the order given, and every refusal naming the entry's index, whether
 * the TypeScript check or the database's own catches it.
 */
import { AuditRecordError, recordMany, withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor, unique } from '../../src/testing/fixtures.ts';

describe.each(testEngines)('many custom entries on %s', (engine) => {
  const db = useTestDatabase(engine);
  const prisma = () => db().prisma;

  it('writes every entry with the context, in the order given, in one statement', async () => {
    const { organization, user } = await createOrganization(prisma());
    const ids = Array.from({ length: 300 }, () => unique('doc'));
    const written = await withAuditContext(
      { userId: user.id, ipAddress: '198.51.100.9', userAgent: 'ingest/1', requestId: 'batch-1' },
      () =>
        prisma().$recordMany({
          organizationId: organization.id,
          entries: ids.map((entityId, i) => ({
            action: i % 2 ? 'export' : 'view',
            entityType: 'document',
            entityId,
            metadata: { n: i },
          })),
        }),
    );
    expect(written).toHaveLength(300);
    const stored = await entriesFor(prisma(), ids);
    expect(stored.map((entry) => entry.entityId)).toEqual(ids);
    expect(stored.map((entry) => entry.id)).toEqual(written.map((entry) => entry.id));
    expect(new Set(stored.map((entry) => entry.createdAt.getTime())).size).toBe(1);
    expect(stored[7]).toMatchObject({
      action: 'export',
      organizationId: organization.id,
      actorType: 'USER',
      actorUserId: user.id,
      actorName: user.name,
      ipAddress: '198.51.100.9',
      userAgent: 'ingest/1',
      requestId: 'batch-1',
      metadata: { n: 7 },
      changes: null,
    });
  });

  it('redacts secrets in metadata and changes as $record does', async () => {
    const { organization } = await createOrganization(prisma());
    const entityId = unique('key');
    await withAuditContext({ systemName: 'Importer' }, () =>
      prisma().$recordMany({
        organizationId: organization.id,
        entries: [
          {
            action: 'import',
            entityType: 'integration',
            entityId,
            metadata: { password: 'hunter2', nested: { apiToken: 'tok_live_1234567890' }, rows: 3 },
            changes: { secret: { before: 'old-secret', after: 'new-secret' } },
          },
        ],
      }),
    );
    const [stored] = await entriesFor(prisma(), [entityId]);
    expect(JSON.stringify(stored)).not.toMatch(/hunter2|tok_live|old-secret|new-secret/);
    expect(stored?.metadata).toMatchObject({ password: '[REDACTED]', rows: 3 });
  });

  it('refuses the whole batch, naming each bad entry by its index, before any query', async () => {
    const { organization } = await createOrganization(prisma());
    const ids = [unique('ok'), unique('ok')];
    const attempt = prisma().$recordMany({
      organizationId: organization.id,
      entries: [
        { action: 'export', entityType: 'invoice', entityId: ids[0] ?? '' },
        { action: 'export', entityType: 'invoice', entityId: ids[1] ?? '' },
        { action: 'Drop Table', entityType: 'invoice', entityId: 'x' },
        { action: 'export', entityType: 'invoice', entityId: ' ' },
      ],
    });
    await expect(attempt).rejects.toThrow(AuditRecordError);
    await expect(attempt).rejects.toThrow(/entries\.2\.action: The action must be lower-case.*entries\.3\.entityId/);
    expect(await entriesFor(prisma(), ids)).toEqual([]);
  });

  it('in the database too: record_many() names the entry, refuses row-change actions, and writes nothing', async () => {
    const { organization } = await createOrganization(prisma());
    const ok = unique('ok');
    const call = (entries: unknown[]) =>
      withAuditContext({ systemName: 'Direct SQL' }, () =>
        prisma().$queryRawUnsafe(
          'SELECT * FROM auditlog.record_many($1, $2::jsonb)',
          organization.id,
          JSON.stringify(entries),
        ),
      );
    const first = { action: 'export', entityType: 'invoice', entityId: ok };
    await expect(call([first, { action: 'delete', entityType: 'ticket', entityId: 't' }])).rejects.toThrow(
      /entry 1: "delete" entries are written by the capture triggers only/,
    );
    await expect(call([first, first, { action: 'export', entityType: 'Invoice', entityId: 'x' }])).rejects.toThrow(
      /entry 2: action and entity type must be lower-case names/,
    );
    await expect(call([first, { action: 'export', entityType: 'invoice', entityId: '' }])).rejects.toThrow(
      /entry 1: needs an entity id/,
    );
    await expect(call([{ ...first, metadata: [1, 2] }])).rejects.toThrow(
      /entry 0: changes and metadata must be objects/,
    );
    await expect(call([first, 'not an entry'])).rejects.toThrow(/entry 1: must be an object/);
    expect(await entriesFor(prisma(), [ok])).toEqual([]);
  });

  it('joins the caller’s transaction: rolled back with it', async () => {
    const { organization, user } = await createOrganization(prisma());
    const entityId = unique('rollback');
    await expect(
      withAuditContext({ userId: user.id }, () =>
        prisma().$transaction(async (tx) => {
          await recordMany(tx, {
            organizationId: organization.id,
            entries: [{ action: 'export', entityType: 'ticket', entityId }],
          });
          throw new Error('abort');
        }),
      ),
    ).rejects.toThrow('abort');
    expect(await entriesFor(prisma(), [entityId])).toEqual([]);
  });

  it('refuses an empty batch, one too large, and a missing organization', async () => {
    const entry = { action: 'export', entityType: 'ticket', entityId: 't' };
    await expect(prisma().$recordMany({ organizationId: 'o', entries: [] })).rejects.toThrow(/between 1 and 1000/);
    await expect(
      prisma().$recordMany({ organizationId: 'o', entries: Array.from({ length: 1001 }, () => entry) }),
    ).rejects.toThrow(/between 1 and 1000/);
    await expect(prisma().$recordMany({ organizationId: ' ', entries: [entry] })).rejects.toThrow(
      /organizationId: entries belong to an organization/,
    );
  });
});
