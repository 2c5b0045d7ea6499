/**
 * Throttling that every server process shares, in the database's `RateLimitCounter` table. Each attempt is counted
 * in one atomic statement (INSERT … ON CONFLICT DO UPDATE … RETURNING) *before* the password is checked, so parallel
 * requests and batches cannot slip past the count; a successful sign-in gives its attempt back.
 *
 * Sign-in policy (docs/decisions/010-sign-in-throttling.md):
 * - per account and client address: a few free attempts, then a delay that doubles with each failure (1 s, 2 s,
 *   4 s, … up to 15 minutes). This is what stops a guesser, without touching anyone else.
 * - per account, across addresses: once an account has many failures in the window it is "under attack": every
 *   address gets one free attempt instead of three, and delays grow with the account's failures. A first attempt
 *   from a new address is never refused, so the owner with the right password still gets in.
 * - per client address, across accounts (password spraying): past a high threshold, attempts from that address are
 *   spaced out by a few seconds at most; a slow-down, not a lockout, for everyone behind a shared address.
 * Times come from the database's clock, so processes with skewed clocks agree.
 */
import { createHash } from 'node:crypto';
import type { AuditedPrismaClient } from '@auditlog/db';
import { Prisma } from '@auditlog/db';

export interface LoginThrottlePolicy {
  /** Failures are forgotten after this long without a new window (seconds; default 15 minutes). */
  windowSeconds: number;
  /** Attempts per account and address before delays start (default 3). */
  freeAttempts: number;
  /** The first delay once the free attempts are used; each further failure doubles it (seconds; default 1). */
  firstDelaySeconds: number;
  /** The longest delay between two attempts of one account and address (seconds; default 15 minutes). */
  maxDelaySeconds: number;
  /** Failures of one account, from all addresses, that put it under attack (default 10). */
  accountAttackThreshold: number;
  /** Failures from one address, over all accounts, before its attempts are spaced out (default 50). */
  addressThreshold: number;
  /** The longest spacing between attempts of one busy address (seconds; default 5). */
  addressMaxDelaySeconds: number;
}

export const DEFAULT_LOGIN_POLICY: LoginThrottlePolicy = {
  windowSeconds: 15 * 60,
  freeAttempts: 3,
  firstDelaySeconds: 1,
  maxDelaySeconds: 15 * 60,
  accountAttackThreshold: 10,
  addressThreshold: 50,
  addressMaxDelaySeconds: 5,
};

export interface RecordRatePolicy {
  /** Entries one actor may record per window (default 120): one per `audit.record` call, one per entry of `audit.recordMany`. */
  limit: number;
  /** Window length in seconds (default 60). */
  windowSeconds: number;
}

export const DEFAULT_RECORD_POLICY: RecordRatePolicy = { limit: 120, windowSeconds: 60 };

/** The attempt is refused: try again in `retryAfterSeconds`; `scope` says which limit refused it. */
export interface Refusal {
  retryAfterSeconds: number;
  scope: 'account' | 'address' | 'actor';
}

/** What a counted sign-in attempt hands back when it succeeded or was never verified. */
export interface LoginAttempt {
  keys: { pair: string; account: string; address: string };
}

/** Counter keys: hashed, so the table holds no email addresses, and fixed in length whatever the input. */
const keyOf = (kind: string, ...parts: string[]) =>
  `${kind}:${createHash('sha256').update(parts.join('\u0000')).digest('base64url')}`;

/** The counter's next count and window start: a window older than `windowSeconds` starts again at 1. */
function nextCount(windowSeconds: number) {
  const expired = Prisma.sql`c."windowStart" <= clock_timestamp() - make_interval(secs => ${windowSeconds}::float8)`;
  return {
    count: Prisma.sql`CASE WHEN ${expired} THEN 1 ELSE c.count + 1 END`,
    windowStart: Prisma.sql`CASE WHEN ${expired} THEN clock_timestamp() ELSE c."windowStart" END`,
  };
}

interface CounterRow {
  count: number;
  wait: number;
}

export class Throttle {
  private lastSweep = 0;

  constructor(
    private readonly prisma: AuditedPrismaClient,
    readonly login: LoginThrottlePolicy = DEFAULT_LOGIN_POLICY,
    readonly record: RecordRatePolicy = DEFAULT_RECORD_POLICY,
  ) {}

