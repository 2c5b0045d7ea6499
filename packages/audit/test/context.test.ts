import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { currentAuditContext, runAsSystem, runWithStoredContext, withAuditContext } from '../src/context.ts';
import type { AuditContext } from '../src/context.ts';
import { withSeedClock } from '../src/seeding.ts';

const NOT_CALLED = Symbol('then not called');

/**
 * Like a Prisma query: nothing happens until `then` is called, and the context that counts is the one current at that
 * moment. `seen` records it.
 */
function lazyQuery<T>(result: { value: T } | { error: Error }) {
  const state: { seen: AuditContext | undefined | typeof NOT_CALLED; calls: number } = { seen: NOT_CALLED, calls: 0 };
  const query: PromiseLike<T> = {
    then<R1 = T, R2 = never>(
      onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
      onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
    ): PromiseLike<R1 | R2> {
      state.calls += 1;
      state.seen = currentAuditContext();
      const settled = 'value' in result ? Promise.resolve(result.value) : Promise.reject(result.error);
      return settled.then(onfulfilled, onrejected);
    },
  };
  return { query, state };
}

const user = { userId: 'user_1', ipAddress: '203.0.113.9', userAgent: 'Vitest', requestId: 'req_1' };
const userStored: AuditContext = {
  actor: { type: 'user', userId: 'user_1' },
  ipAddress: '203.0.113.9',
  userAgent: 'Vitest',
  requestId: 'req_1',
};

describe('withAuditContext', () => {
  it('has no context outside any unit of work', () => {
    expect(currentAuditContext()).toBeUndefined();
  });

  it('gives fn the stored form of a user context', async () => {
    await expect(withAuditContext(user, () => currentAuditContext())).resolves.toEqual(userStored);
  });

  it('defaults ip, user agent and request id to null', async () => {
    await expect(withAuditContext({ userId: 'user_2' }, () => currentAuditContext())).resolves.toEqual({
      actor: { type: 'user', userId: 'user_2' },
      ipAddress: null,
      userAgent: null,
      requestId: null,
    });
  });

  it('gives a system actor, named or not, for a context without userId', async () => {
    await expect(
      withAuditContext({ systemName: 'API key "CI"', ipAddress: '10.0.0.1' }, () => currentAuditContext()),
    ).resolves.toEqual({
      actor: { type: 'system', name: 'API key "CI"' },
      ipAddress: '10.0.0.1',
      userAgent: null,
      requestId: null,
    });
    await expect(withAuditContext({}, () => currentAuditContext()?.actor)).resolves.toEqual({
      type: 'system',
      name: null,
    });
  });

  it('gives an anonymous actor, and no user, for an anonymous context', async () => {
    await expect(
      withAuditContext({ anonymous: true, ipAddress: '198.51.100.4' }, () => currentAuditContext()),
    ).resolves.toEqual({
      actor: { type: 'anonymous' },
      ipAddress: '198.51.100.4',
      userAgent: null,
      requestId: null,
    });
  });

  it('starts a lazy thenable returned by fn inside the context (the Prisma lazy-promise case)', async () => {
    const { query, state } = lazyQuery({ value: 'updated' });
    const pending = withAuditContext(user, () => query);
    expect(currentAuditContext()).toBeUndefined();
    await expect(pending).resolves.toBe('updated');
    expect(state.calls).toBe(1);
    expect(state.seen).toEqual(userStored);
  });

  it('would not see the context if the thenable were started after it ended', async () => {
    const { query, state } = lazyQuery({ value: 1 });
    await withAuditContext(user, () => 'no thenable returned');
    await query;
    expect(state.seen).toBeUndefined();
  });

  it('rejects with the error of a rejecting thenable', async () => {
    const { query, state } = lazyQuery<number>({ error: new Error('unique constraint failed') });
    await expect(withAuditContext(user, () => query)).rejects.toThrow('unique constraint failed');
    expect(state.seen).toEqual(userStored);
  });

  it('rejects, instead of throwing, when fn throws synchronously', async () => {
    let pending: Promise<never> | undefined;
    expect(() => {
      pending = withAuditContext(user, () => {
        throw new Error('boom');
      });
    }).not.toThrow();
    await expect(pending).rejects.toThrow('boom');
  });

  it("rejects when a thenable's then throws synchronously", async () => {
    const broken: PromiseLike<number> = {
      then() {
        throw new Error('then exploded');
      },
    };
    await expect(withAuditContext(user, () => broken)).rejects.toThrow('then exploded');
  });

  it('resolves with a plain value returned by fn', async () => {
    await expect(withAuditContext(user, () => 42)).resolves.toBe(42);
    await expect(withAuditContext(user, () => undefined)).resolves.toBeUndefined();
  });

  it('keeps the context across awaits inside an async fn, and ends it afterwards', async () => {
    const seen = await withAuditContext(user, async () => {
      await sleep(1);
      const afterTimer = currentAuditContext();
      await Promise.resolve();
      return afterTimer;
    });
    expect(seen).toEqual(userStored);
    expect(currentAuditContext()).toBeUndefined();
  });

  it('gives the same context object to every call within one unit of work', async () => {
    const [first, second] = await withAuditContext(user, async () => {
      const a = currentAuditContext();
      await sleep(1);
      return [a, currentAuditContext()];
    });
    expect(first).toBeDefined();
    expect(second).toBe(first);
  });

  it('replaces the outer context inside a nested one, without inheriting its fields, and restores it after', async () => {
    const seen = await withAuditContext(user, async () => {
      const inner = await withAuditContext({ userId: 'user_2' }, () => currentAuditContext());
      const system = await runAsSystem({ name: 'Email sync' }, async () => {
        await sleep(1);
        return currentAuditContext();
      });
      return { inner, system, outer: currentAuditContext() };
    });
    expect(seen.inner).toEqual({
      actor: { type: 'user', userId: 'user_2' },
      ipAddress: null,
      userAgent: null,
      requestId: null,
    });
    expect(seen.system).toEqual({
      actor: { type: 'system', name: 'Email sync' },
      ipAddress: null,
      userAgent: null,
      requestId: null,
    });
    expect(seen.outer).toEqual(userStored);
  });

  it('keeps concurrent units of work apart', async () => {
    const track = (userId: string, delays: number[]) =>
      withAuditContext({ userId }, async () => {
        const seen: string[] = [];
        for (const delay of delays) {
          await sleep(delay);
          const actor = currentAuditContext()?.actor;
          seen.push(actor?.type === 'user' ? actor.userId : 'none');
        }
        return seen;
      });
    const [a, b] = await Promise.all([track('alice', [5, 1, 5]), track('bob', [1, 5, 1])]);
    expect(a).toEqual(['alice', 'alice', 'alice']);
    expect(b).toEqual(['bob', 'bob', 'bob']);
  });
});

