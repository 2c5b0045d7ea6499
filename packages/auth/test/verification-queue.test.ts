import { describe, expect, it } from 'vitest';
import { VerificationQueue, VerificationQueueFullError } from '../src/verification-queue.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the verification queue', () => {
  it('gives the next slot to an address with nothing in flight, ahead of a flooding address', async () => {
    const queue = new VerificationQueue({ concurrency: 1, maxWaitingPerAddress: 10 });
    const order: string[] = [];
    const job = (name: string) => async () => {
      order.push(name);
      await sleep(20);
    };
    const flood = Array.from({ length: 5 }, (_, i) => queue.run('203.0.113.1', job(`flood-${i}`)));
    await sleep(5);
    const real = queue.run('192.0.2.7', job('real'));
    await Promise.all([...flood, real]);
    // flood-0 was running; the real sign-in goes next, before the rest of the flood.
    expect(order).toEqual(['flood-0', 'real', 'flood-1', 'flood-2', 'flood-3', 'flood-4']);
  });

  it('refuses at once what one address queues past its share, and never runs more than the slots at a time', async () => {
    const queue = new VerificationQueue({ concurrency: 2, maxWaitingPerAddress: 3 });
    let running = 0;
    let most = 0;
    const job = async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(10);
      running -= 1;
    };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => queue.run('203.0.113.2', job)));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(5); // 2 running + 3 waiting
    for (const [i, result] of results.entries())
      if (result.status === 'rejected') expect(result.reason, `call ${i}`).toBeInstanceOf(VerificationQueueFullError);
    expect(most).toBe(2);
    expect(queue.stats).toEqual({ running: 0, waiting: 0 });
  });
});
