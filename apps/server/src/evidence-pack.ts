/**
 * GET /audit-logs/evidence-pack?from=<ISO>&to=<ISO>: the signed-in Owner's or Admin's organization's evidence pack
 * for [from, to) (decision 015), as one tar archive, built by `@auditlog/seal`'s `buildEvidencePack` (what
 * `pnpm audit:export` writes). The organization is the session's, never the request's. A GET, because a download is
 * one; it changes nothing but the `export` entry it writes, and a request from another site's page is refused all
 * the same (the entry would name the user), as the API refuses cross-site mutations.
 */
import type { KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpContext } from '@auditlog/api';
import type { ApiServices, TrustProxy } from '@auditlog/api';
import { withAuditContext } from '@auditlog/audit';
import { AUDIT_READ_FORBIDDEN, canReadAuditLog } from '@auditlog/auth';
import { buildEvidencePack } from '@auditlog/seal';
import type { SqlClient } from '@auditlog/seal';
import type express from 'express';
import { z } from 'zod';
import { downloadRefusal } from './download-refusal.ts';
import { logger } from './logger.ts';
import { tarArchive } from './tar.ts';

export const EVIDENCE_PACK_PATH = '/audit-logs/evidence-pack';

/** A year and a bit: a pack is built in memory, so its range is bounded (a longer one: `pnpm audit:export`). */
const MAX_RANGE_DAYS = 400;

const rangeSchema = z
  .object({
    from: z.iso.datetime({ offset: true, error: 'from must be an ISO date-time, e.g. 2026-11-01T00:00:00Z' }),
    to: z.iso.datetime({ offset: true, error: 'to must be an ISO date-time, e.g. 2026-12-01T00:00:00Z' }),
  })
  .transform(({ from, to }) => ({ from: new Date(from), to: new Date(to) }))
  .refine(({ from, to }) => from < to, { error: 'from must be before to (to is not included)' })
  .refine(({ from, to }) => to.getTime() - from.getTime() <= MAX_RANGE_DAYS * 86_400_000, {
    error: `a pack covers at most ${MAX_RANGE_DAYS} days: export longer ranges with pnpm audit:export`,
  });

export interface EvidencePackOptions {
  services: ApiServices;
  trustProxy: TrustProxy;
  allowedOrigins: readonly string[];
  /** The plain SQL client the pack is read with (the server's, closed with it). */
  sql: SqlClient;
  /** The key the pack's signatures check with; none: the server cannot give packs. */
  publicKey: KeyObject | null;
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export function evidencePackRoute(options: EvidencePackOptions): express.RequestHandler {
  const createContext = createHttpContext(options.services, options);
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const fail = (status: number, message: string) => downloadRefusal(res, status, message);
    try {
      const ctx = await createContext({ req: req as IncomingMessage, res: res as ServerResponse });
      const { identity } = ctx;
      if (identity.kind !== 'user') return fail(401, 'Sign in to download the evidence pack.');
      if (!canReadAuditLog(identity.user.role)) return fail(403, AUDIT_READ_FORBIDDEN);
      if (ctx.crossSite) return fail(403, 'The evidence pack is downloaded from this application’s own page.');
      if (!options.publicKey)
        return fail(503, 'The log is not sealed on this server: set AUDIT_SEAL_KEY_FILE (pnpm audit:keygen).');
      const range = rangeSchema.safeParse(req.query);
      if (!range.success) return fail(400, range.error.issues.map((issue) => issue.message).join('; '));
      const { from, to } = range.data;
      const organizationId = identity.user.organizationId;
      const pack = await buildEvidencePack(options.sql, { organizationId, from, to, publicKey: options.publicKey });
      if (!pack.entries)
        return fail(
          404,
          `No sealed entries between ${from.toISOString()} and ${to.toISOString()}: entries are sealed once their day is final.`,
        );
      const { user } = identity;
      await withAuditContext({ userId: user.id, name: user.name, email: user.email, ...ctx.origin }, () =>
        ctx.prisma.$record({
          action: 'export',
          entityType: 'audit_log',
          entityId: organizationId,
          organizationId,
          changes: null,
          metadata: {
            kind: 'evidence_pack',
            from: from.toISOString(),
            to: to.toISOString(),
            entries: pack.entries,
            blocks: pack.blocks,
          },
        }),
      );
      const folder = `evidence-pack-${day(from)}-to-${day(to)}`;
      const archive = tarArchive(folder, pack.files);
      res.status(200);
      res.setHeader('Content-Type', 'application/x-tar');
      res.setHeader('Content-Disposition', `attachment; filename="${folder}.tar"`);
      res.setHeader('Content-Length', String(archive.length));
      res.end(archive);
    } catch (error) {
      logger.error('evidence pack failed', { requestId: req.headers['x-request-id'], error });
      if (!res.headersSent) fail(500, 'The evidence pack could not be built: try again, or use pnpm audit:export.');
    }
  };
}
