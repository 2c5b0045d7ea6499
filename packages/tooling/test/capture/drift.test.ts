/**
 * The migrations and `@auditlog/db`'s committed registry hold exactly what the audit config and schema.prisma
 * generate today (moved from packages/db/test/capture/triggers.test.ts with the generator).
 */
import { auditRegistry } from '@auditlog/db';
import { describe, expect, it } from 'vitest';
import { generateAuditRegistry } from '../../src/capture/index.ts';
import { generateCaptureSql, latestCaptureHash, resolvedAuditConfig } from '../../src/migrate/audit-triggers.ts';
import { defaultPaths, readMigrations } from '../../src/migrate/index.ts';

const resolved = await resolvedAuditConfig(defaultPaths.schema);

describe('the migrations and the registry hold the current capture SQL', () => {
  it('the newest generated SQL in the migrations has the hash of what the config generates now (run pnpm db:migrate if not)', async () => {
    const { hash } = await generateCaptureSql(defaultPaths.schema);
    expect(latestCaptureHash(await readMigrations(defaultPaths.migrations))).toBe(hash);
  });

  it('src/audit-registry.ts is what the config and schema generate now (run pnpm db:migrate if not)', () => {
    expect(auditRegistry).toEqual(generateAuditRegistry(resolved));
  });
});
