/**
 * Item 5 — files and defaults safe for production. Another local user tries to read the embedded database's files;
 * an operator starts a production server on a database seeded earlier for a demo; a test or staging run would seed
 * accounts whose password is in the README.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPassword } from '@auditlog/auth';
import { DatabaseConfigError, openDatabase } from '@auditlog/db';
import { openMigratedDatabase } from '@auditlog/tooling';
import { createTestDatabase, testEngines } from '@auditlog/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnv, StartupRefusal, wantsDemoSeed } from '../../src/env.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from '../../src/seed/demo.ts';
import { startServer } from '../../src/server.ts';

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

describe('the embedded database folder', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const newParent = async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'auditlog-files-'));
    dirs.push(parent);
    return parent;
  };

  it('is created 0700 with its files 0600, so no other user can read hashes or sessions or edit the log', async () => {
    const dataDir = path.join(await newParent(), '.data');
    const db = await openMigratedDatabase({ dataDir });
    await db.prisma.organization.create({ data: { name: 'Private', slug: 'private' } });
    await db.close();
    expect(await modeOf(dataDir)).toBe(0o700);
    const entries = await readdir(dataDir, { withFileTypes: true, recursive: true });
    expect(entries.length).toBeGreaterThan(100);
    for (const entry of entries) {
      const file = path.join(entry.parentPath, entry.name);
      expect(await modeOf(file), file).toBe(entry.isDirectory() ? 0o700 : 0o600);
    }
  });

  it('refuses an existing folder that other users can enter, saying how to fix it', async () => {
    const dataDir = path.join(await newParent(), 'shared');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    const error = await openDatabase({ dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect(String(error)).toContain(`can be read or changed by other users (mode 755)`);
    expect(String(error)).toContain(`chmod -R go-rwx "${dataDir}"`);
    expect(await readdir(dataDir)).toEqual([]); // nothing was written
  });

  it('refuses a second process-level opener while the first holds it', async () => {
    const dataDir = path.join(await newParent(), '.data');
    const first = await openDatabase({ dataDir });
    try {
      const error = await openDatabase({ dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseConfigError);
      expect(String(error)).toMatch(/already open in this process/);
    } finally {
      await first.close();
    }
    const again = await openDatabase({ dataDir });
    await again.close();
  });
});

describe.each(testEngines)('a production server on a %s database seeded for a demo', { timeout: 120_000 }, (engine) => {
  it('refuses to start while a demo account opens with the published password, and starts once none does', async () => {
    // On disk for PGlite: the refused start closes the database, and the operator's fix reopens it.
    const handle = engine === 'postgres' ? await createTestDatabase(engine) : null;
    const parent = handle ? null : await mkdtemp(path.join(tmpdir(), 'auditlog-demo-'));
    const database = handle ? handle.options : { dataDir: path.join(parent ?? '', '.data') };
    const withDatabase = async (work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>) => {
      const db = await openMigratedDatabase(database);
      try {
        await work(db);
      } finally {
        await db.close();
      }
    };
    const [owner, admin] = DEMO_ACCOUNTS;
    try {
      await withDatabase(async (db) => {
        const organization = await db.prisma.organization.create({ data: { name: 'Northwind', slug: 'northwind' } });
        const passwordHash = await hashPassword(DEMO_PASSWORD);
        for (const account of [owner, admin])
          await db.prisma.user.create({ data: { ...account, organizationId: organization.id, passwordHash } });
      });

      const options = { port: 0, host: '127.0.0.1', database, webRoot: null, production: true } as const;
      const error = await startServer(options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartupRefusal);
      expect(String(error)).toContain(
        `${owner.email}, ${admin.email} still have the published password "${DEMO_PASSWORD}"`,
      );

      // The operator deactivates one account and changes the other's password: now it starts.
      await withDatabase(async (db) => {
        await db.prisma.user.update({ where: { email: admin.email }, data: { deactivatedAt: new Date() } });
        await db.prisma.user.update({
          where: { email: owner.email },
          data: { passwordHash: await hashPassword('a long private passphrase') },
        });
      });
      const running = await startServer(options);
      await running.stop();
    } finally {
      await handle?.drop();
      if (parent) await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('the demo seed default', () => {
  it.each([
    [{}, true],
    [{ NODE_ENV: 'development' }, true],
    [{ NODE_ENV: 'test' }, false],
    [{ NODE_ENV: 'production' }, false],
    [{ NODE_ENV: 'test', SEED_DEMO: '1' }, true],
    [{ NODE_ENV: 'development', SEED_DEMO: 'no' }, false],
  ])('with %j seeds: %s', (variables, expected) => {
    expect(wantsDemoSeed(readEnv(variables))).toBe(expected);
  });
});
