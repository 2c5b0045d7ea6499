/**
 * The one place a Prisma client is made: PostgreSQL through `@prisma/adapter-pg` when a URL is given, otherwise
 * embedded PGlite persisted in a folder. Both speak the same SQL, so triggers and jsonb behave identically.
 */
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import {
  AUDIT_SETTINGS,
  auditExtension,
  CaptureDriftError,
  checkInstalledCapture,
  sensitiveFieldNames,
  withAuditComments,
} from '@auditlog/audit';
import type { CaptureProblem } from '@auditlog/audit';
import { auditRegistry } from './audit-registry.ts';
import { auditConfig } from './audited.ts';
import { resolvePostgresConfig } from './adapters.ts';
import type { PostgresConfig } from './adapters.ts';
import { lockDirectory, preparePrivateDirectory, restrictFiles } from './data-dir.ts';
import { env } from './env.ts';
import { assertPostgresUrl, connectionError, DatabaseConfigError, redactUrl } from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';

export type DatabaseEngine = 'postgres' | 'pglite';

/** The engine's strict-mode setting, as a connection option (PostgreSQL) or a session setting (PGlite). */
const STRICT_OPTION = `-c ${AUDIT_SETTINGS.strict}=on`;

export interface DatabaseOptions {
  /** A `postgres://` URL. Defaults to `DATABASE_URL`; when neither is set, embedded PGlite is used. */
  url?: string;
  /** Where PGlite keeps its files (default `DATA_DIR`, else `./.data`); `memory://` keeps nothing. */
  dataDir?: string;
  /** An open PGlite instance to use instead of `dataDir` (tests load one from a template); `close()` closes it. */
  pglite?: PGlite;
  /**
   * `false` gives a client without the audit context in its SQL, whose writes the triggers attribute to System
   * (benchmarks use it as the baseline, with the triggers disabled).
   */
  audit?: boolean;
  /** Connections in the PostgreSQL pool (default 10). */
  poolSize?: number;
  /**
   * Strict mode: the database refuses an audited write made outside any audit context (instead of storing it as
   * unattributed), with an error naming the table. Servers turn it on; scripts and tests may leave it off.
   */
  strict?: boolean;
  /**
   * Check that the capture installed in the database is exactly what this build's registry describes (every
   * trigger present and enabled, every function current, no column added behind its back), and refuse to open it
   * otherwise with a CaptureDriftError naming each problem. Opening never migrates: `@auditlog/tooling` does
   * (`openMigratedDatabase`, `pnpm db:deploy`), and checks after migrating.
   */
  checkCapture?: boolean;
}

/**
 * The client every app uses: each query carries the audit context to the capture triggers (the driver adapter
 * appends it, `withAuditComments`), and the audit model is read-only through Prisma, with `$record()` for custom
 * entries (`auditExtension`).
 */
function audited(client: PrismaClient) {
  return client.$extends(
    auditExtension({
      auditModel: auditConfig.auditModel,
      sensitive: sensitiveFieldNames(auditConfig),
      internalSchema: auditRegistry.internalSchema,
    }),
  );
}

export type AuditedPrismaClient = ReturnType<typeof audited>;
/** What `prisma.$transaction(async (tx) => …)` hands to its callback. */
export type AuditedTransactionClient = Parameters<Parameters<AuditedPrismaClient['$transaction']>[0]>[0];

/**
 * Where a database is, for the dev- and deploy-time tooling (`@auditlog/tooling`), which connects its schema engine
 * to it. The runtime itself never migrates.
 */
export type DatabaseConnection =
  { engine: 'postgres'; url: string; config: PostgresConfig } | { engine: 'pglite'; pglite: PGlite };

export interface Database {
  prisma: AuditedPrismaClient;
  engine: DatabaseEngine;
  /** "PostgreSQL at host:5432/db" or "PGlite in /path": where the data lives, without credentials. */
  description: string;
  /** Where it is, for `@auditlog/tooling`'s migrations. */
  connection: DatabaseConnection;
  /** What differs between the installed capture and this build's registry (empty: nothing). */
  checkCapture(): Promise<CaptureProblem[]>;
  /** Answers `true` when a trivial query succeeds. */
  ping(): Promise<boolean>;
  /** Disconnects Prisma and closes the pool or the embedded database. */
  close(): Promise<void>;
}

