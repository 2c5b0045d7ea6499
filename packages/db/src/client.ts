/**
 * The one place a Prisma client is made: PostgreSQL through `@prisma/adapter-pg` when a URL is given, otherwise
 * embedded PGlite persisted in a folder. Both speak the same SQL, so triggers and jsonb behave identically.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { AUDIT_SETTINGS, auditComments, auditExtension, CaptureDriftError, checkInstalledCapture, sensitiveFieldNames, withAuditComments } from '@auditlog/audit';
import type { CaptureProblem } from '@auditlog/audit';
import { auditRegistry } from './audit-registry.ts';
import { auditConfig } from './audited.ts';
import { parsePostgresUrl, pgliteMigrationFactory, postgresMigrationFactory } from './adapters.ts';
import { env } from './env.ts';
import { assertPostgresUrl, connectionError, redactUrl } from './errors.ts';
import { PrismaClient } from './generated/prisma/client.ts';
import { deployMigrations } from './migrate/index.ts';

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
  /** Apply pending migrations before returning (default: true for PGlite, false for PostgreSQL). */
  migrate?: boolean;
  /**
   * `false` gives a client without the audit context in its SQL, whose writes the triggers attribute to System
   * (benchmarks use it as the baseline, with the triggers disabled).
   */
  audit?: boolean;
  /**
   * How the audit context reaches the triggers: appended by the driver adapter (default), or by Prisma's `comments`
   * plugin, which costs more (kept for the benchmark that compares the two).
   */
  auditTransport?: 'adapter' | 'comments-plugin';
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
   * otherwise with a CaptureDriftError naming each problem. Runs after `migrate`.
   */
  checkCapture?: boolean;
}

/**
 * The client every app uses: each query carries the audit context to the capture triggers (`auditComments`), and
 * the audit model is read-only through Prisma, with `$record()` for custom entries (`auditExtension`).
 */
function audited(client: PrismaClient) {
  return client.$extends(
    auditExtension({ auditModel: auditConfig.auditModel, sensitive: sensitiveFieldNames(auditConfig), internalSchema: auditRegistry.internalSchema }),
  );
}

export type AuditedPrismaClient = ReturnType<typeof audited>;
/** What `prisma.$transaction(async (tx) => …)` hands to its callback. */
export type AuditedTransactionClient = Parameters<Parameters<AuditedPrismaClient['$transaction']>[0]>[0];

export interface Database {
  prisma: AuditedPrismaClient;
  engine: DatabaseEngine;
  /** "PostgreSQL at host:5432/db" or "PGlite in /path": where the data lives, without credentials. */
  description: string;
  /** For the migration tool and tests: the schema engine's view of this database. */
  migrationFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Applies pending migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** What differs between the installed capture and this build's registry (empty: nothing). */
  checkCapture(): Promise<CaptureProblem[]>;
  /** Answers `true` when a trivial query succeeds. */
  ping(): Promise<boolean>;
  /** Disconnects Prisma and closes the pool or the embedded database. */
  close(): Promise<void>;
}

/** Connects once with a plain client, so that a bad URL fails with a readable message instead of a stack trace. */
async function probePostgres(url: string): Promise<void> {
  const probe = new pg.Client({ ...parsePostgresUrl(url), connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
    await probe.query('SELECT 1');
  } catch (error) {
    throw connectionError(url, error);
  } finally {
    await probe.end().catch(() => undefined);
  }
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const url = options.url ?? (options.pglite || options.dataDir ? undefined : env.databaseUrl);
  const transport = options.audit === false ? 'none' : (options.auditTransport ?? 'adapter');
  const clientOptions = { comments: transport === 'comments-plugin' ? [auditComments()] : [] };
  const withContext = <F extends SqlDriverAdapterFactory>(factory: F) => (transport === 'adapter' ? withAuditComments(factory) : factory);

  if (url) {
    assertPostgresUrl(url, options.url ? 'The database URL' : 'DATABASE_URL');
    await probePostgres(url);
    const pool = new pg.Pool({ ...parsePostgresUrl(url), max: options.poolSize ?? 10, ...(options.strict ? { options: STRICT_OPTION } : {}) });
    // An idle connection that the server drops (a restart, a dropped test database) must not crash the process: the
    // pool replaces it on the next query.
    const onConnectionLost = (error: Error) => process.stderr.write(`[db] connection lost (${redactUrl(url)}): ${error.message}\n`);
    pool.on('error', onConnectionLost);
    const prisma = audited(new PrismaClient({ ...clientOptions, adapter: withContext(new PrismaPg(pool, { onConnectionError: onConnectionLost })) }));
    const migrationFactory = postgresMigrationFactory(url);
    const { host, port, database } = parsePostgresUrl(url);
    const db: Database = {
      prisma,
      engine: 'postgres',
      description: `PostgreSQL at ${host}:${port}/${database}`,
      migrationFactory,
      migrate: () => deployMigrations(migrationFactory),
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
  let pglite = options.pglite;
  if (!pglite) {
    if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
    pglite = await PGlite.create({ dataDir });
  }
  const embedded = pglite;
  // One connection for every query: a session setting holds for all of them.
  if (options.strict) await embedded.exec(`SET ${AUDIT_SETTINGS.strict} = on`);
  const prisma = audited(
    new PrismaClient({
      ...clientOptions,
      adapter: withContext(new PrismaPGlite(embedded)),
      // PGlite runs one transaction at a time: callers queue for it instead of failing after Prisma's 2 s default.
      transactionOptions: { maxWait: 60_000, timeout: 60_000 },
    }),
  );
  const migrationFactory = pgliteMigrationFactory(embedded);
  const db: Database = {
    prisma,
    engine: 'pglite',
    description: options.pglite ? 'PGlite (in memory)' : `PGlite in ${redactUrl(dataDir)}`,
    migrationFactory,
    migrate: () => deployMigrations(migrationFactory),
    checkCapture: () => checkInstalledCapture(prisma, auditRegistry),
    ping: () => ping(prisma),
    async close() {
      await prisma.$disconnect();
      if (!embedded.closed) await embedded.close();
    },
  };
  return prepared(db, { ...options, migrate: options.migrate ?? true });
}

/** Migrates and checks as asked; closes the database if either fails. */
async function prepared(db: Database, options: DatabaseOptions): Promise<Database> {
  try {
    if (options.migrate) await db.migrate();
    if (options.checkCapture) {
      const problems = await db.checkCapture();
      if (problems.some((problem) => problem.severity === 'error')) throw new CaptureDriftError(problems, db.description);
    }
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
