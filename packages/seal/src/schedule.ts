/**
 * The server's background jobs: every `intervalMs`, seal what became final (the sealer), or prune what retention
 * allows (the prune job, on the maintenance connection only). One run at a time (a slow run delays the next instead
 * of overlapping it); the timer does not keep the process alive; `stop()` waits for a run in progress. Never on the
 * write path.
 */
import type { KeyObject } from 'node:crypto';
import type { Database } from '@auditlog/db';
import { pruneExpired } from './prune.ts';
import type { PruneRun } from './prune.ts';
import { sealAll } from './sealer.ts';
import type { SealResult } from './sealer.ts';
import { sqlClientFor } from './sql.ts';
import type { SqlClient } from './sql.ts';

export interface Schedule<R> {
  /** Runs once now, after a run in progress (which may have started before what the caller wants it to see). */
  runNow(): Promise<R>;
  /** Stops the timer, waits for a run in progress, and closes the job's connection. */
  stop(): Promise<void>;
}

export interface SealRun {
  sealed: SealResult[];
  refused: { organizationId: string; reason: string }[];
}

export type SealSchedule = Schedule<SealRun>;
export type PruneSchedule = Schedule<PruneRun>;

interface JobOptions<R> {
  intervalMs: number;
  /** Also run once at start (the daily prune: a server restarted more often than daily would otherwise never run it). */
  atStart?: boolean;
  onRun?: (run: R) => void;
  onError?: (error: unknown) => void;
}

function every<R>(sql: SqlClient, job: (sql: SqlClient) => Promise<R>, options: JobOptions<R>): Schedule<R> {
  let running: Promise<R> | null = null;
  const run = () =>
    (running ??= job(sql).finally(() => {
      running = null;
    }));
  const tick = () => {
    if (running) return;
    run().then(
      (result) => options.onRun?.(result),
      (error: unknown) => options.onError?.(error),
    );
  };
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  if (options.atStart) tick();
  return {
    async runNow() {
      await running?.catch(() => undefined);
      return run();
    },
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
      await sql.close();
    },
  };
}

export function startSealing(
  db: Pick<Database, 'connection'>,
  options: JobOptions<SealRun> & { privateKey: KeyObject },
): SealSchedule {
  return every(sqlClientFor(db), (sql) => sealAll(sql, { privateKey: options.privateKey }), options);
}

/**
 * Prunes every organization as far as its retention allows (`pruneExpired`), on `maintenance`: the owner's
 * connection, never the runtime role's (prune_months() belongs to the owner).
 */
export function startPruning(
  maintenance: Pick<Database, 'connection'>,
  options: JobOptions<PruneRun> & { privateKey: KeyObject },
): PruneSchedule {
  return every(sqlClientFor(maintenance), (sql) => pruneExpired(sql, options.privateKey), options);
}

/**
 * Keeps the audit table's months supplied (decision 018): `maintain_partitions()` creates the months ahead and files
 * any entry that landed in the DEFAULT partition. The runtime role may call it (it can only add months).
 */
export function startPartitionMaintenance(
  db: Pick<Database, 'connection'>,
  options: JobOptions<number>,
): Schedule<number> {
  return every(
    sqlClientFor(db),
    async (sql) => {
      const [row] = await sql.query<{ made: number }>(`SELECT auditlog.maintain_partitions() AS made`);
      return Number(row?.made ?? 0);
    },
    options,
  );
}
