/**
 * A plain SQL client on the same database as a `Database`, for reading entries in bulk: Prisma's raw queries cost
 * more per row than hashing does, and the verifier reads every entry.
 */
import pg from 'pg';
import type { Database } from '@auditlog/db';

export interface SqlClient {
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
  /** Rows as arrays of column values, in select order: no object per row (the verifier reads a million). */
  queryArrays(text: string, params?: unknown[]): Promise<unknown[][]>;
  close(): Promise<void>;
  /** How a worker thread opens its own connection to the same database (PostgreSQL only; parallel.ts). */
  workerConnection?: WorkerConnection;
}

/** Connection settings as plain data, which a worker thread can receive (no functions). */
export interface WorkerConnection {
  config: pg.ClientConfig;
  /** The TLS settings skip the host name check (libpq's verify-ca and require with a CA): a function, re-added. */
  skipServerIdentity: boolean;
}

/** `config` as a worker can receive it. */
export function workerConnectionOf(config: pg.ClientConfig): WorkerConnection {
  const ssl = config.ssl;
  if (typeof ssl !== 'object') return { config, skipServerIdentity: false };
  const { checkServerIdentity, ...rest } = ssl;
  return { config: { ...config, ssl: rest }, skipServerIdentity: typeof checkServerIdentity === 'function' };
}

/** The pg settings a `WorkerConnection` stands for. */
export function configOf(connection: WorkerConnection): pg.ClientConfig {
  const { config, skipServerIdentity } = connection;
  if (!skipServerIdentity || typeof config.ssl !== 'object') return config;
  return { ...config, ssl: { ...config.ssl, checkServerIdentity: () => undefined } };
}

/** A client on `db`'s database: its PGlite instance, or a small pool with its PostgreSQL settings (TLS included). */
export function sqlClientFor(db: Pick<Database, 'connection'>): SqlClient {
  const connection = db.connection;
  if (connection.engine === 'pglite') {
    const pglite = connection.pglite;
    return {
      query: async <R>(text: string, params?: unknown[]) => (await pglite.query<R>(text, params)).rows,
      queryArrays: async (text: string, params?: unknown[]) =>
        (await pglite.query<unknown[]>(text, params, { rowMode: 'array' })).rows,
      close: async () => undefined,
    };
  }
  const { sslmode: _sslmode, tls: _tls, ...config } = connection.config;
  const pool = new pg.Pool({ ...config, max: 2 });
  pool.on('error', (error) => process.stderr.write(`[seal] connection lost: ${error.message}\n`));
  return {
    query: async <R>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as R[],
    queryArrays: async (text: string, params?: unknown[]) =>
      (await pool.query<unknown[]>({ text, values: params, rowMode: 'array' })).rows,
    close: () => pool.end(),
    workerConnection: workerConnectionOf(config),
  };
}
