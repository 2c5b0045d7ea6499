/**
 * A plain SQL client on the same database as a `Database`, for reading entries in bulk: Prisma's raw queries cost
 * more per row than hashing does, and the verifier reads every entry.
 */
import pg from 'pg';
import type { Database } from '@auditlog/db';

export interface SqlClient {
  query<R>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

/** A client on `db`'s database: its PGlite instance, or a small pool with its PostgreSQL settings (TLS included). */
export function sqlClientFor(db: Pick<Database, 'connection'>): SqlClient {
  const connection = db.connection;
  if (connection.engine === 'pglite') {
    const pglite = connection.pglite;
    return {
      query: async <R>(text: string, params?: unknown[]) => (await pglite.query<R>(text, params)).rows,
      close: async () => undefined,
    };
  }
  const { sslmode: _sslmode, tls: _tls, ...config } = connection.config;
  const pool = new pg.Pool({ ...config, max: 2 });
  pool.on('error', (error) => process.stderr.write(`[seal] connection lost: ${error.message}\n`));
  return {
    query: async <R>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as R[],
    close: () => pool.end(),
  };
}
