/** Moved from packages/db/test/client.test.ts: opening no longer migrates, `openMigratedDatabase` does. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '@auditlog/db';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateDatabase, openMigratedDatabase } from '../src/database.ts';

describe('the embedded database, migrated by the tooling', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('is created and migrated on first open, and keeps its data across restarts', async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'auditlog-data-')), 'nested', '.data');
    dirs.push(path.dirname(path.dirname(dataDir)));
    const first = await openMigratedDatabase({ dataDir });
    expect(first.engine).toBe('pglite');
    expect(first.description).toBe(`PGlite in ${dataDir}`);
    await first.prisma.organization.create({ data: { name: 'Persisted', slug: 'persisted' } });
    await first.close();

    const second = await openDatabase({ dataDir });
    expect(await migrateDatabase(second)).toEqual([]);
    expect(await second.prisma.organization.findUnique({ where: { slug: 'persisted' } })).toMatchObject({
      name: 'Persisted',
    });
    expect(await second.ping()).toBe(true);
    await second.close();
  }, 60_000);
});
