/**
 * A verifier worker thread (parallel.ts): its own connections to the database, one range of blocks at a time,
 * checked fully by `checkRange` (every leaf, root and header fact), the result posted back to the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import type { SignedBlock } from './checkpoint.ts';
import { checkRange } from './range.ts';
import type { RangeResult } from './range.ts';
import { configOf } from './sql.ts';
import type { SqlClient, WorkerConnection } from './sql.ts';
import type { EntryPosition } from './store.ts';

/** One range: consecutive blocks whose headers the main thread checked, and where the range starts. */
export interface RangeJob {
  id: number;
  organizationId: string;
  blocks: SignedBlock[];
  /** The block before the range (or the signed prune's last block): entries dated before it must be in a block. */
  link: { sealedThrough: string } | null;
  /** Read strictly after this entry: the signed last entry of the block before the range. */
  after: EntryPosition | null;
}

export type RangeReply = { id: number; result: RangeResult } | { id: number; error: string };

function clientOf(connection: WorkerConnection): SqlClient {
  // Two connections: a block's stored leaves are read while the next page of entries is.
  const pool = new pg.Pool({ ...configOf(connection), max: 2, application_name: 'auditlog-verify-worker' });
  pool.on('error', () => undefined); // an idle connection lost: the next query reports it
  return {
    query: async <R>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as R[],
    queryArrays: async (text: string, params?: unknown[]) =>
      (await pool.query<unknown[]>({ text, values: params, rowMode: 'array' })).rows,
    close: () => pool.end(),
  };
}

const port = parentPort;
if (!port) throw new Error('verify-worker.ts runs as a worker thread (parallel.ts starts it).');
const sql = clientOf(workerData as WorkerConnection);

port.on('message', (message: RangeJob | 'close') => {
  if (message === 'close') {
    void sql.close().finally(() => port.close());
    return;
  }
  const { id, organizationId, blocks, link, after } = message;
  checkRange(sql, organizationId, blocks, { link, after }).then(
    ({ entries, failure }) => port.postMessage({ id, result: { entries, failure } } satisfies RangeReply),
    (error: unknown) =>
      port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies RangeReply),
  );
});
