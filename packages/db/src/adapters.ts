/**
 * Driver adapter factories for the two engines, with the upstream bugs that break migrations worked around.
 * Each workaround is small, named, and covered by the migration tests (see docs/decisions/002-offline-migrations.md).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { DatabaseConfigError } from './errors.ts';

/** PostgreSQL's internal one-byte `"char"` type, which the schema engine's catalog queries return. */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * A pg client that reports `"char"` columns as text. `@prisma/adapter-pg` cannot deserialize oid 18, and every schema
 * describe reads `pg_class.relkind` and friends, so without this the schema engine fails on its first query.
 */
class CharAsTextClient extends pg.Client {}

// `query` has a dozen overloads; the patch forwards its arguments untouched and only edits the result's field list.
CharAsTextClient.prototype.query = function queryReportingCharAsText(this: pg.Client, ...args: unknown[]) {
  // pg-pool calls the callback form; direct callers use the promise form. Patch the fields in both.
  const last = args.length - 1;
  const callback = args[last];
  if (typeof callback === 'function') {
    args[last] = (error: unknown, result: unknown) => {
      if (!error) reportCharAsText(result);
      Reflect.apply(callback, undefined, [error, result]);
    };
  }
  const pending: unknown = Reflect.apply(pg.Client.prototype.query, this, args);
  if (!(pending instanceof Promise)) return pending;
  return pending.then((result: unknown) => {
    reportCharAsText(result);
    return result;
  });
} as pg.Client['query'];

function reportCharAsText(result: unknown): void {
  for (const part of Array.isArray(result) ? result : [result]) {
    const fields = (part as Partial<pg.QueryResult> | undefined)?.fields;
    for (const field of fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  }
}

/** Delegates to `inner`, replacing `executeScript` and `dispose`. */
function withScript(
  inner: SqlDriverAdapter,
  executeScript: (script: string) => Promise<void>,
  dispose: () => Promise<void> = () => inner.dispose(),
): SqlDriverAdapter {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (query) => inner.queryRaw(query),
    executeRaw: (query) => inner.executeRaw(query),
    startTransaction: (isolationLevel) => inner.startTransaction(isolationLevel),
    getConnectionInfo: () => inner.getConnectionInfo?.() ?? { supportsRelationJoins: true },
    executeScript,
    dispose,
  };
}

/** libpq's `sslmode` values, weakest first. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export type PostgresConfig = pg.ClientConfig & {
  host: string;
  database: string;
  /** How TLS is chosen (libpq's default is `prefer`). */
  sslmode: SslMode;
  /** The TLS options a TLS connection uses under this mode (for `allow` and `prefer`, when it comes to TLS). */
  tls: ConnectionOptions | null;
};

function readPemFile(file: string, parameter: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new DatabaseConfigError(`${parameter}=${file} in the database URL cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`);
  }
}

/**
 * The TLS options of a libpq `sslmode`, as libpq behaves:
 * - `verify-full` checks the certificate against the CA (`sslrootcert`) and the host name against the certificate;
 * - `verify-ca` checks the CA only;
 * - `require` encrypts without checking the certificate, unless a CA is given (`sslrootcert`, or libpq's default
 *   `~/.postgresql/root.crt` exists): then it checks the CA, as `verify-ca`;
 * - `sslrootcert=system` uses the system's CAs and needs `verify-full` (libpq 16);
 * - `sslcert`/`sslkey` give a client certificate.
 * @throws DatabaseConfigError for an unknown mode, a CA that cannot be read, or a verifying mode without a CA
 */
export function tlsSettings(params: URLSearchParams): { sslmode: SslMode; tls: ConnectionOptions | null } {
  const given = params.get('sslmode') ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(given)) {
    throw new DatabaseConfigError(`sslmode=${given} in the database URL is not a mode PostgreSQL knows: use one of ${SSL_MODES.join(', ')}.`);
  }
  const sslmode = given as SslMode;
  if (sslmode === 'disable') return { sslmode, tls: null };
  const rootcert = params.get('sslrootcert');
  const defaultRoot = path.join(homedir(), '.postgresql', 'root.crt');
  const client: ConnectionOptions = {
    ...(params.get('sslcert') ? { cert: readPemFile(params.get('sslcert') ?? '', 'sslcert') } : {}),
    ...(params.get('sslkey') ? { key: readPemFile(params.get('sslkey') ?? '', 'sslkey') } : {}),
  };
  if (rootcert === 'system') {
    if (sslmode !== 'verify-full') {
      throw new DatabaseConfigError(`sslrootcert=system needs sslmode=verify-full (got sslmode=${sslmode}), as in libpq.`);
    }
    return { sslmode, tls: { ...client, rejectUnauthorized: true } };
  }
  const caFile = rootcert ?? (readableFile(defaultRoot) ? defaultRoot : null);
  const verifying = sslmode === 'verify-ca' || sslmode === 'verify-full' || (sslmode === 'require' && caFile !== null);
  if (!verifying) return { sslmode, tls: { ...client, rejectUnauthorized: false } };
  if (!caFile) {
    throw new DatabaseConfigError(
      `sslmode=${sslmode} checks the server's certificate, so it needs the CA that signed it: add sslrootcert=/path/to/root.crt ` +
        `to the database URL (or put it in ${defaultRoot}, or use sslrootcert=system with sslmode=verify-full).`,
    );
  }
  const ca = readPemFile(caFile, 'sslrootcert');
  // verify-ca: the chain must lead to the CA, whatever name the certificate carries.
  const identity = sslmode === 'verify-full' ? {} : { checkServerIdentity: () => undefined };
  return { sslmode, tls: { ...client, ca, rejectUnauthorized: true, ...identity } };
}

