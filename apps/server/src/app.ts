import express from 'express';
import type { Database } from '@auditlog/db';

export interface AppOptions {
  db: Pick<Database, 'engine' | 'ping'>;
}

export function createApp({ db }: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', async (_req, res) => {
    const up = await db.ping();
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'unavailable', database: { engine: db.engine, up } });
  });

  return app;
}
