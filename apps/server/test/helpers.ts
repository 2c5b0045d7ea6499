/**
 * Shared helpers for the HTTP tests: raw tRPC calls over `fetch` (for status codes, headers and cookies), errors of the
 * typed client, seeding entries at chosen times, and the order the API promises (newest first, ties by id descending).
 */
import { runAsSystem, withAuditContext } from '@auditlog/audit';
import type { SystemAuditContext, UserAuditContext } from '@auditlog/audit';
import { withSeedClock } from '@auditlog/audit/seeding';
import type { AuditedPrismaClient } from '@auditlog/db';
import { TEST_SETUP } from '../src/testing.ts';

/** tRPC's error body, as shaped by the server's errorFormatter. */
export interface TrpcErrorBody {
  message: string;
  code: number;
  data: {
    code: string;
    httpStatus: number;
    path?: string;
    issues: { path: string; message: string }[] | null;
  };
}

export interface RawResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The parsed body: `{ result: { data } }` or `{ error }`; null when it was not JSON. */
  body: { result?: { data: T }; error?: TrpcErrorBody } | null;
  /** Shortcuts into `body`. */
  data: T | undefined;
  error: TrpcErrorBody | undefined;
  text: string;
}

async function toRaw<T>(response: Response): Promise<RawResponse<T>> {
  const text = await response.text();
  let body: RawResponse<T>['body'];
  try {
    body = JSON.parse(text) as RawResponse<T>['body'];
  } catch {
    body = null;
  }
  return {
    status: response.status,
    headers: response.headers,
    body,
    data: body?.result?.data,
    error: body?.error,
    text,
  };
}

/** GET /trpc/<path>?input=<json>: a tRPC query, not batched. `input: undefined` sends no input at all. */
export async function rawQuery<T = unknown>(
  baseUrl: string,
  path: string,
  input?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse<T>> {
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return toRaw<T>(await fetch(`${baseUrl}/trpc/${path}${query}`, { headers }));
}

/** POST /trpc/<path> with a JSON body: a tRPC mutation, not batched. A string `body` is sent as is. */
export async function rawMutation<T = unknown>(
  baseUrl: string,
  path: string,
  input?: unknown,
  headers: Record<string, string> = {},
  options: { rawBody?: string } = {},
): Promise<RawResponse<T>> {
  const body = options.rawBody ?? (input === undefined ? undefined : JSON.stringify(input));
  return toRaw<T>(
    await fetch(`${baseUrl}/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    }),
  );
}

export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
export const withCookie = (cookie: string): Record<string, string> => ({ cookie });

/** What the typed client throws (TRPCClientError), reduced to what the tests compare. */
export interface ClientFailure {
  message: string;
  code: string | undefined;
  httpStatus: number | undefined;
}

/** Awaits `promise`, which must reject with a tRPC client error; returns its code, status and message. */
export async function failureOf(promise: Promise<unknown>): Promise<ClientFailure> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const data = (error as Error & { data?: { code?: string; httpStatus?: number } | null }).data;
    return { message: error.message, code: data?.code, httpStatus: data?.httpStatus };
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}

export interface SeedEntry {
  action: string;
  entityType: string;
  entityId: string;
  at: Date;
  metadata?: Record<string, unknown>;
}

export interface SeededEntry extends SeedEntry {
  id: string;
  /** ISO 8601 as the API returns it. */
  createdAt: string;
}

/**
 * Writes `entries` into `organizationId`'s log, each stamped at its `at` with the seed clock, as `actor`, with the
 * context the triggers would read. Inserted as the owner (the tests' superuser), not through `record()`: list
 * fixtures need row-change actions, which `record()` refuses to anyone. Returns them with their ids, in order.
 */
export async function seedEntries(
  prisma: AuditedPrismaClient,
  organizationId: string,
  actor: UserAuditContext | SystemAuditContext,
  entries: SeedEntry[],
): Promise<SeededEntry[]> {
  const seeded: SeededEntry[] = [];
  for (const entry of entries) {
    const [row] = await withAuditContext(actor, () =>
      withSeedClock(entry.at, () =>
        prisma.$queryRawUnsafe<{ id: string; createdAt: Date }[]>(
          `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType", "actorUserId",
             "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", metadata)
           SELECT auditlog.next_id(c.at), $1, c.at, $2, $3, $4, c.actor_type::"AuditActorType", c.user_id,
             c.actor_name, c.actor_email, c.ip, c.ua, c.request_id, $5::jsonb
           FROM auditlog.context() c
           RETURNING id::text AS id, "createdAt"`,
          organizationId,
          entry.action,
          entry.entityType,
          entry.entityId,
          entry.metadata ? JSON.stringify(entry.metadata) : null,
        ),
      ),
    );
    if (!row) throw new Error('the fixture entry was not written');
    seeded.push({ ...entry, id: row.id, createdAt: row.createdAt.toISOString() });
  }
  return seeded;
}

/** The API's order: newest first, ties broken by id descending (UUIDs compare as their lower-case hex text). */
export function newestFirst<E extends { id: string; createdAt: string }>(a: E, b: E): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  if (a.id !== b.id) return a.id < b.id ? 1 : -1;
  return 0;
}

/** Every entry of an organization as stored, in the API's order (for building expectations, never for the API). */
export async function storedEntries(prisma: AuditedPrismaClient, organizationId: string) {
  const rows = await prisma.auditLog.findMany({
    where: { organizationId },
    select: { id: true, createdAt: true, action: true, entityType: true, entityId: true, organizationId: true },
  });
  return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })).sort(newestFirst);
}

/** Runs test setup as the named system actor the test server expects (it runs in strict mode, as in production). */
export function asSetup<T>(fn: () => PromiseLike<T>): Promise<T> {
  return runAsSystem({ name: TEST_SETUP }, fn);
}
