/**
 * Password verifications wait here for one of a few slots, taken in turn by client address (round robin), so that a
 * flood of sign-ins from one address waits behind itself and a sign-in from another address waits for at most the
 * verifications already running. scrypt at N=2^17 takes about 0.4 s of a core: without a bound, 40 concurrent guesses
 * kept libuv's four threads busy and a real sign-in took 8.6 s instead of 0.2 s.
 */
import { availableParallelism } from 'node:os';

export interface VerificationQueueOptions {
  /** Verifications running at once (default: the number of cores, at most 4: libuv's thread pool). */
  concurrency?: number;
  /** Verifications one address may have waiting; more are refused at once (default 4). */
  maxWaitingPerAddress?: number;
  /** Verifications waiting in all (default 256): past it, every new one is refused, whatever its address. */
  maxWaiting?: number;
}

/** The queue is full for this address (or altogether): the caller should answer "busy, try again shortly". */
export class VerificationQueueFullError extends Error {
  override name = 'VerificationQueueFullError';
  constructor() {
    super('Too many sign-in attempts are being checked right now. Try again in a moment.');
  }
}

interface Job {
  start: () => void;
}

export class VerificationQueue {
  private readonly concurrency: number;
  private readonly maxWaitingPerAddress: number;
  private readonly maxWaiting: number;
  private running = 0;
  private waiting = 0;
  /** Waiting jobs by address; the Map's order is the round robin: an address served goes to the back. */
  private readonly byAddress = new Map<string, Job[]>();

  constructor(options: VerificationQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? Math.min(availableParallelism(), 4));
    this.maxWaitingPerAddress = options.maxWaitingPerAddress ?? 4;
    this.maxWaiting = options.maxWaiting ?? 256;
  }

  /** What is running and waiting now (for tests and diagnostics). */
  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting };
  }

  /** Runs `task` when a slot is free and it is `address`'s turn. @throws VerificationQueueFullError */
  run<T>(address: string, task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency && this.waiting === 0) return this.execute(task);
    const queued = this.byAddress.get(address) ?? [];
    if (queued.length >= this.maxWaitingPerAddress || this.waiting >= this.maxWaiting) {
      return Promise.reject(new VerificationQueueFullError());
    }
    return new Promise<T>((resolve, reject) => {
      queued.push({ start: () => void this.execute(task).then(resolve, reject) });
      this.byAddress.set(address, queued);
      this.waiting += 1;
    });
  }

  private async execute<T>(task: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      this.next();
    }
  }

  private next(): void {
    const first = this.byAddress.entries().next();
    if (first.done) return;
    const [address, jobs] = first.value;
    const job = jobs.shift();
    this.byAddress.delete(address);
    if (jobs.length > 0) this.byAddress.set(address, jobs);
    if (!job) return;
    this.waiting -= 1;
    job.start();
  }
}
