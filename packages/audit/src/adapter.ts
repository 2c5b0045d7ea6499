/**
 * Carries the audit context to the triggers by appending `/*audit='…'*\/` to the SQL at the driver adapter, the last
 * step before the database. Same comment as `auditComments()` (Prisma's `comments` plugin), at a lower cost: Prisma
 * deep-clones each query's arguments for every comment plugin it calls, which for a 1,000-row createMany costs more
 * than the audit itself (measured in docs/decisions/004-trigger-capture.md).
 */
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { AUDIT_COMMENT_KEY, currentEncodedContext } from './comments.ts';

function withComment(query: SqlQuery): SqlQuery {
  const encoded = currentEncodedContext();
  return encoded === undefined ? query : { ...query, sql: `${query.sql} /*${AUDIT_COMMENT_KEY}='${encoded}'*/` };
}

/** A proxy of `target` whose `queryRaw` and `executeRaw` add the comment; everything else is passed through. */
function commenting<T extends object>(target: T, wrapTransactions: boolean): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      if (property === 'queryRaw' || property === 'executeRaw') {
        return (query: SqlQuery) => Reflect.apply(value, object, [withComment(query)]);
      }
      if (wrapTransactions && property === 'startTransaction') {
        return async (...args: unknown[]) =>
          commenting((await Reflect.apply(value, object, args)) as Transaction, false);
      }
      return value.bind(object);
    },
  });
}

/** Wraps a driver adapter factory: `new PrismaClient({ adapter: withAuditComments(new PrismaPg(pool)) })`. */
export function withAuditComments<F extends SqlDriverAdapterFactory>(factory: F): F {
  return new Proxy(factory, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (property === 'connect' && typeof value === 'function') {
        return async () => commenting((await Reflect.apply(value, object, [])) as SqlDriverAdapter, true);
      }
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
