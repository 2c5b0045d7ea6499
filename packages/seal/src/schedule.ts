/**
 * The server's background sealer: every `intervalMs`, seal what became final. One run at a time (a slow run
 * delays the next instead of overlapping it); the timer does not keep the process alive; `stop()` waits for a run in
 * progress. Never on the write path.
 */
import type { KeyObject } from 'node:crypto';
import type { Database } from '@auditlog/db';
import { sealAll } from './sealer.ts';
import type { SealResult } from './sealer.ts';
import { sqlClientFor } from './sql.ts';

export interface SealSchedule {
  /** Runs once now (and returns what it sealed), outside the timer. */
  runNow(): Promise<SealRun>;
  stop(): Promise<void>;
}

export interface SealRun {
  sealed: SealResult[];
  refused: { organizationId: string; reason: string }[];
}

export function startSealing(
  db: Pick<Database, 'connection'>,
  options: {
    privateKey: KeyObject;
    intervalMs: number;
    onRun?: (run: SealRun) => void;
    onError?: (error: unknown) => void;
  },
): SealSchedule {
  const sql = sqlClientFor(db);
  let running: Promise<SealRun> | null = null;
  const run = () =>
    (running ??= sealAll(sql, { privateKey: options.privateKey }).finally(() => {
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
  return {
    runNow: run,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
      await sql.close();
    },
  };
}
