/**
 * Opaque cursors for keyset pagination: the (createdAt, id) of the row to continue from, the direction, the page
 * number it leads to, and a fingerprint of the filters it was made for (a cursor is refused with other filters).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { isSupportedInstant } from '../routers/audit/schemas.ts';

const cursorSchema = z.object({
  v: z.literal(1),
  d: z.enum(['next', 'prev']),
  t: z.iso.datetime().refine(isSupportedInstant),
  i: z.uuid(),
  p: z.number().int().min(1),
  f: z.string(),
});

export type Cursor = z.infer<typeof cursorSchema>;

export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

export function filtersFingerprint(filters: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('base64url').slice(0, 12);
}

export function encodeCursor(cursor: Omit<Cursor, 'v'>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...cursor })).toString('base64url');
}

export function decodeCursor(value: string, fingerprint: string): Cursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('The cursor is not one this API made: start again from page 1.');
  }
  const cursor = cursorSchema.safeParse(parsed);
  if (!cursor.success) throw new InvalidCursorError('The cursor is not one this API made: start again from page 1.');
  if (cursor.data.f !== fingerprint) {
    throw new InvalidCursorError('The cursor was made for other filters or page size: start again from page 1.');
  }
  return cursor.data;
}
