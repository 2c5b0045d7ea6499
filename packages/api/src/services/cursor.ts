/**
 * Opaque cursors for keyset pagination: the (createdAt, id) of the row to continue from, the direction, the page
 * number it leads to, and a fingerprint of the filters it was made for (a cursor is refused with other filters).
 * Each cursor carries an HMAC-SHA-256 over the organization it was made for and its contents, under a key of the
 * deployment, so a cursor that was edited, made up, or made in another organization is refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { isSupportedInstant } from '../contract/audit.ts';
import { DomainError } from '../errors.ts';

const cursorSchema = z.object({
  v: z.literal(1),
  d: z.enum(['next', 'prev']),
  t: z.iso.datetime().refine(isSupportedInstant),
  i: z.uuid(),
  p: z.number().int().min(1),
  f: z.string(),
});

export type Cursor = z.infer<typeof cursorSchema>;

export class InvalidCursorError extends DomainError {
  override name = 'InvalidCursorError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

export function filtersFingerprint(filters: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);
}

/** Who a cursor is for and how it is signed: the caller's organization and the deployment's key. */
export interface CursorScope {
  organizationId: string;
  key: Uint8Array;
}

const signature = (scope: CursorScope, body: string) =>
  createHmac('sha256', scope.key).update(`${scope.organizationId}\u0000${body}`).digest();

const NOT_OURS = 'The cursor is not one this API made for your organization: start again from page 1.';

export function encodeCursor(cursor: Omit<Cursor, 'v'>, scope: CursorScope): string {
  const body = Buffer.from(JSON.stringify({ v: 1, ...cursor })).toString('base64url');
  return `${body}.${signature(scope, body).toString('base64url')}`;
}

export function decodeCursor(value: string, fingerprint: string, scope: CursorScope): Cursor {
  const [body = '', mac = '', extra] = value.split('.');
  const expected = signature(scope, body);
  const given = Buffer.from(mac, 'base64url');
  if (extra !== undefined || given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new InvalidCursorError(NOT_OURS);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(NOT_OURS);
  }
  const cursor = cursorSchema.safeParse(parsed);
  if (!cursor.success) throw new InvalidCursorError(NOT_OURS);
  if (cursor.data.f !== fingerprint) {
    throw new InvalidCursorError('The cursor was made for other filters or page size: start again from page 1.');
  }
  return cursor.data;
}
