import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DatabaseConfigError, openDatabase } from '../src/index.ts';

/** A port nothing listens on: bind one, note it, release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('the client factory explains bad configuration', () => {
  it.each([
    ['not a URL', 'postgres://app@[::1/app', /The database URL is not a valid URL \("postgres:\/\/app@\[::1\/app"\)/],
    ['another scheme', 'mysql://root@localhost/app', /must start with postgres:\/\/ or postgresql:\/\//],
    ['no host', 'postgres:///app', /has no host/],
  ])('%s', async (_case, url, message) => {
    const error = await openDatabase({ url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/Expected postgres:\/\/user:password@host:5432\/database/);
  });

  it('names the host and port of a server that refuses connections, and says what to check', async () => {
    const port = await closedPort();
    const error = await openDatabase({ url: `postgres://app:s3cret-pw@127.0.0.1:${port}/app` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseConfigError);
    expect((error as Error).message).toBe(
      `Cannot connect to PostgreSQL at 127.0.0.1:${port}: the connection was refused. ` +
        `Check that PostgreSQL is running and listening on 127.0.0.1:${port}.`,
    );
  });

  it('names a host that does not resolve', async () => {
    const error = await openDatabase({ url: 'postgres://app@no-such-host.invalid:5432/app' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(
      /Cannot connect to PostgreSQL at no-such-host\.invalid:5432: the host "no-such-host\.invalid" could not be resolved/,
    );
  });

  it('never repeats the password', async () => {
    const error = await openDatabase({ url: 'mysql://app:hunter2@localhost/app' }).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it.runIf(process.env.TEST_DATABASE_URL)('names a database that does not exist', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL ?? '');
    url.pathname = '/auditlog_no_such_database';
    const error = await openDatabase({ url: url.href }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/database "auditlog_no_such_database" does not exist/);
  });
});

describe('the embedded database', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  it('is created on first open and never migrated by opening (the tooling migrates: decision 011)', async () => {
    const dataDir = path.join(await mkdtemp(path.join(tmpdir(), 'auditlog-data-')), 'nested', '.data');
    dirs.push(path.dirname(path.dirname(dataDir)));
    const db = await openDatabase({ dataDir });
    try {
      expect(db.description).toBe(`PGlite in ${dataDir}`);
      const tables = await db.prisma.$queryRaw<
        { count: bigint }[]
      >`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`;
      expect(tables[0]?.count).toBe(0n);
    } finally {
      await db.close();
    }
  }, 60_000);
});
