/**
 * The commands an operator runs: keygen writes a 0600 key, seal seals, checkpoint exports, verify exits 0 on a clean
 * log and 1 naming the first broken link once an entry is edited behind the triggers' back.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '@auditlog/db';
import { createTestDatabase, testEngines } from '@auditlog/db/testing';
import { openMigratedDatabase } from '@auditlog/tooling';
import { sqlClientFor } from '../src/index.ts';
import { daysAgo, insertEntries } from './support.ts';

const run = promisify(execFile);
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const tsx = path.join(packageRoot, 'node_modules/.bin/tsx');
  const { DATABASE_URL: _url, DATA_DIR: _dir, ...rest } = process.env;
  try {
    const { stdout, stderr } = await run(tsx, ['src/cli.ts', ...args], { cwd: packageRoot, env: { ...rest, ...env } });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe.each(testEngines)('pnpm audit:* on %s', (engine) => {
  // Each command starts a process (and on PGlite opens the database in it): slow on a busy machine.
  const slow = { timeout: 300_000 };
  it(
    'keygen, seal, checkpoint, verify clean (exit 0), then verify a tampered log (exit 1, the broken link named)',
    slow,
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'auditlog-seal-'));
      const dataDir = path.join(dir, 'data');
      const handle = engine === 'postgres' ? await createTestDatabase('postgres') : undefined;
      const location: Record<string, string> = handle ? { DATABASE_URL: handle.url ?? '' } : { DATA_DIR: dataDir };
      const env = { ...location, INIT_CWD: dir, AUDIT_SEAL_KEY_FILE: 'seal.key' };
      const withDatabase = async (work: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<void>) => {
        const db = handle ? await openDatabase({ url: handle.url }) : await openMigratedDatabase({ dataDir });
        const sql = sqlClientFor(db);
        try {
          await work(db);
        } finally {
          await sql.close();
          await db.close();
        }
      };
      try {
        await withDatabase((db) =>
          insertEntries(sqlClientFor(db), 'org_cli', { count: 200, start: daysAgo(2), stepMs: 60_000 }),
        );
        const keygen = await cli(['keygen', '--out', 'seal.key'], env);
        expect(keygen.code, keygen.output).toBe(0);
        expect((await stat(path.join(dir, 'seal.key'))).mode & 0o777).toBe(0o600);
        expect(await readFile(path.join(dir, 'seal.key.pub'), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);

        expect(await cli(['seal', '--block-size', '50'], env)).toMatchObject({
          code: 0,
          output: expect.stringMatching(/org_cli: sealed 200 entries in 4 blocks/),
        });
        const exported = await cli(['checkpoint', '--out', 'checkpoint.json'], env);
        expect(exported.code, exported.output).toBe(0);
        const verifyEnv = { ...location, INIT_CWD: dir, AUDIT_SEAL_PUBLIC_KEY_FILE: 'seal.key.pub' };
        const clean = await cli(['verify', '--checkpoint', 'checkpoint.json'], verifyEnv);
        expect(clean.output).toMatch(/200 entries checked .* all intact/);
        expect(clean.code).toBe(0);
        // A second key given (as after a rotation) changes nothing for blocks the first signed; workers are checked.
        expect((await cli(['keygen', '--out', 'next.key'], env)).code).toBe(0);
        const rotated = await cli(['verify', '--workers', '2', '--public-key', 'next.key.pub'], verifyEnv);
        expect(rotated).toMatchObject({ code: 0, output: expect.stringMatching(/200 entries checked .* all intact/) });
        expect(await cli(['verify', '--workers', '0'], verifyEnv)).toMatchObject({
          code: 1,
          output: expect.stringMatching(/--workers 0 is not a number of threads/),
        });

        await withDatabase(async (db) => {
          const sql = sqlClientFor(db);
          await sql.query(`SET session_replication_role = replica`);
          await sql.query(
            `UPDATE "AuditLog" SET "actorName" = 'Someone else' WHERE id = (SELECT id FROM "AuditLog" WHERE "organizationId" = 'org_cli' ORDER BY "createdAt" OFFSET 41 LIMIT 1)`,
          );
          await sql.query(`SET session_replication_role = origin`);
        });
        const broken = await cli(['verify', '--checkpoint', 'checkpoint.json'], verifyEnv);
        expect(broken.output).toMatch(
          /BROKEN: organization org_cli, block 1, entry [0-9a-f-]{36}: entry 42 of the block differs/,
        );
        expect(broken.output).toMatch(/expected: leaf [0-9a-f]{64}\n\s+found:\s+leaf [0-9a-f]{64}/);
        expect(broken.code).toBe(1);
        if (engine === 'postgres') {
          // The same broken link from the worker threads (PGlite always verifies in one thread).
          const inWorkers = await cli(['verify', '--workers', '2'], verifyEnv);
          expect(inWorkers.output).toMatch(
            /BROKEN: organization org_cli, block 1, entry [0-9a-f-]{36}: entry 42 of the/,
          );
          expect(inWorkers.code).toBe(1);
        }
      } finally {
        await handle?.drop();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
