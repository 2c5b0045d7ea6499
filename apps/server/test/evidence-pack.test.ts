/**
 * The evidence pack from the page (decision 015): GET /audit-logs/evidence-pack gives the signed-in Owner's or Admin's
 * organization's pack for a range as a tar that `tar` unpacks and the pack's own verify.mjs checks; other roles get
 * 403, no session 401, and another organization's entries never appear. Each download writes an `export` entry.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '@auditlog/db/testing';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';

const run = promisify(execFile);
const DAY = 86_400_000;
const yesterday = new Date(Math.floor(Date.now() / DAY) * DAY - DAY);
const range = `from=${new Date(yesterday.getTime() - DAY).toISOString()}&to=${new Date(yesterday.getTime() + DAY).toISOString()}`;

describe.each(testEngines)('the evidence pack download on %s', (engine) => {
  let server: TestServer;
  let own: TestOrganization;
  let other: TestOrganization;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer(engine, {
      seal: { privateKey: generateKeyPairSync('ed25519').privateKey, intervalMs: DAY },
      webRoot: null,
    });
    own = await server.createOrganization('Pack Own');
    other = await server.createOrganization('Pack Other');
    for (const [organizationId, n] of [
      [own.id, 5],
      [other.id, 3],
    ] as const)
      for (let i = 0; i < n; i++) {
        const at = new Date(yesterday.getTime() + (i + 1) * 60_000);
        await server.db.prisma
          .$executeRaw`INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
          VALUES (auditlog.next_id(${at}::timestamptz), ${organizationId}, ${at}::timestamptz, 'update', 'ticket', ${`${organizationId}-t${i}`}, 'SYSTEM')`;
      }
    // Sealed by the server's own sealer: its key is the one the pack's public key must check.
    const sealed = await server.jobs.sealing?.runNow();
    expect(sealed?.refused).toEqual([]);
    dir = await mkdtemp(path.join(tmpdir(), 'pack-http-'));
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const download = async (cookie?: string, query = range, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/audit-logs/evidence-pack?${query}`, {
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });

  it('gives the owner a tar whose files verify with the pack’s own verify.mjs, holding only its organization', async () => {
    const response = await download(await server.signIn(own.users.OWNER.email));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-tar');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="evidence-pack-.*\.tar"$/);
    const tarFile = path.join(dir, 'pack.tar');
    await writeFile(tarFile, Buffer.from(await response.arrayBuffer()));
    await run('tar', ['-xf', tarFile, '-C', dir]);
    const [folder = ''] = (await readdir(dir)).filter((name) => name.startsWith('evidence-pack-'));
    const packDir = path.join(dir, folder);
    expect((await readdir(packDir)).sort()).toEqual(
      [
        'README.md',
        'checkpoints.json',
        'entries.csv',
        'entries.ndjson',
        'proofs.ndjson',
        'public-key.pem',
        'verify.mjs',
      ].sort(),
    );
    const { stdout } = await run(process.execPath, [path.join(packDir, 'verify.mjs'), packDir], { env: {} });
    expect(stdout).toMatch(/5 entries/);
    const lines = (await readFile(path.join(packDir, 'entries.ndjson'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).not.toContain(other.id);
    const [entry] = await server.db.prisma.$queryRaw<{ metadata: Record<string, unknown>; actorEmail: string }[]>`
      SELECT metadata, "actorEmail" FROM "AuditLog" WHERE "organizationId" = ${own.id} AND action = 'export'`;
    expect(entry).toMatchObject({ actorEmail: own.users.OWNER.email, metadata: { kind: 'evidence_pack', entries: 5 } });
  });

  it('refuses a technician (403), no session (401), and a request from another site’s page (403)', async () => {
    expect((await download(await server.signIn(own.users.TECHNICIAN.email))).status).toBe(403);
    expect((await download()).status).toBe(401);
    const admin = await server.signIn(own.users.ADMIN.email);
    expect((await download(admin, range, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('says so when the range holds no sealed entries (404), and names a malformed range (400)', async () => {
    const admin = await server.signIn(own.users.ADMIN.email);
    const empty = await download(admin, 'from=2001-01-01T00:00:00Z&to=2001-02-01T00:00:00Z');
    expect(empty.status).toBe(404);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/No sealed entries/);
    const bad = await download(admin, 'from=yesterday&to=2001-02-01T00:00:00Z');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/from must be an ISO/);
  });
});
