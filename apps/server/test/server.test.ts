import { CaptureDriftError } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '@auditlog/db';
import { createTestDatabase, testEngines } from '@auditlog/db/testing';
import { generateKeyPairSync } from 'node:crypto';
import { startServer } from '../src/server.ts';

describe.each(testEngines)('the server on %s', (engine) => {
  it('answers /healthz with the database status, and stops cleanly with the database closed', async () => {
    const handle = await createTestDatabase(engine);
    const running = await startServer({ port: 0, host: '127.0.0.1', database: handle.options });
    try {
      const response = await fetch(`${running.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok', database: { engine, up: true } });
    } finally {
      await running.stop();
    }
    expect(running.server.listening).toBe(false);
    expect(await running.db.ping()).toBe(false);
    await handle.drop();
  });

  it('seals final entries in the background when given a key, and stops its sealer before the database', async () => {
    const handle = await createTestDatabase(engine);
    const { privateKey } = generateKeyPairSync('ed25519');
    const running = await startServer({
      port: 0,
      host: '127.0.0.1',
      database: handle.options,
      seal: { privateKey, intervalMs: 100 },
    });
    try {
      const yesterday = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3_600_000);
      await running.db.prisma
        .$executeRaw`INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
        VALUES (auditlog.next_id(${yesterday}::timestamptz), 'org_bg', ${yesterday}::timestamptz, 'export', 'invoice', 'i1', 'SYSTEM')`;
      const sealed = async () => {
        const [row] = await running.db.prisma.$queryRaw<{ n: number }[]>`
          SELECT count(*)::int AS n FROM auditlog."AuditSealBlock" WHERE "organizationId" = 'org_bg'`;
        return row?.n ?? 0;
      };
      await expect.poll(sealed, { timeout: 10_000 }).toBe(1);
    } finally {
      await running.stop();
    }
    await handle.drop();
  });

  it('lets a request in flight finish before closing the database', async () => {
    const handle = await createTestDatabase(engine);
    const running = await startServer({ port: 0, host: '127.0.0.1', database: handle.options });
    const inFlight = fetch(`${running.url}/healthz`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = running.stop();
    expect((await inFlight).status).toBe(200);
    await stopped;
    await handle.drop();
  });

  it('migrates an empty database on start only when asked (it then loads the tooling), and refuses it otherwise', async () => {
    const [unmigrated, migrated] = [
      await createTestDatabase(engine, { empty: true }),
      await createTestDatabase(engine, { empty: true }),
    ];
    try {
      const refused = await startServer({
        port: 0,
        host: '127.0.0.1',
        database: unmigrated.options,
        webRoot: null,
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CaptureDriftError);
      const running = await startServer({
        port: 0,
        host: '127.0.0.1',
        database: migrated.options,
        webRoot: null,
        migrate: true,
      });
      try {
        expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
        expect(await running.db.checkCapture()).toEqual([]);
      } finally {
        await running.stop();
      }
    } finally {
      await unmigrated.drop();
      await migrated.drop();
    }
    // Every migration from the first, each capture migration reinstalling the whole capture: 33.8 s on PGlite inside
    // the whole suite on the 2-vCPU CI VM (13 s on PostgreSQL).
  }, 120_000);

  it('refuses to start on a database whose capture does not match this build, naming the table', async () => {
    const handle = await createTestDatabase(engine);
    const setup = await openDatabase(handle.options);
    await setup.prisma.$executeRawUnsafe('ALTER TABLE "Ticket" DISABLE TRIGGER audit_capture_update');
    await setup.prisma.$executeRawUnsafe('ALTER TABLE "Vendor" ADD COLUMN "taxId" text');
    if (engine === 'postgres') await setup.close();
    const error = await startServer({ port: 0, host: '127.0.0.1', database: handle.options }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureDriftError);
    expect((error as Error).message).toMatch(/Ticket: trigger audit_capture_update is disabled/);
    expect((error as Error).message).toMatch(/Vendor: column "taxId" is not captured/);
    await handle.drop();
  });
});
