/** Entries written straight into the audit table by the owner, at chosen times, with the engine's own ids. */
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { generateKeyPairSync } from 'node:crypto';
import type { SqlClient } from '../src/index.ts';
import { workerConnectionOf } from '../src/sql.ts';

export const DAY = 86_400_000;

export const sealKeys = () => generateKeyPairSync('ed25519');

/**
 * `count` entries for `organizationId`, one every `stepMs` from `start`, with varied actors and JSON. Ids come from
 * `auditlog.next_id`, as the capture's do, so they sort in write order.
 */
export async function insertEntries(
  sql: SqlClient,
  organizationId: string,
  options: { count: number; start: Date; stepMs: number },
): Promise<void> {
  await sql.query(
    `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType",
       "actorUserId", "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", changes, metadata)
     SELECT auditlog.next_id(t.at), $1, t.at,
       CASE WHEN n % 3 = 0 THEN 'update' WHEN n % 3 = 1 THEN 'create' ELSE 'login' END, 'ticket', 'tk_' || n,
       CASE WHEN n % 5 = 0 THEN 'SYSTEM' ELSE 'USER' END::"AuditActorType",
       'u_' || (n % 7), 'User ' || (n % 7), 'user' || (n % 7) || '@example.test', '10.0.0.' || (n % 250), 'agent/1.0', 'req_' || n,
       CASE WHEN n % 3 = 0 THEN jsonb_build_object('status', jsonb_build_object('before', 'open', 'after', 'closed'), 'n', n) END,
       jsonb_build_object('n', n, 'tag', 'seq')
     FROM generate_series(0, $2 - 1) AS n,
       LATERAL (SELECT $3::timestamptz + make_interval(secs => n * $4::double precision / 1000.0) AS at) t
     ORDER BY n`,
    [organizationId, options.count, options.start.toISOString(), options.stepMs],
  );
}

/** Midnight UTC `days` days ago. */
export function daysAgo(days: number): Date {
  return new Date(Math.floor(Date.now() / DAY) * DAY - days * DAY);
}

/** One connection (a transaction spans its queries): the PGlite instance, or a pg.Client on the test database. */
export async function singleConnection(handle: { url?: string; options: { pglite?: PGlite } }): Promise<SqlClient> {
  const pglite = handle.options.pglite;
  if (pglite) {
    return {
      query: async <R>(text: string, params?: unknown[]) => (await pglite.query<R>(text, params)).rows,
      queryArrays: async (text: string, params?: unknown[]) =>
        (await pglite.query<unknown[]>(text, params, { rowMode: 'array' })).rows,
      close: async () => undefined,
    };
  }
  const client = new pg.Client({ connectionString: handle.url });
  await client.connect();
  return {
    query: async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[],
    queryArrays: async (text: string, params?: unknown[]) =>
      (await client.query<unknown[]>({ text, values: params, rowMode: 'array' })).rows,
    close: () => client.end(),
    // The parallel verifier's workers open their own connections to the same database.
    workerConnection: workerConnectionOf({ connectionString: handle.url }),
  };
}

/** A seeded generator (mulberry32), so a failing run can be replayed with its seed. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
