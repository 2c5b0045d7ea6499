import type { Server } from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApiServices, NO_PROXY } from '@auditlog/api';
import type { ApiServices, ApiServicesOptions, TrustProxy } from '@auditlog/api';
import type { Database, DatabaseOptions } from '@auditlog/db';
import { startSealing } from '@auditlog/seal';
import type { KeyObject } from 'node:crypto';
import { createApp } from './app.ts';
import { openServerDatabase } from './database.ts';
import { logger } from './logger.ts';
import { assertNoPublishedDemoPasswords } from './seed/demo.ts';

export interface RunningServer {
  url: string;
  db: Database;
  server: Server;
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
  try {
    await options.prepare?.(db);
    // The demo's password is in the README: a production server must not start while it opens an account.
    if (production) await assertNoPublishedDemoPasswords(db.prisma);
    services = await createApiServices(db.prisma, { ...options, secureCookies: production });
  } catch (error) {
    await db.close();
    throw error;
  }
  const app = createApp({
    db,
    services,
    production,
    trustProxy: options.trustProxy ?? NO_PROXY,
    allowedOrigins: options.allowedOrigins ?? [],
    webRoot: options.webRoot === null ? undefined : (options.webRoot ?? DEFAULT_WEB_ROOT),
  });
  const server = app.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = !options.host || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;

  const sealing = options.seal && startBackgroundSealing(db, options.seal);
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000) =>
    (stopping ??= (async () => {
      await sealing?.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await db.close();
    })());

  return { url: `http://${host}:${port}`, db, server, stop };
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
