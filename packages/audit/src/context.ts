/**
 * Who is acting, and from where. The context lives in AsyncLocalStorage for the duration of a unit of work (a
 * request, a job) and reaches the capture triggers inside the SQL of every query, as a comment (see `comments.ts`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface UserAuditContext {
  /** The acting user's id. */
  userId: string;
  /**
   * The user's name and email as the caller knows them now (a request has them from its session). When absent, the
   * triggers read them from the user table; either way the entry keeps them as they were at the time.
   */
  name?: string | null;
  email?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export interface SystemAuditContext {
  /** What acted, e.g. an integration ("Email sync") or an API key's name. */
  systemName?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export interface AnonymousAuditContext {
  /**
   * An unauthenticated caller, such as a failed sign-in: nobody is verified, so no user is named as the actor. What
   * they claimed (the email tried) belongs in the entry's metadata.
   */
  anonymous: true;
  ipAddress?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

/**
 * The stored form: a user, the system, or an anonymous caller, plus where the work came from. A write made outside
 * any context has none of these: the triggers store it as unattributed.
 */
export interface AuditContext {
  actor:
    | { type: 'user'; userId: string; name?: string | null; email?: string | null }
    | { type: 'system'; name: string | null }
    | { type: 'anonymous' };
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
  /** Only set by `@auditlog/audit/seeding`, never on a request path. */
  at?: Date;
}

const storage = new AsyncLocalStorage<AuditContext>();

/**
 * Runs `fn` inside `context`. A thenable that `fn` returns is started inside the context too: Prisma's promises are
 * lazy, and `withAuditContext(ctx, () => prisma.ticket.update(…))` would otherwise run the query after the context
 * has ended, as System.
 */
function runInContext<T>(context: AuditContext, fn: () => T | PromiseLike<T>): Promise<T> {
  return storage.run(context, () => {
    try {
      const result = fn();
      return isThenable(result)
        ? new Promise<T>((resolve, reject) => result.then(resolve, reject))
        : Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  });
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/** Runs `fn` with `context` as the actor of every audited write and `record()` inside it. */
export function withAuditContext<T>(
  context: UserAuditContext | SystemAuditContext | AnonymousAuditContext,
  fn: () => T | PromiseLike<T>,
): Promise<T> {
  // A seeding clock around this context still applies (only `seeding.ts` ever sets one).
  const at = storage.getStore()?.at;
  const actor: AuditContext['actor'] =
    'userId' in context
      ? { type: 'user', userId: context.userId, name: context.name, email: context.email }
      : 'anonymous' in context
        ? { type: 'anonymous' }
        : { type: 'system', name: context.systemName ?? null };
  return runInContext(
    {
      actor,
      ipAddress: context.ipAddress ?? null,
      userAgent: context.userAgent ?? null,
      requestId: context.requestId ?? null,
      ...(at ? { at } : {}),
    },
    fn,
  );
}

/** Runs `fn` as System (background jobs, integrations), optionally named: `runAsSystem({ name: 'RMM sync' }, …)`. */
export function runAsSystem<T>(
  options: { name?: string; requestId?: string },
  fn: () => T | PromiseLike<T>,
): Promise<T> {
  return withAuditContext({ systemName: options.name ?? null, requestId: options.requestId ?? null }, fn);
}

/** The context of the current unit of work, if any. Writes outside any context are stored as unattributed. */
export function currentAuditContext(): AuditContext | undefined {
  return storage.getStore();
}

/** For `seeding.ts` only: runs `fn` with an explicit context (including a clock). */
export function runWithStoredContext<T>(context: AuditContext, fn: () => T | PromiseLike<T>): Promise<T> {
  return runInContext(context, fn);
}
