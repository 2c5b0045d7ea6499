/** How the download routes (evidence pack, export) refuse: a status and `{ error: { message } }`, never cached. */
import type { CallerErrorCode } from '@auditlog/api';
import type express from 'express';

const STATUS: Record<CallerErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TOO_MANY_REQUESTS: 429,
};

export const statusOfCallerError = (code: CallerErrorCode) => STATUS[code];

export function downloadRefusal(res: express.Response, status: number, message: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.status(status).json({ error: { message } });
}
