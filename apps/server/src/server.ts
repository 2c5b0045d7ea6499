import type { Server } from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiServices, NO_PROXY } from '@auditlog/api';
import type { ApiServices, ApiServicesOptions, TrustProxy } from '@auditlog/api';
import { DatabaseConfigError, redactUrl, resolvePostgresConfig } from '@auditlog/db';
import type { Database, DatabaseConnection, DatabaseOptions } from '@auditlog/db';
import { sqlClientFor, startPartitionMaintenance, startPruning, startSealing } from '@auditlog/seal';
import type { PruneSchedule, Schedule, SealSchedule } from '@auditlog/seal';
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createApp } from './app.ts';
import { openServerDatabase } from './database.ts';
import { logger } from './logger.ts';
import { assertNoPublishedDemoPasswords } from './seed/demo.ts';

export interface RunningServer {
  url: string;
  db: Database;
  server: Server;
  /** The background jobs that run (to run one now: tests, and nothing else). */
  jobs: { partitions: Schedule<number>; sealing?: SealSchedule; pruning?: PruneSchedule };
  /** Stops accepting connections, lets requests in flight finish (up to `graceMs`), then closes the database. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServerOptions extends Omit<ApiServicesOptions, 'secureCookies'> {
  port: number;
  host?: string;
  database?: DatabaseOptions;
  production?: boolean;
  trustProxy?: TrustProxy;
  allowedOrigins?: readonly string[];
  /**
   * Apply pending migrations before serving (default off: `main.ts` turns it on with `MIGRATE_ON_START`, on except in
   * production, where the migrator role deploys them). Only then is the schema engine loaded.
   */
  migrate?: boolean;
  /**
   * Strict mode (default on): the database refuses an audited write made outside any audit context, so a code path
   * that forgot one fails loudly instead of leaving an unattributed entry.
   */
  strict?: boolean;
  /** Runs after migrations and before the server accepts requests (the demo seed). */
  prepare?: (db: Database) => Promise<void>;
  /**
   * Seal final entries in the background every `intervalMs` with `privateKey` (decision 015). Off when absent (tests,
   * and servers without a key): sealing never runs on the write path either way.
   */
  seal?: { privateKey: KeyObject; intervalMs: number };
  /**
   * Prune what each organization's retention allows, at start and then every `intervalMs` (decision 015), through
   * `maintenance`: a connection as the owner (`maintenanceUrl`, e.g. AUDIT_MAINTENANCE_DATABASE_URL), never the
   * runtime role the server serves requests with. `embedded` (PGlite only, which has one role): the server's own
   * database. Off when absent (tests, and servers without a maintenance connection).
   */
  prune?: { privateKey: KeyObject; intervalMs: number; maintenance: { url: string } | 'embedded' };
  /**
   * The key evidence packs carry and check with (`GET /audit-logs/evidence-pack`); default: derived from the seal or
   * prune key. None: the page's download answers 503.
   */
  sealPublicKey?: KeyObject | null;
  /** The built web app to serve (default: `apps/web/dist` of this repository). `null`: API only. */
  webRoot?: string | null;
}

