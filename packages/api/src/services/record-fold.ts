/**
 * `audit.record` calls that arrive together are written together. A tRPC batch (the typed client sends up to
 * MAX_RECORD_BATCH_SIZE, 50, `audit.record` calls in one request) runs its calls side by side with one context:
 * rather than one throttle round trip and one INSERT per call, the calls of one request that reach this point in the
 * same turn of the event loop are admitted by the per-actor limit in one statement and written by one `record_many()` statement. Each call
 * still gets its own answer: its entry, or its own refusal when the limit is reached part-way (the entries are then
 * admitted one by one, in order, as separate calls would be).
 */
import type { Refusal, Throttle } from '@auditlog/auth';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { z } from 'zod';
import type { recordInputSchema } from '../contract/audit.ts';

type Entry = z.output<typeof recordInputSchema>;

export interface FoldedEntry {
  id: string;
  createdAt: Date;
}

interface Waiting {
  entry: Entry;
  resolve(value: FoldedEntry | Refusal): void;
  reject(error: unknown): void;
}

interface Fold {
  prisma: AuditedPrismaClient;
  throttle: Throttle;
  organizationId: string;
  actor: string;
  waiting: Waiting[];
}

/** Pending folds, per request (its origin object, which every call of a batch shares) and actor. */
const pending = new WeakMap<object, Map<string, Fold>>();

/** Which of the waiting entries the limit admits: all in one statement when they fit, else one by one. */
async function admitted(fold: Fold): Promise<(Refusal | null)[]> {
  const all = await fold.throttle.admitRecord(fold.actor, fold.waiting.length);
  if (!all) return fold.waiting.map(() => null);
  if (fold.waiting.length === 1) return [all];
  const answers: (Refusal | null)[] = [];
  for (const _ of fold.waiting) answers.push(await fold.throttle.admitRecord(fold.actor, 1));
  return answers;
}

async function flush(fold: Fold): Promise<void> {
  try {
    const answers = await admitted(fold);
    const writing = fold.waiting.filter((_, i) => answers[i] === null);
    const written = writing.length
      ? await fold.prisma.$recordMany({
          organizationId: fold.organizationId,
          entries: writing.map(({ entry }) => ({ ...entry, changes: null })),
        })
      : [];
    let next = 0;
    fold.waiting.forEach((waiting, i) => {
      const refusal = answers[i];
      if (refusal) waiting.resolve(refusal);
      else {
        const entry = written[next++];
        if (entry) waiting.resolve(entry);
        else waiting.reject(new Error('record_many() returned fewer entries than it was given'));
      }
    });
  } catch (error) {
    for (const waiting of fold.waiting) waiting.reject(error);
  }
}

/**
 * Writes `entry` for `actor`, together with the other calls of the same request made in this turn; resolves with
 * the entry, or with the limit's refusal for this call (nothing written for it).
 */
export function recordFolded(
  request: object,
  target: Omit<Fold, 'waiting'>,
  entry: Entry,
): Promise<FoldedEntry | Refusal> {
  let folds = pending.get(request);
  if (!folds) pending.set(request, (folds = new Map()));
  const key = `${target.organizationId}\u0000${target.actor}`;
  let fold = folds.get(key);
  if (!fold) {
    const created: Fold = { ...target, waiting: [] };
    folds.set(key, (fold = created));
    // After the other calls of the batch have run up to here (they do so without I/O), in this call's audit context.
    setImmediate(() => {
      folds.delete(key);
      void flush(created);
    });
  }
  const joined = fold;
  return new Promise((resolve, reject) => joined.waiting.push({ entry, resolve, reject }));
}
