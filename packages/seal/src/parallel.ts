/**
 * Verification in parallel (decision 015): the checked blocks are split into contiguous ranges at signed block
 * boundaries, and each range is checked fully in a worker thread with its own connections. A range starts strictly
 * after the signed last entry (`lastEntryId`, `lastCreatedAt`) of the block before it, and every block must end
 * exactly at its signed last entry (range.ts `checkEnds`): so, once the ranges before it pass, a range sees the very
 * entries one pass would, every entry is checked by exactly one range, and no link between two ranges goes
 * unchecked (GHSA-672p-m5jq-mrh8). The main thread checks every header and signature, reads the tail, and reports
 * the failure of the earliest failing range: one pass's first failure, word for word.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SignedBlock } from './checkpoint.ts';
import type { RangeResult } from './range.ts';
import type { WorkerConnection } from './sql.ts';
import type { RangeJob, RangeReply } from './verify-worker.ts';

/** Below this many entries to check, one thread is faster than starting workers. */
export const PARALLEL_FROM = 200_000;
/** Workers used when not told: one per CPU, at most four (the database needs CPU too). */
export const defaultWorkers = () => Math.min(4, Math.max(1, availableParallelism()));

/**
 * The workers run the TypeScript sources through tsx, as the CLI and the server do: a small script registers tsx's
 * loader in the new thread and imports the worker module (`--import tsx` in a worker's execArgv is not honoured
 * for its entry module on Node 20).
 */
function workerScript(): string {
  // tsx's ESM register API ("tsx/esm/api", import condition), found from its package.json.
  const tsx = createRequire(import.meta.url).resolve('tsx/package.json');
  const api = new URL('dist/esm/api/index.mjs', pathToFileURL(tsx)).href;
  const entry = new URL('./verify-worker.ts', import.meta.url).href;
  return `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
}

const YOUNG_GENERATION_MB = 96;

interface Running {
  worker: Worker;
  jobs: Map<number, { resolve: (result: RangeResult) => void; reject: (error: Error) => void }>;
}

/**
 * Worker threads for range checks, started on first use (a pool nobody needed costs nothing) and kept for the
 * pool's life, so verifying many organizations, or a test verifying a thousand times, starts them once.
 */
export class VerifyPool {
  private running: Running[] = [];
  private next = 0;
  private ids = 0;

  constructor(
    private readonly connection: WorkerConnection,
    readonly size: number = defaultWorkers(),
  ) {}

  /** Checks one range in the least recently given worker. Rejects when the worker fails (never a silent pass). */
  run(job: Omit<RangeJob, 'id'>): Promise<RangeResult> {
    if (this.running.length === 0) this.running = Array.from({ length: this.size }, () => this.start());
    const running = this.running[this.next++ % this.running.length] as Running;
    const id = ++this.ids;
    return new Promise((resolve, reject) => {
      running.jobs.set(id, { resolve, reject });
      running.worker.ref();
      running.worker.postMessage({ ...job, id } satisfies RangeJob);
    });
  }

  private start(): Running {
    // A young generation larger than V8's default: a page of entries stays live while it is hashed, and fewer
    // scavenges copy it fewer times (measured: about a tenth of the CPU per entry).
    const worker = new Worker(workerScript(), {
      eval: true,
      workerData: this.connection,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const running: Running = { worker, jobs: new Map() };
    worker.unref();
    const failAll = (error: Error) => {
      for (const job of running.jobs.values()) job.reject(error);
      running.jobs.clear();
    };
    worker.on('message', (reply: RangeReply) => {
      const job = running.jobs.get(reply.id);
      running.jobs.delete(reply.id);
      if (running.jobs.size === 0) worker.unref();
      if (!job) return;
      if ('error' in reply) job.reject(new Error(`A verifier worker failed: ${reply.error}`));
      else job.resolve(reply.result);
    });
    worker.on('error', (error) => failAll(new Error(`A verifier worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => failAll(new Error(`A verifier worker stopped (exit code ${code}).`)));
    return running;
  }

  /** Ends the workers' connections and the workers (a worker that does not stop in 5 s is terminated). */
  async close(): Promise<void> {
    const running = this.running;
    this.running = [];
    await Promise.all(
      running.map(({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.ref();
        worker.postMessage('close');
        const timer = setTimeout(() => void worker.terminate(), 5_000);
        return exited.finally(() => clearTimeout(timer));
      }),
    );
  }
}

/** `blocks` cut into at most `parts` contiguous ranges of about as many entries each (none empty). */
export function splitRanges(blocks: readonly SignedBlock[], parts: number): SignedBlock[][] {
  const total = blocks.reduce((sum, block) => sum + block.entryCount, 0);
  const ranges: SignedBlock[][] = [];
  let current: SignedBlock[] = [];
  let done = 0;
  for (const block of blocks) {
    current.push(block);
    done += block.entryCount;
    if (ranges.length < parts - 1 && done >= (total * (ranges.length + 1)) / parts) {
      ranges.push(current);
      current = [];
    }
  }
  if (current.length > 0) ranges.push(current);
  return ranges;
}