export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/**
 * Opens the database (migrating it if asked), refuses to go on unless the capture installed there is exactly this
 * build's (a CaptureDriftError names each problem), and listens. Port 0 picks a free port (tests).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const db = await openServerDatabase(
    { ...options.database, strict: options.strict ?? true, checkCapture: true },
    options.migrate ?? false,
  );
  const production = options.production ?? false;
  let services: ApiServices;
  let maintenance: DatabaseConnection | undefined;
  try {
    if (options.prune) maintenance = await maintenanceConnection(db, options.prune.maintenance);
    await options.prepare?.(db);
    // The demo's password is in the README: a production server must not start while it opens an account.
    if (production) await assertNoPublishedDemoPasswords(db.prisma);
    services = await createApiServices(db.prisma, { ...options, secureCookies: production });
  } catch (error) {
    await db.close();
    throw error;
  }
  const packSql = sqlClientFor(db);
  const signing = options.seal?.privateKey ?? options.prune?.privateKey;
  const app = createApp({
    evidencePack: {
      sql: packSql,
      publicKey: options.sealPublicKey ?? (signing ? createPublicKey(signing) : null),
    },
    db,
    services,
    production,
    trustProxy: options.trustProxy ?? NO_PROXY,
    allowedOrigins: options.allowedOrigins ?? [],
    webRoot: options.webRoot === null ? undefined : (options.webRoot ?? DEFAULT_WEB_ROOT),
  });
  // The months ahead are made before the first connection is accepted: on the embedded engine the work holds the event
  // loop, and a connection left waiting in the backlog meanwhile would be reset by an early stop().
  const partitions = startBackgroundPartitions(db);
  await partitions.runNow().then(
    (made) => made && logger.info('audit partitions created', { made }),
    (error: unknown) => logger.error('audit partition maintenance failed', { error }),
  );
  const server = app.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = !options.host || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;

  const jobs = {
    partitions,
    sealing: options.seal && startBackgroundSealing(db, options.seal),
    pruning: options.prune && maintenance && startBackgroundPruning(maintenance, options.prune),
  };
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000) =>
    (stopping ??= (async () => {
      await jobs.partitions.stop();
      await jobs.sealing?.stop();
      await jobs.pruning?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await packSql.close();
      await db.close();
    })());

  return { url: `http://${host}:${port}`, db, server, jobs, stop };
}

/** The audit table's months ahead, at start and daily (decision 018). */
function startBackgroundPartitions(db: Database) {
  return startPartitionMaintenance(db, {
    intervalMs: 24 * 3_600_000,
    onRun: (made) => {
      if (made) logger.info('audit partitions created', { made });
    },
    onError: (error) => logger.error('audit partition maintenance failed', { error }),
  });
}

function startBackgroundSealing(db: Database, seal: NonNullable<ServerOptions['seal']>) {
  return startSealing(db, {
    ...seal,
    onRun: ({ sealed, refused }) => {
      const entries = sealed.reduce((sum, result) => sum + result.entries, 0);
      if (entries) logger.info('sealed', { entries, blocks: sealed.reduce((sum, result) => sum + result.blocks, 0) });
      for (const { organizationId, reason } of refused) logger.error('sealing refused', { organizationId, reason });
    },
    onError: (error) => logger.error('sealing failed', { error }),
  });
}

/** The owner's connection for the prune job; its URL's password never reaches a message. */
async function maintenanceConnection(
  db: Database,
  maintenance: NonNullable<ServerOptions['prune']>['maintenance'],
): Promise<DatabaseConnection> {
  if (maintenance === 'embedded') {
    if (db.connection.engine !== 'pglite')
      throw new DatabaseConfigError(
        'The prune job on PostgreSQL needs a maintenance URL (AUDIT_MAINTENANCE_DATABASE_URL).',
      );
    return db.connection;
  }
  if (db.connection.engine !== 'postgres')
    throw new DatabaseConfigError(
      'AUDIT_MAINTENANCE_DATABASE_URL is for a PostgreSQL server: the embedded database has one role.',
    );
  const config = await resolvePostgresConfig(maintenance.url);
  const runtime = db.connection.config;
  // Pruning one database's log through a connection to another would prune the wrong one, or fail every day.
  if (config.host !== runtime.host || config.port !== runtime.port || config.database !== runtime.database)
    throw new DatabaseConfigError(
      `AUDIT_MAINTENANCE_DATABASE_URL (${redactUrl(maintenance.url)}) is not the server's database (${db.description}).`,
    );
  return { engine: 'postgres', url: maintenance.url, config };
}

function startBackgroundPruning(connection: DatabaseConnection, prune: NonNullable<ServerOptions['prune']>) {
  const url = connection.engine === 'postgres' ? connection.url : null;
  // A driver's message may quote the connection string: never its password.
  const redacted = (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    return url ? message.replaceAll(url, redactUrl(url)) : message;
  };
  return startPruning(
    { connection },
    {
      privateKey: prune.privateKey,
      intervalMs: prune.intervalMs,
      atStart: true,
      onRun: ({ pruned, held, failed }) => {
        for (const { organizationId, entries, blocks, before } of pruned)
          logger.info('pruned', { organizationId, entries, blocks, before });
        if (held.length) logger.info('prune skipped: legal hold', { organizations: held });
        for (const { organizationId, reason } of failed)
          logger.error('prune refused', { organizationId, reason: redacted(reason) });
      },
      onError: (error) => logger.error('prune failed', { error: redacted(error) }),
    },
  );
}

/** Stops on SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(running: RunningServer): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(130);
    signalled = true;
    logger.info('shutting down', { signal });
    running.stop().then(
      () => {
        logger.info('stopped: database closed');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
