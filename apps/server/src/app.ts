import type { ApiServices } from '@auditlog/api';
import { appRouter, createHttpContext } from '@auditlog/api';
import type { Database } from '@auditlog/db';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express from 'express';
import { logger } from './logger.ts';
import { sameOriginMutations, securityHeaders } from './security.ts';

export interface AppOptions {
  db: Pick<Database, 'engine' | 'ping'>;
  services: ApiServices;
  production: boolean;
  trustProxy: boolean;
  allowedOrigins: readonly string[];
}

/** Largest request body: enough for a batch of records with 64 KB of changes and metadata each. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(options: AppOptions): express.Express {
  const { db, services } = options;
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', true);
  app.use(securityHeaders(options.production));

  app.get('/healthz', async (_req, res) => {
    const up = await db.ping();
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'unavailable', database: { engine: db.engine, up } });
  });

  app.use(
    '/trpc',
    sameOriginMutations(options.allowedOrigins),
    createExpressMiddleware({
      router: appRouter,
      createContext: createHttpContext(services, { trustProxy: options.trustProxy }),
      maxBodySize: MAX_BODY_BYTES,
      onError({ error, path, type, ctx }) {
        // Only what helps to fix it: never the input (it may hold a password) nor cookies.
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          logger.error('request failed', { path, type, requestId: ctx?.origin.requestId, error: error.cause ?? error });
        }
      },
    }),
  );

  return app;
}