describe('runAsSystem', () => {
  it('gives a system actor with the given name', async () => {
    await expect(runAsSystem({ name: 'Email sync' }, () => currentAuditContext())).resolves.toEqual({
      actor: { type: 'system', name: 'Email sync' },
      ipAddress: null,
      userAgent: null,
      requestId: null,
    });
  });

  it('gives an unnamed system actor without a name, and keeps a request id', async () => {
    await expect(runAsSystem({ requestId: 'job_7' }, () => currentAuditContext())).resolves.toEqual({
      actor: { type: 'system', name: null },
      ipAddress: null,
      userAgent: null,
      requestId: 'job_7',
    });
  });

  it('starts a lazy thenable inside the system context', async () => {
    const { query, state } = lazyQuery({ value: 'synced' });
    await expect(runAsSystem({ name: 'RMM sync' }, () => query)).resolves.toBe('synced');
    expect(state.seen).toEqual({
      actor: { type: 'system', name: 'RMM sync' },
      ipAddress: null,
      userAgent: null,
      requestId: null,
    });
  });
});

describe('withSeedClock', () => {
  const at = new Date('2021-03-04T05:06:07.089Z');

  it('adds the clock to the current context and keeps its actor and request fields', async () => {
    const seen = await withAuditContext(user, () => withSeedClock(at, () => currentAuditContext()));
    expect(seen).toEqual({ ...userStored, at });
  });

  it('keeps a named system actor', async () => {
    const seen = await runAsSystem({ name: 'Demo seed' }, () => withSeedClock(at, () => currentAuditContext()));
    expect(seen?.actor).toEqual({ type: 'system', name: 'Demo seed' });
    expect(seen?.at).toBe(at);
  });

  it('uses an unnamed system actor outside any context', async () => {
    await expect(withSeedClock(at, () => currentAuditContext())).resolves.toEqual({
      actor: { type: 'system', name: null },
      ipAddress: null,
      userAgent: null,
      requestId: null,
      at,
    });
  });

  it('does not change the outer context, which has no clock after the seeded work', async () => {
    const outer = await withAuditContext(user, async () => {
      await withSeedClock(at, () => undefined);
      return currentAuditContext();
    });
    expect(outer).toEqual(userStored);
    expect(outer).not.toHaveProperty('at');
  });

  it('lets an inner clock replace an outer one', async () => {
    const later = new Date('2021-03-05T00:00:00.000Z');
    const seen = await withSeedClock(at, () => withSeedClock(later, () => currentAuditContext()?.at));
    expect(seen).toBe(later);
  });

  it('starts a lazy thenable inside the seeded context', async () => {
    const { query, state } = lazyQuery({ value: 'seeded' });
    await expect(withAuditContext(user, () => withSeedClock(at, () => query))).resolves.toBe('seeded');
    expect(state.seen).toEqual({ ...userStored, at });
  });
});

describe('runWithStoredContext', () => {
  it('runs fn with exactly the given context object', async () => {
    const context: AuditContext = { ...userStored, at: new Date(0) };
    await expect(runWithStoredContext(context, () => currentAuditContext())).resolves.toBe(context);
  });
});