/**
 * Connects once, so that a bad URL fails with a readable message instead of a stack trace, and settles how TLS is
 * used (`sslmode`, see adapters.ts) for every later connection.
 */
async function probePostgres(url: string): Promise<PostgresConfig> {
  try {
    return await resolvePostgresConfig(url);
  } catch (error) {
    if (error instanceof DatabaseConfigError) throw error;
    throw connectionError(url, error);
  }
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const url = options.url ?? (options.pglite || options.dataDir ? undefined : env.databaseUrl);
  const withContext = <F extends SqlDriverAdapterFactory>(factory: F) =>
    options.audit === false ? factory : withAuditComments(factory);

  if (url) {
    assertPostgresUrl(url, options.url ? 'The database URL' : 'DATABASE_URL');
    const config = await probePostgres(url);
    const pool = new pg.Pool({
      ...config,
      max: options.poolSize ?? 10,
      ...(options.strict ? { options: STRICT_OPTION } : {}),
    });
    // An idle connection that the server drops (a restart, a dropped test database) must not crash the process: the
    // pool replaces it on the next query.
    const onConnectionLost = (error: Error) =>
      process.stderr.write(`[db] connection lost (${redactUrl(url)}): ${error.message}\n`);
    pool.on('error', onConnectionLost);
    const prisma = audited(
      new PrismaClient({ adapter: withContext(new PrismaPg(pool, { onConnectionError: onConnectionLost })) }),
    );
    const { host, port, database } = config;
    const db: Database = {
      prisma,
      engine: 'postgres',
      description: `PostgreSQL at ${host}:${port}/${database}`,
      connection: { engine: 'postgres', url, config },
      checkCapture: () => checkInstalledCapture(prisma, auditRegistry),
      ping: () => ping(prisma),
      async close() {
        await prisma.$disconnect();
        await pool.end();
      },
    };
    return prepared(db, options);
  }

  const dataDir = options.dataDir ?? env.dataDir;
  const onDisk = !options.pglite && !dataDir.startsWith('memory://');
  let pglite = options.pglite;
  let unlock: () => Promise<void> = async () => undefined;
  if (!pglite) {
    if (onDisk) {
      await preparePrivateDirectory(dataDir);
      unlock = await lockDirectory(dataDir);
    }
    try {
      pglite = await PGlite.create({ dataDir });
      if (onDisk) await restrictFiles(dataDir);
    } catch (error) {
      await unlock();
      throw error;
    }
  }
  const embedded = pglite;
  // One connection for every query: a session setting holds for all of them.
  if (options.strict) await embedded.exec(`SET ${AUDIT_SETTINGS.strict} = on`);
  const prisma = audited(
    new PrismaClient({
      adapter: withContext(new PrismaPGlite(embedded)),
      // PGlite runs one transaction at a time: callers queue for it instead of failing after Prisma's 2 s default.
      transactionOptions: { maxWait: 60_000, timeout: 60_000 },
    }),
  );
  const db: Database = {
    prisma,
    engine: 'pglite',
    description: options.pglite ? 'PGlite (in memory)' : `PGlite in ${redactUrl(dataDir)}`,
    connection: { engine: 'pglite', pglite: embedded },
    checkCapture: () => checkInstalledCapture(prisma, auditRegistry),
    ping: () => ping(prisma),
    async close() {
      await prisma.$disconnect();
      if (!embedded.closed) await embedded.close();
      if (onDisk) await restrictFiles(dataDir);
      await unlock();
    },
  };
  return prepared(db, options);
}

/** Throws a CaptureDriftError naming each table whose installed capture differs from this build's registry. */
export async function assertCaptureMatches(db: Database): Promise<void> {
  const problems = await db.checkCapture();
  if (problems.some((problem) => problem.severity === 'error')) throw new CaptureDriftError(problems, db.description);
}

/** Checks the capture if asked; closes the database if the check fails. */
async function prepared(db: Database, options: DatabaseOptions): Promise<Database> {
  try {
    if (options.checkCapture) await assertCaptureMatches(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function ping(prisma: AuditedPrismaClient): Promise<boolean> {
  try {
    await prisma.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
