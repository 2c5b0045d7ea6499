import type { Server } from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLucia, LoginRateLimiter } from '@auditlog/auth';
import { openDatabase } from '@auditlog/db';
import type { Database, DatabaseOptions } from '@auditlog/db';
import { createApp } from './app.ts';
import { logger } from './logger.ts';

export interface RunningServer {
  url: string;
  db: Database;
  server: Server;
  /** Stops accepting connections, lets requests in flight finish (up to `graceMs`), then closes the database. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServerOptions {
  port: number;
  host?: string;
  database?: DatabaseOptions;
  production?: boolean;
  trustProxy?: boolean;
  allowedOrigins?: readonly string[];
  sessionHours?: number;
  limiter?: LoginRateLimiter;
  /** Apply pending migrations before serving (default on; off in production, where the migrator role does it). */
  migrate?: boolean;
  /**
   * Strict mode (default on): the database refuses an audited write made outside any audit context, so a code path
   * that forgot one fails loudly instead of leaving an unattributed entry.
   */
  strict?: boolean;
  /** Runs after migrations and before the server accepts requests (the demo seed). */
  prepare?: (db: Database) => Promise<void>;
  /** The built web app to serve (default: `apps/web/dist` of this repository). `null`: API only. */
  webRoot?: string | null;
}

export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/**
 * Opens the database (migrating it if asked), refuses to go on unless the capture installed there is exactly this
 * build's (a CaptureDriftError names each problem), and listens. Port 0 picks a free port (tests).
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const db = await openDatabase({
    ...options.database,
    migrate: options.migrate ?? options.database?.migrate ?? true,
    strict: options.strict ?? true,
    checkCapture: true,
  });
  try {
    await options.prepare?.(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  const production = options.production ?? false;
  const services = {
    prisma: db.prisma,
    lucia: createLucia(db.prisma, { secureCookies: production, sessionHours: options.sessionHours }),
    limiter: options.limiter ?? new LoginRateLimiter(),
  };
  const app = createApp({
    db,
    services,
    production,
    trustProxy: options.trustProxy ?? false,
    allowedOrigins: options.allowedOrigins ?? [],
    webRoot: options.webRoot === null ? undefined : (options.webRoot ?? DEFAULT_WEB_ROOT),
  });
  const server = app.listen(options.port, options.host ?? '0.0.0.0');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = !options.host || options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000) =>
    (stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await db.close();
    })());

  return { url: `http://${host}:${port}`, db, server, stop };
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