  /**
   * Counts a progressive-delay attempt on `key` if it is allowed now: `delay(n)` after the n-th attempt of the window
   * is `factor · 2^(n − free)` seconds (none while n < free), at most `max`. Returns the new count, or how long to
   * wait (nothing counted).
   */
  private async admit(
    key: string,
    settings: { free: number; factor: number; max: number },
  ): Promise<{ admitted: true; count: number } | { admitted: false; wait: number }> {
    const { free, factor, max } = settings;
    const delayAfter = (n: Prisma.Sql) =>
      Prisma.sql`make_interval(secs => CASE WHEN ${n} < ${free}::int THEN 0
        ELSE least(${max}::float8, ${factor}::float8 * power(2, ${n} - ${free}::int)) END)`;
    const next = nextCount(this.login.windowSeconds);
    const rows = await this.prisma.$queryRaw<{ count: number }[]>`
      INSERT INTO "RateLimitCounter" AS c (key, count, "windowStart", "nextAllowedAt", "updatedAt")
      VALUES (${key}, 1, clock_timestamp(), clock_timestamp() + ${delayAfter(Prisma.sql`1`)}, clock_timestamp())
      ON CONFLICT (key) DO UPDATE SET
        count = ${next.count},
        "windowStart" = ${next.windowStart},
        "nextAllowedAt" = clock_timestamp() + ${delayAfter(next.count)},
        "updatedAt" = clock_timestamp()
      WHERE c."nextAllowedAt" <= clock_timestamp()
      RETURNING count`;
    const row = rows[0];
    if (row) return { admitted: true, count: row.count };
    const [blocked] = await this.prisma.$queryRaw<{ wait: number }[]>`
      SELECT greatest(extract(epoch FROM "nextAllowedAt" - clock_timestamp()), 0)::float8 AS wait
      FROM "RateLimitCounter" WHERE key = ${key}`;
    return { admitted: false, wait: blocked?.wait ?? 1 };
  }

  /** Adds one to a plain counter of the window (no delay of its own); returns the count and the window's rest. */
  private async count(key: string, windowSeconds: number): Promise<CounterRow> {
    const next = nextCount(windowSeconds);
    const [row] = await this.prisma.$queryRaw<CounterRow[]>`
      INSERT INTO "RateLimitCounter" AS c (key, count, "windowStart", "nextAllowedAt", "updatedAt")
      VALUES (${key}, 1, clock_timestamp(), clock_timestamp(), clock_timestamp())
      ON CONFLICT (key) DO UPDATE SET count = ${next.count}, "windowStart" = ${next.windowStart}, "updatedAt" = clock_timestamp()
      RETURNING count,
        greatest(extract(epoch FROM "windowStart" + make_interval(secs => ${windowSeconds}::float8) - clock_timestamp()), 0)::float8 AS wait`;
    return row ?? { count: 0, wait: 0 };
  }

  /** Gives back one counted attempt; `forget` removes the counter (a success clears its account+address record). */
  private async giveBack(key: string, forget = false): Promise<void> {
    if (forget) {
      await this.prisma.$executeRaw`DELETE FROM "RateLimitCounter" WHERE key = ${key}`;
    } else {
      await this.prisma
        .$executeRaw`UPDATE "RateLimitCounter" SET count = greatest(count - 1, 0), "updatedAt" = clock_timestamp() WHERE key = ${key}`;
    }
  }

  private async recentCount(key: string): Promise<number> {
    const [row] = await this.prisma.$queryRaw<{ count: number }[]>`
      SELECT count FROM "RateLimitCounter"
      WHERE key = ${key} AND "windowStart" > clock_timestamp() - make_interval(secs => ${this.login.windowSeconds}::float8)`;
    return row?.count ?? 0;
  }

