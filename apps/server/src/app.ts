import type { ApiServices, TrustProxy } from '@auditlog/api';
import { appRouter, createHttpContext, requestIdFrom } from '@auditlog/api';
import { MAX_BATCH_SIZE, MAX_RECORD_BATCH_SIZE, RECORD_PATH } from '@auditlog/client';
import type { Database } from '@auditlog/db';
import type { SqlClient } from '@auditlog/seal';
import type { KeyObject } from 'node:crypto';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { compressResponses, precompressedAssets } from './compress.ts';
import { AUDIT_EXPORT_PATH, auditExportRoute } from './audit-export.ts';
import { corsForOrigins } from './cors.ts';
import { EVIDENCE_PACK_PATH, evidencePackRoute } from './evidence-pack.ts';
import { logger } from './logger.ts';
import { securityHeaders } from './security.ts';

export interface AppOptions {
  db: Pick<Database, 'engine' | 'ping'>;
  /** The built web app (`apps/web/dist`), served with history fallback; none in API-only tests. */
  webRoot?: string;
  services: ApiServices;
  production: boolean;
  trustProxy: TrustProxy;
  allowedOrigins: readonly string[];
  /** The SQL client evidence packs are read with, and the key their signatures check with (none: no packs). */
  evidencePack: { sql: SqlClient; publicKey: KeyObject | null };
}

/** Largest request body: enough for a batch of records with 64 KB of changes and metadata each. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function createApp(options: AppOptions): express.Express {
  const { db, services } = options;
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders(options.production));
  app.use(compressResponses({ bulkPaths: [AUDIT_EXPORT_PATH] }));
  // Every response names its request: the id a caller sent (when it is a sane one) or a new one. The API's context
  // reads it back, and audit entries written during the request carry it.
  app.use((req, res, next) => {
    const id = requestIdFrom(req.headers['x-request-id']);
    req.headers['x-request-id'] = id;
    res.setHeader('X-Request-Id', id);
    next();
  });

  app.get('/healthz', async (_req, res) => {
    const up = await db.ping();
    res.status(up ? 200 : 503).json({ status: up ? 'ok' : 'unavailable', database: { engine: db.engine, up } });
  });

  app.get(
    EVIDENCE_PACK_PATH,
    evidencePackRoute({
      services,
      trustProxy: options.trustProxy,
      allowedOrigins: options.allowedOrigins,
      ...options.evidencePack,
    }),
  );

  app.get(
    AUDIT_EXPORT_PATH,
    auditExportRoute({ services, trustProxy: options.trustProxy, allowedOrigins: options.allowedOrigins }),
  );

  app.use('/trpc', corsForOrigins(options.allowedOrigins));
  app.use('/trpc', apiRequestRules);
  app.use(
    '/trpc',
    createExpressMiddleware({
      router: appRouter,
      createContext: createHttpContext(services, {
        trustProxy: options.trustProxy,
        allowedOrigins: options.allowedOrigins,
      }),
      maxBodySize: MAX_BODY_BYTES,
      // The largest batch any request may carry; apiRequestRules refuses the others above MAX_BATCH_SIZE.
      maxBatchSize: MAX_RECORD_BATCH_SIZE,
      // tRPC replaces the Vary header that the CORS middleware set; a Headers object is appended to it instead.
      responseMeta: () => ({ headers: new Headers([['vary', 'Origin']]) }),
      onError({ error, path, type, ctx }) {
        // Only what helps to fix it: never the input (it may hold a password) nor cookies.
        if (error.code === 'INTERNAL_SERVER_ERROR') {
          logger.error('request failed', { path, type, requestId: ctx?.origin.requestId, error: error.cause ?? error });
        }
      },
    }),
  );

  if (options.webRoot) serveWebApp(app, options.webRoot);
  return app;
}

/** An error in tRPC's shape (what its clients parse), for requests refused before tRPC sees them. */
function refuse(res: express.Response, status: 400 | 415, message: string): void {
  const code = status === 400 ? 'BAD_REQUEST' : 'UNSUPPORTED_MEDIA_TYPE';
  res.status(status).json({
    error: { message, code: status === 400 ? -32600 : -32015, data: { code, httpStatus: status, issues: null } },
  });
}

/**
 * What every API request must be, checked before tRPC runs:
 * - responses are never cached (they hold audit entries and session state);
 * - no streamed (jsonl) responses: their headers go out before the procedures run, so a sign-in could no longer set
 *   its cookie (a 500, with the session made anyway);
 * - a mutation's body is JSON: tRPC would also take form data, which a page of another site can send with the
 *   user's cookies without any preflight.
 */
const apiRequestRules: express.RequestHandler = (req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  const accept = [req.get('trpc-accept') ?? '', ...(req.get('accept') ?? '').split(',')].map((type) =>
    type.trim().toLowerCase(),
  );
  if (accept.includes('application/jsonl')) {
    return refuse(
      res,
      400,
      'Streamed responses (trpc-accept: application/jsonl) are not offered: send the request without it.',
    );
  }
  // A batch's procedures are the path's comma-separated names (`/audit.record,audit.record?batch=1`).
  const calls = req.query.batch === undefined ? [] : req.path.replace(/^\//, '').split(',');
  const limit = calls.every((call) => call === RECORD_PATH) ? MAX_RECORD_BATCH_SIZE : MAX_BATCH_SIZE;
  if (calls.length > limit) {
    return refuse(
      res,
      400,
      `Batch call exceeds maximum size: at most ${MAX_BATCH_SIZE} calls a request (${MAX_RECORD_BATCH_SIZE} when all are ${RECORD_PATH}).`,
    );
  }
  if (req.method === 'POST') {
    const type = (req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      return refuse(
        res,
        415,
        `Mutations take a JSON body: send Content-Type: application/json${type ? ` (not ${type})` : ''}.`,
      );
    }
  }
  next();
};

/**
 * The single-page app: hashed assets cached for a year, every other GET that is not the API answered with
 * index.html (never cached) so that deep links like /admin/audit-logs?action=delete load the app.
 */
function serveWebApp(app: express.Express, root: string): void {
  const index = path.join(root, 'index.html');
  if (!existsSync(index)) {
    logger.warn('the web app is not built: run `pnpm build` (pnpm start does it)', { root });
    return;
  }
  app.use('/assets', precompressedAssets(path.join(root, 'assets'), 31_536_000));
  app.use(
    '/assets',
    express.static(path.join(root, 'assets'), { immutable: true, maxAge: '1y', index: false, fallthrough: false }),
  );
  app.use(express.static(root, { index: false, maxAge: 0 }));
  app.get(/^\/(?!trpc\/|trpc$|healthz$).*/, (req, res, next) => {
    if (!req.accepts('html')) return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