function readableFile(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * The connection settings of a `postgres://` URL. `ssl` is what a connection tries first: for `prefer` that is
 * plain here, and {@link resolvePostgresConfig} finds out once whether the server offers TLS.
 */
export function parsePostgresUrl(url: string): PostgresConfig {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  const { sslmode, tls } = tlsSettings(parsed.searchParams);
  const definite = sslmode === 'require' || sslmode === 'verify-ca' || sslmode === 'verify-full';
  return {
    host: decodeURIComponent(parsed.hostname) || 'localhost',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database,
    ssl: definite && tls ? tls : false,
    sslmode,
    tls,
  };
}

/** The server answered a TLS request with "no": PostgreSQL without TLS configured. */
const refusesTls = (error: unknown) => error instanceof Error && /does not support SSL/i.test(error.message);
/** pg_hba.conf has only `hostssl` lines for us: the server wants TLS. */
const requiresTls = (error: unknown) =>
  (error as { code?: string } | null)?.code === '28000' && /no encryption|SSL off/i.test((error as Error).message);

/** Connects once with `config` and runs `SELECT 1`; throws what the connection threw. */
async function tryConnect(config: pg.ClientConfig, timeoutMs: number): Promise<void> {
  const probe = new pg.Client({ ...config, connectionTimeoutMillis: timeoutMs });
  try {
    await probe.connect();
    await probe.query('SELECT 1');
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/**
 * The settings every connection of this process uses, found with one probe connection: `prefer` tries TLS and falls
 * back to plain only when the server has no TLS; `allow` tries plain and moves to TLS only when the server requires
 * it. libpq makes this choice per connection; here it is made once, at start (a server that changes its TLS setup
 * needs a restart of this one). Every other mode is used as is: `require` and stronger never fall back to plain.
 * @throws the probe's connection error
 */
export async function resolvePostgresConfig(url: string, timeoutMs = 5_000): Promise<PostgresConfig> {
  const config = parsePostgresUrl(url);
  const withTls = { ...config, ssl: config.tls ?? false };
  const plain = { ...config, ssl: false as const };
  const negotiate = async (first: PostgresConfig, fallback: PostgresConfig, fallsBack: (error: unknown) => boolean) => {
    try {
      await tryConnect(first, timeoutMs);
      return first;
    } catch (error) {
      if (!fallsBack(error)) throw error;
    }
    await tryConnect(fallback, timeoutMs);
    return fallback;
  };
  if (config.sslmode === 'prefer') return negotiate(withTls, plain, refusesTls);
  if (config.sslmode === 'allow') return negotiate(plain, withTls, requiresTls);
  await tryConnect(config, timeoutMs);
  return config;
}

/**
 * The schema engine's view of a PostgreSQL server. Fixes three upstream bugs of `@prisma/adapter-pg`:
 * - `executeScript` splits on `;`, which breaks every `$$` function body and leaves earlier statements committed:
 *   the script is sent whole instead, as one simple-protocol query (one implicit transaction);
 * - `"char"` columns cannot be read (see {@link CharAsTextClient});
 * - `connectToShadowDb` with a connection string reuses the main database, and drops the shadow before closing its
 *   pool: the shadow gets its own database and pool here, closed before `DROP DATABASE … WITH (FORCE)`.
 */
export function postgresMigrationFactory(url: string, resolved?: PostgresConfig): SqlMigrationAwareDriverAdapterFactory {
  let settings: Promise<PostgresConfig> | undefined = resolved ? Promise.resolve(resolved) : undefined;
  const configured = () => (settings ??= resolvePostgresConfig(url));
  const connectTo = async (database: string, afterDispose?: () => Promise<void>) => {
    const pool = new pg.Pool({ ...(await configured()), database, Client: CharAsTextClient, max: 2 });
    const factory = new PrismaPg(pool, { disposeExternalPool: true });
    const adapter = await factory.connect();
    return withScript(
      adapter,
      async (script) => {
        await pool.query(script);
      },
      async () => {
        await adapter.dispose();
        await afterDispose?.();
      },
    );
  };
  return {
    provider: 'postgres',
    adapterName: '@prisma/adapter-pg',
    connect: async () => connectTo((await configured()).database),
    async connectToShadowDb() {
      const shadow = `prisma_shadow_${crypto.randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client({ ...(await configured()) });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${shadow}"`);
      } finally {
        await admin.end();
      }
      return connectTo(shadow, () => dropDatabase(url, shadow));
    },
  };
}

/** Drops a database even when connections are still open (PostgreSQL 13+). */
export async function dropDatabase(url: string, database: string): Promise<void> {
  const admin = new pg.Client({ ...(await resolvePostgresConfig(url)), database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * The schema engine's view of an embedded PGlite database. `pglite-prisma-adapter`'s `executeScript` does not await
 * `exec`, so a failing migration would be recorded as applied: it is awaited here. A shadow database is a fresh
 * in-memory PGlite, closed with the adapter.
 */
export function pgliteMigrationFactory(client: PGlite): SqlMigrationAwareDriverAdapterFactory {
  const connectTo = async (db: PGlite, close?: () => Promise<void>) => {
    const adapter = await new PrismaPGlite(db).connect();
    return withScript(
      adapter,
      async (script) => {
        await db.exec(script);
      },
      async () => {
        await adapter.dispose();
        await close?.();
      },
    );
  };
  return {
    provider: 'postgres',
    adapterName: 'pglite-prisma-adapter',
    connect: () => connectTo(client),
    async connectToShadowDb() {
      const shadow = await PGlite.create();
      return connectTo(shadow, () => shadow.close());
    },
  };
}
