/**
 * GET /audit-logs/export?format=csv|ndjson&input=<the list's input as JSON>: the current filtered view of the
 * caller's organization, every page of it, streamed as it is read (`startAuditExport` checks the caller, validates
 * the input and writes the `export` entry first). For the page's button (a same-site fetch with the session cookie)
 * and for services (`exportAuditLog` of `@auditlog/client`, with an API key that has `audit:read`).
 *
 * Each keyset page is written and flushed (through a compression middleware too, which offers `res.flush()`), and
 * the next one is read only once the response has drained: a slow client slows the reads, memory stays bounded.
 * The headers say how many entries follow (`X-Export-Total`) and which entry records the export.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpContext, isCallerError, startAuditExport } from '@auditlog/api';
import type { ApiServices, AuditExport, TrustProxy } from '@auditlog/api';
import type express from 'express';
import { downloadRefusal, statusOfCallerError } from './download-refusal.ts';
import { logger } from './logger.ts';

export const AUDIT_EXPORT_PATH = '/audit-logs/export';

export interface AuditExportOptions {
  services: ApiServices;
  trustProxy: TrustProxy;
  allowedOrigins: readonly string[];
}

/**
 * Waits for the response to take more, or to be gone. One 'drain' listener for the whole response: compression()
 * hands `res.on('drain')` to its zlib stream but not `res.off`, so a listener added per page could never be removed.
 */
function drainWaiter(res: ServerResponse): () => Promise<void> {
  let waiting: (() => void) | null = null;
  const wake = () => {
    waiting?.();
    waiting = null;
  };
  res.on('drain', wake);
  res.once('close', wake);
  return () => (res.destroyed ? Promise.resolve() : new Promise<void>((resolve) => (waiting = resolve)));
}

async function send(res: ServerResponse, started: AuditExport): Promise<void> {
  // compression() adds flush(): without it, a compressed response would hold the rows until its buffer fills.
  const flush = (res as ServerResponse & { flush?: () => void }).flush;
  const drained = drainWaiter(res);
  for await (const chunk of started.chunks) {
    if (res.destroyed) return; // the client went away: leaving the loop stops the reads
    const more = res.write(chunk);
    flush?.call(res);
    if (!more) await drained();
  }
  res.end();
}

export function auditExportRoute(options: AuditExportOptions): express.RequestHandler {
  const createContext = createHttpContext(options.services, options);
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    let started: AuditExport;
    try {
      const ctx = await createContext({ req: req as IncomingMessage, res: res as ServerResponse });
      started = await startAuditExport(ctx, { input: req.query.input, format: req.query.format });
    } catch (error) {
      if (isCallerError(error)) return downloadRefusal(res, statusOfCallerError(error.code), error.message);
      logger.error('audit export failed', { requestId: req.headers['x-request-id'], error });
      return downloadRefusal(res, 500, 'The export could not be started: try again.');
    }
    res.status(200);
    res.setHeader('Content-Type', started.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${started.fileName}"`);
    res.setHeader('X-Export-Total', String(started.total));
    res.setHeader('X-Export-Entry', started.entryId);
    try {
      await send(res, started);
    } catch (error) {
      // Headers are out: the only honest signal left is a response that ends without its last chunk.
      logger.error('audit export broke off', { requestId: req.headers['x-request-id'], error });
      res.destroy();
    }
  };
}
