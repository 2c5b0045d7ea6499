/**
 * Backdating, for the demo seed only. An entry's time is normally the database's clock; here the context carries an
 * explicit time that the triggers use instead. Nothing on a request path imports this module
 * (docs/decisions/005-seeding-clock.md): anyone who can send SQL could already insert rows, so it widens nothing.
 */
import { currentAuditContext, runWithStoredContext } from './context.ts';
import type { AuditContext } from './context.ts';

/** Runs `fn` with the current context (or System) stamped at `at`. */
export function withSeedClock<T>(at: Date, fn: () => T | PromiseLike<T>): Promise<T> {
  const current: AuditContext = currentAuditContext() ?? {
    actor: { type: 'system', name: null },
    ipAddress: null,
    userAgent: null,
    requestId: null,
  };
  return runWithStoredContext({ ...current, at }, fn);
}
