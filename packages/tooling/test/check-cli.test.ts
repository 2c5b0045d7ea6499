/**
 * `pnpm db:check`, for CI and operators: exit 0 when the capture installed in the database matches this build's
 * registry, exit 1 naming each difference when it does not.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '@auditlog/db';
import { createTestDatabase, testEngines } from '@auditlog/db/testing';
import { openMigratedDatabase } from '../src/database.ts';

const run = promisify(execFile);
const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the CLI's `check` against the database in `env`; its exit code and output. */
async function check(env: Record<string, string>): Promise<{ code: number; output: string }> {
  const tsx = path.join(packageRoot, 'node_modules/.bin/tsx');
  const { DATABASE_URL: _url, DATA_DIR: _dir, ...rest } = process.env;
  try {
    const { stdout, stderr } = await run(tsx, ['src/migrate/cli.ts', 'check'], {
      cwd: packageRoot,
      env: { ...rest, ...env, INIT_CWD: packageRoot },
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe.each(testEngines)('pnpm db:check on %s', (engine) => {
  it('exits 0 on a database whose capture matches, and 1 naming the table once a trigger is disabled', async () => {
    const dir = engine === 'pglite' ? await mkdtemp(path.join(tmpdir(), 'auditlog-check-')) : undefined;
    const handle = engine === 'postgres' ? await createTestDatabase('postgres') : undefined;
    const env: Record<string, string> = dir ? { DATA_DIR: dir } : { DATABASE_URL: handle?.url ?? '' };
    try {
      const db = dir ? await openMigratedDatabase({ dataDir: dir }) : await openDatabase({ url: handle?.url });
      await db.close();
      const clean = await check(env);
      expect(clean.output).toMatch(/the audit capture matches this build/);
      expect(clean.code).toBe(0);

      const reopened = await openDatabase(dir ? { dataDir: dir } : { url: handle?.url });
      await reopened.prisma.$executeRawUnsafe('ALTER TABLE "Invoice" DISABLE TRIGGER audit_capture_delete');
      await reopened.close();
      const drifted = await check(env);
      expect(drifted.output).toMatch(/ERROR +Invoice: trigger audit_capture_delete is disabled/);
      expect(drifted.output).toMatch(/does not match this build \(1 error\(s\)\)/);
      expect(drifted.code).toBe(1);
    } finally {
      await handle?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
