/**
 * Item 10 — the key CLI never loses a key. `pnpm api-key create` against the embedded database a running server
 * holds used to print a key that the server never saw; now it says so and exits 1. Keys can be given an expiry.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAsSystem } from '@auditlog/audit';
import { startServer } from '../../src/server.ts';
import { TEST_SETUP } from '../../src/testing.ts';
import type { RunningServer } from '../../src/server.ts';
import { rawQuery, bearer } from '../helpers.ts';

const SERVER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = path.join(SERVER_DIR, 'node_modules/.bin/tsx');

/** Runs `pnpm api-key …` (its script, directly) against `dataDir`; resolves with the exit code and output. */
async function apiKeyCli(dataDir: string, args: string[]): Promise<{ code: number; out: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, NODE_ENV: 'test' };
  delete env.DATABASE_URL;
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, ['src/api-keys-cli.ts', ...args], {
      cwd: SERVER_DIR,
      env,
      timeout: 60_000,
    });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      out: `${failed.stdout ?? ''}${failed.stderr ?? ''}`,
    };
  }
}

describe('pnpm api-key against the embedded database', { timeout: 180_000 }, () => {
  let parent: string;
  let dataDir: string;
  let running: RunningServer | undefined;
  const start = () => startServer({ port: 0, host: '127.0.0.1', database: { dataDir }, webRoot: null, migrate: true });

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'auditlog-cli-'));
    dataDir = path.join(parent, '.data');
    running = await start();
    const db = running.db;
    await runAsSystem({ name: TEST_SETUP }, () =>
      db.prisma.organization.create({ data: { name: 'CLI Org', slug: 'cli-org' } }),
    );
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('refuses to create a key while a running server holds the database: exit 1, no key printed, nothing written', async () => {
    const result = await apiKeyCli(dataDir, [
      'create',
      '--org',
      'cli-org',
      '--name',
      'Lost key',
      '--scopes',
      'audit:read',
    ]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(new RegExp(`in use by another process \\(pid ${process.pid}\\)`));
    expect(result.out).not.toMatch(/alk_/);
    expect(await running?.db.prisma.apiKey.count()).toBe(0);
  });

  it('creates a key with --expires 90d once the server is stopped; the key works and expires in 90 days', async () => {
    await running?.stop();
    running = undefined;
    const before = Date.now();
    const result = await apiKeyCli(dataDir, [
      'create',
      '--org',
      'cli-org',
      '--name',
      'Exporter',
      '--scopes',
      'audit:read',
      '--expires',
      '90d',
    ]);
    expect(result.code, result.out).toBe(0);
    const key = /alk_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}/.exec(result.out)?.[0] ?? '';
    expect(key).not.toBe('');
    const expires = Date.parse(/expires (\S+)\)/.exec(result.out)?.[1] ?? '');
    expect(Math.abs(expires - (before + 90 * 86_400_000))).toBeLessThan(120_000);

    running = await start();
    expect((await rawQuery(running.url, 'audit.list', {}, bearer(key))).status).toBe(200);
    const stored = await running.db.prisma.apiKey.findFirstOrThrow({ where: { name: 'Exporter' } });
    expect(stored.expiresAt?.getTime()).toBe(expires);
  });

  it('refuses an expiry that is not a duration or a date, or lies in the past', async () => {
    await running?.stop();
    running = undefined;
    for (const value of ['soon', '2001-01-01']) {
      const result = await apiKeyCli(dataDir, ['create', '--org', 'cli-org', '--name', 'Bad', '--expires', value]);
      expect(result.code, `--expires ${value}`).toBe(1);
      expect(result.out, `--expires ${value}`).toMatch(/--expires/);
    }
    running = await start();
    expect(await running.db.prisma.apiKey.count({ where: { name: 'Bad' } })).toBe(0);
  });
});
