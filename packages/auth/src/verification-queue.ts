/**
 * Password verifications wait here for one of a few slots. A free slot goes to the address with the fewest
 * verifications in flight (running or waiting), the longest-waiting first among equals; so a flood from a few
 * addresses waits behind itself, and a sign-in from an address that is not flooding waits only for the verifications
 * already running. scrypt at N=2^17 takes about 0.4 s of a core: without a bound, 40 concurrent guesses kept libuv's
 * four threads busy and a real sign-in took 8.6 s instead of 0.2 s. (A flood spread over many addresses with one
 * request each is indistinguishable from many users: each then waits its turn.)
 */
import { availableParallelism } from 'node:os';

export interface VerificationQueueOptions {
  /**
   * Verifications running at once (default: one less than the cores, at least 1 and at most 4, libuv's thread pool):
   * a core stays free for the requests themselves and the database, and a sign-in that gets a slot runs at full speed.
   */
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
  arrival: number;
  start: () => void;
}

export class VerificationQueue {
  private readonly concurrency: number;
  private readonly maxWaitingPerAddress: number;
  private readonly maxWaiting: number;
  private running = 0;
  private waiting = 0;
  private arrivals = 0;
  /** Waiting jobs by address, oldest first. */
  private readonly byAddress = new Map<string, Job[]>();
  /** Running and waiting jobs by address. */
  private readonly inFlight = new Map<string, number>();

  constructor(options: VerificationQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? Math.min(availableParallelism() - 1, 4));
    this.maxWaitingPerAddress = options.maxWaitingPerAddress ?? 4;
    this.maxWaiting = options.maxWaiting ?? 256;
  }

  /** What is running and waiting now (for tests and diagnostics). */
  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting };
  }

  /** Whether `address` could queue one more verification now (checked before any other work is spent on it). */
  hasRoom(address: string): boolean {
    if (this.running < this.concurrency && this.waiting === 0) return true;
    return (this.byAddress.get(address)?.length ?? 0) < this.maxWaitingPerAddress && this.waiting < this.maxWaiting;
  }

  /** Runs `task` when a slot is free and it is `address`'s turn. @throws VerificationQueueFullError */
  run<T>(address: string, task: () => Promise<T>): Promise<T> {
    if (!this.hasRoom(address)) return Promise.reject(new VerificationQueueFullError());
    const now = this.running < this.concurrency && this.waiting === 0;
    const queued = this.byAddress.get(address) ?? [];
    this.inFlight.set(address, (this.inFlight.get(address) ?? 0) + 1);
    if (now) return this.execute(address, task);
    return new Promise<T>((resolve, reject) => {
      queued.push({
        arrival: (this.arrivals += 1),
        start: () => void this.execute(address, task).then(resolve, reject),
      });
      this.byAddress.set(address, queued);
      this.waiting += 1;
    });
  }

  private async execute<T>(address: string, task: () => Promise<T>): Promise<T> {
    this.running += 1;
    try {
      return await task();
    } finally {
      this.running -= 1;
      const left = (this.inFlight.get(address) ?? 1) - 1;
      if (left > 0) this.inFlight.set(address, left);
      else this.inFlight.delete(address);
      this.next();
    }
  }

  private next(): void {
    let chosen: { address: string; jobs: Job[]; load: number; arrival: number } | undefined;
    for (const [address, jobs] of this.byAddress) {
      const head = jobs[0];
      if (!head) continue;
      const load = this.inFlight.get(address) ?? 0;
      if (!chosen || load < chosen.load || (load === chosen.load && head.arrival < chosen.arrival)) {
        chosen = { address, jobs, load, arrival: head.arrival };
      }
    }
    if (!chosen) return;
    const job = chosen.jobs.shift();
    if (chosen.jobs.length === 0) this.byAddress.delete(chosen.address);
    if (!job) return;
    this.waiting -= 1;
    job.start();
  }
}