  /**
   * Counts a sign-in attempt for `email` from `address`, before any password is checked. The same work is done
   * whether or not the email belongs to an account. @returns the attempt, or the refusal (nothing counted).
   */
  async admitLogin(email: string, address: string): Promise<{ attempt: LoginAttempt } | { refused: Refusal }> {
    await this.sweep();
    const policy = this.login;
    const keys = {
      pair: keyOf('login-pair', email, address),
      account: keyOf('login-account', email),
      address: keyOf('login-address', address),
    };

    const spraying = await this.admit(keys.address, {
      free: policy.addressThreshold,
      factor: 0.25,
      max: policy.addressMaxDelaySeconds,
    });
    if (!spraying.admitted)
      return { refused: { retryAfterSeconds: Math.max(1, Math.ceil(spraying.wait)), scope: 'address' } };

    const accountFailures = await this.recentCount(keys.account);
    const underAttack = accountFailures >= policy.accountAttackThreshold;
    const pair = await this.admit(keys.pair, {
      free: underAttack ? 1 : policy.freeAttempts,
      factor:
        policy.firstDelaySeconds * (underAttack ? Math.floor(accountFailures / policy.accountAttackThreshold) : 1),
      max: policy.maxDelaySeconds,
    });
    if (!pair.admitted) {
      await this.giveBack(keys.address);
      return { refused: { retryAfterSeconds: Math.max(1, Math.ceil(pair.wait)), scope: 'account' } };
    }
    await this.count(keys.account, policy.windowSeconds);
    return { attempt: { keys } };
  }

  /** The password was right: this account+address starts afresh, and the account and address get the attempt back. */
  async loginSucceeded(attempt: LoginAttempt): Promise<void> {
    await this.giveBack(attempt.keys.pair, true);
    await this.giveBack(attempt.keys.account);
    await this.giveBack(attempt.keys.address);
  }

  /** The password was never checked (the verification queue was full): the attempt is given back everywhere. */
  async loginNotChecked(attempt: LoginAttempt): Promise<void> {
    await Promise.all([
      this.giveBack(attempt.keys.pair),
      this.giveBack(attempt.keys.account),
      this.giveBack(attempt.keys.address),
    ]);
  }

  /**
   * Counts `entries` audit entries of `actor` (one per `audit.record` call, one per entry of `audit.recordMany`) if
   * they all fit in the window's budget, in one atomic statement (concurrent calls and batches cannot slip past the
   * limit); a refusal otherwise, and nothing counted. A batch larger than the whole budget is refused too: the caller
   * checks `entries <= record.limit` first to say so.
   */
  async admitRecord(actor: string, entries = 1): Promise<Refusal | null> {
    const { limit, windowSeconds } = this.record;
    const key = keyOf('record', actor);
    if (entries > limit) return { retryAfterSeconds: windowSeconds, scope: 'actor' };
    const expired = Prisma.sql`c."windowStart" <= clock_timestamp() - make_interval(secs => ${windowSeconds}::float8)`;
    const admitted = await this.prisma.$queryRaw<{ count: number }[]>`
      INSERT INTO "RateLimitCounter" AS c (key, count, "windowStart", "nextAllowedAt", "updatedAt")
      VALUES (${key}, ${entries}::int, clock_timestamp(), clock_timestamp(), clock_timestamp())
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN ${expired} THEN ${entries}::int ELSE c.count + ${entries}::int END,
        "windowStart" = CASE WHEN ${expired} THEN clock_timestamp() ELSE c."windowStart" END,
        "updatedAt" = clock_timestamp()
      WHERE ${expired} OR c.count + ${entries}::bigint <= ${limit}::bigint
      RETURNING count`;
    if (admitted.length) return null;
    const [row] = await this.prisma.$queryRaw<{ wait: number }[]>`
      SELECT greatest(extract(epoch FROM "windowStart" + make_interval(secs => ${windowSeconds}::float8) - clock_timestamp()), 0)::float8 AS wait
      FROM "RateLimitCounter" WHERE key = ${key}`;
    return { retryAfterSeconds: Math.max(1, Math.ceil(row?.wait ?? 1)), scope: 'actor' };
  }

  /** Forgets counters untouched for a day, at most every ten minutes per process. */
  private async sweep(): Promise<void> {
    if (Date.now() - this.lastSweep < 10 * 60_000) return;
    this.lastSweep = Date.now();
    await this.prisma
      .$executeRaw`DELETE FROM "RateLimitCounter" WHERE "updatedAt" < clock_timestamp() - interval '1 day'`;
  }
}
