/**
 * The demo seed tells 90 days of history through real operations in realistic contexts: in strict mode (every write
 * has an actor), backdated by the seeding clock (records and entries agree on when things happened), never twice,
 * never in production, and with every secret it writes redacted.
 */
import { openDatabase } from '@auditlog/db';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed/demo.ts';

const DAY = 86_400_000;

describe.each(testEngines)('the demo seed on %s', (engine) => {
  const db = useTestDatabase(engine, { open: (options) => openDatabase({ ...options, strict: true }) });

  it('writes 90 days of attributed, backdated history, once', async () => {
    const prisma = db().prisma;
    const now = new Date();
    const result = await seedDemo(prisma, { now });
    expect(result.created).toBe(true);
    expect(result.entries).toBeGreaterThan(1000);

    const northwind = await prisma.organization.findUniqueOrThrow({ where: { slug: 'northwind' } });
    const entries = await prisma.auditLog.findMany({ where: { organizationId: northwind.id } });
    expect(entries.length).toBeGreaterThan(1000);
    for (const entry of entries) {
      expect(entry.createdAt.getTime(), entry.id).toBeGreaterThanOrEqual(now.getTime() - 91 * DAY);
      expect(entry.createdAt.getTime(), entry.id).toBeLessThanOrEqual(now.getTime());
      expect(entry.actorType, `${entry.action} ${entry.entityType}`).not.toBe('UNATTRIBUTED');
    }
    const actions = new Set(entries.map((e) => e.action));
    for (const action of ['create', 'update', 'delete', 'login', 'logout', 'view', 'sync', 'export', 'archive'])
      expect(actions, action).toContain(action);

    // A record created on day 12 says it was created on day 12, in its own row and in its create entry.
    const creates = entries.filter((e) => e.action === 'create');
    for (const entry of creates) {
      const createdAt = (entry.changes as { createdAt?: { after: string } } | null)?.createdAt?.after;
      expect(createdAt, `${entry.entityType} ${entry.entityId}`).toBe(entry.createdAt.toISOString());
    }

    const text = JSON.stringify(entries);
    expect(text).toContain('[REDACTED]');
    expect(text).toContain('[BINARY DATA]');
    expect(text).not.toContain('demo-secret-value');

    expect(await seedDemo(prisma, { now })).toEqual({ created: false, organizations: 0, entries: 0 });
    expect(await prisma.auditLog.count({ where: { organizationId: northwind.id } })).toBe(entries.length);
  }, 240_000);

  it('is refused in production, where its published password would be an open door', async () => {
    await expect(seedDemo(db().prisma, { production: true })).rejects.toThrow(/refused when NODE_ENV=production/);
  });
});
