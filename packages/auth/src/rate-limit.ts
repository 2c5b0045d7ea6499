/**
 * Refuses sign-in attempts after repeated failures from one IP address or for one email, for a cool-down window.
 * In memory, per process: enough for one server; several processes would each allow their own budget.
 */
export interface RateLimitOptions {
  /** Failures allowed for one email within the window (default 5). */
  perEmail?: number;
  /** Failures allowed from one IP address within the window (default 20). */
  perIp?: number;
  /** Window and cool-down, in milliseconds (default 15 minutes). */
  windowMs?: number;
  now?: () => number;
}

export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly perEmail: number;
  private readonly perIp: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: RateLimitOptions = {}) {
    this.perEmail = options.perEmail ?? 5;
    this.perIp = options.perIp ?? 20;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    const kept = (this.failures.get(key) ?? []).filter((at) => at > since);
    if (kept.length) this.failures.set(key, kept);
    else this.failures.delete(key);
    return kept;
  }

  /** Seconds to wait before another attempt is allowed, or 0 when it is allowed now. */
  retryAfterSeconds(email: string, ip: string | null): number {
    const blocked = [
      [`email:${email.toLowerCase()}`, this.perEmail],
      ...(ip ? [[`ip:${ip}`, this.perIp] as const] : []),
    ] as const;
    let wait = 0;
    for (const [key, limit] of blocked) {
      const recent = this.recent(key);
      const oldest = recent[recent.length - limit];
      if (recent.length >= limit && oldest !== undefined) wait = Math.max(wait, oldest + this.windowMs - this.now());
    }
    return Math.ceil(wait / 1000);
  }

  recordFailure(email: string, ip: string | null): void {
    const at = this.now();
    for (const key of [`email:${email.toLowerCase()}`, ...(ip ? [`ip:${ip}`] : [])]) {
      this.failures.set(key, [...this.recent(key), at]);
    }
    if (this.failures.size > 100_000) this.failures.clear(); // bounded memory under a spray of addresses
  }

  recordSuccess(email: string): void {
    this.failures.delete(`email:${email.toLowerCase()}`);
  }
}
