/**
 * Driver adapter factories for the schema engine on the two engines, with the upstream bugs that break migrations
 * worked around. Each workaround is small, named, and covered by the migration tests (see
 * docs/decisions/002-offline-migrations.md). Dev- and deploy-time only: the runtime's connections are made by
 * `@auditlog/db`.
 */
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { dropDatabase, resolvePostgresConfig } from '@auditlog/db';
import type { PostgresConfig } from '@auditlog/db';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';

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

/**
 * The schema engine's view of a PostgreSQL server. Fixes three upstream bugs of `@prisma/adapter-pg`:
 * - `executeScript` splits on `;`, which breaks every `$$` function body and leaves earlier statements committed:
 *   the script is sent whole instead, as one simple-protocol query (one implicit transaction);
 * - `"char"` columns cannot be read (see {@link CharAsTextClient});
 * - `connectToShadowDb` with a connection string reuses the main database, and drops the shadow before closing its
 *   pool: the shadow gets its own database and pool here, closed before `DROP DATABASE … WITH (FORCE)`.
 */
export function postgresMigrationFactory(
  url: string,
  resolved?: PostgresConfig,
): SqlMigrationAwareDriverAdapterFactory {
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
