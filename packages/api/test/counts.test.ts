/**
 * Totals assembled from hourly counts and exact edges equal a plain count(*), for every filter and any date range,
 * before and after the counts are filled, and as new entries arrive.
 */
import { record, runAsSystem } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { describe, expect, it } from 'vitest';
import { countEntries, ensureDailyCounts } from '../src/services/audit-counts.ts';
import type { AuditFilters as CountFilters } from '../src/services/audit-filters.ts';

const HOUR = 3_600_000;

describe.each(testEngines)('exact totals on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('equal count(*) for every filter and range, as hours are counted and entries keep coming', async () => {
    const prisma = db().prisma;
    const organization = await prisma.organization.create({ data: { name: 'Counts', slug: `counts-${Date.now()}` } });
    const other = await prisma.organization.create({ data: { name: 'Other', slug: `other-${Date.now()}` } });
    const now = Date.now();
    const actions = ['login', 'export', 'view', 'sync'];
    const types = ['user', 'ticket', 'invoice'];
    // 240 entries over the last ten days, at irregular minutes, plus noise in another organization.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    await runAsSystem({ name: 'Test' }, async () => {
      for (let i = 0; i < 240; i++) {
        const at = new Date(now - Math.floor(next() * 240 * HOUR));
        const org = next() < 0.85 ? organization.id : other.id;
        await withSeedClock(at, () =>
          record(prisma, {
            organizationId: org,
            action: actions[i % 4] ?? 'view',
            entityType: types[i % 3] ?? 'user',
            entityId: `e${i}`,
          }),
        );
      }
    });

    const brute = async (filters: CountFilters) => {
      const where = {
        organizationId: organization.id,
        ...(filters.action ? { action: filters.action } : {}),
        ...(filters.entityType ? { entityType: filters.entityType } : {}),
        createdAt: { ...(filters.start ? { gte: filters.start } : {}), ...(filters.end ? { lte: filters.end } : {}) },
      };
      return prisma.auditLog.count({ where });
    };
    const caseName = (filters: CountFilters) =>
      JSON.stringify({ ...filters, start: filters.start?.toISOString(), end: filters.end?.toISOString() });
    const cases: CountFilters[] = [{}];
    for (const action of [undefined, 'login', 'export']) {
      for (const entityType of [undefined, 'ticket']) {
        for (const [startHours, endHours] of [
          [null, null],
          [70.5, null],
          [null, 1.25],
          [48.1, 12.9],
          [30, 29.5],
          [0.4, null],
          [100, 0],
          [200.3, 50.7],
          [239, 25],
        ] as const) {
          cases.push({
            action,
            entityType,
            start: startHours === null ? undefined : new Date(now - startHours * HOUR),
            end: endHours === null ? undefined : new Date(now - endHours * HOUR),
          });
        }
      }
    }

    for (const filters of cases)
      expect(await countEntries(prisma, organization.id, filters), caseName(filters)).toBe(await brute(filters));
    const counted = await ensureDailyCounts(prisma, organization.id);
    expect(counted).toBeInstanceOf(Date);
    expect(await prisma.auditLogDailyCount.count({ where: { organizationId: organization.id } })).toBeGreaterThan(5);

    // New entries in the open hour are counted exactly, without touching the hourly counts.
    await runAsSystem({ name: 'Test' }, async () => {
      for (let i = 0; i < 5; i++)
        await record(prisma, {
          organizationId: organization.id,
          action: 'login',
          entityType: 'user',
          entityId: `late${i}`,
        });
    });
    for (const filters of cases)
      expect(await countEntries(prisma, organization.id, filters), `${caseName(filters)}, after filling`).toBe(
        await brute(filters),
      );
    // Filling is idempotent: a second call counts nothing twice.
    await ensureDailyCounts(prisma, organization.id);
    expect(await countEntries(prisma, organization.id, {})).toBe(await brute({}));
  }, 120_000);
});
