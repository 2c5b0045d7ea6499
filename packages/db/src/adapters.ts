/**
 * PostgreSQL connection settings as libpq reads them (`sslmode`, certificates), settled once at start. The schema
 * engine's adapter factories, which migrations need, are in `@auditlog/tooling` (decision 011).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { DatabaseConfigError } from './errors.ts';

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
    throw new DatabaseConfigError(
      `${parameter}=${file} in the database URL cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
    );
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
    throw new DatabaseConfigError(
      `sslmode=${given} in the database URL is not a mode PostgreSQL knows: use one of ${SSL_MODES.join(', ')}.`,
    );
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
      throw new DatabaseConfigError(
        `sslrootcert=system needs sslmode=verify-full (got sslmode=${sslmode}), as in libpq.`,
      );
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
