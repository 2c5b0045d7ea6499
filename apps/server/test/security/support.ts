/** Shared by the security tests: sign-in attempts as an attacker sends them, and what the responses set. */
import type { RouterOutputs } from '@auditlog/client';
import { rawMutation } from '../helpers.ts';

type Me = NonNullable<RouterOutputs['auth']['me']>;

/** POST auth.login, optionally as if from `address` (behind a server that trusts one proxy hop). */
export function attempt(
  url: string,
  email: string,
  password: string,
  options: { address?: string; headers?: Record<string, string> } = {},
) {
  const forwarded: Record<string, string> = options.address ? { 'x-forwarded-for': options.address } : {};
  return rawMutation<Me>(url, 'auth.login', { email, password }, { ...forwarded, ...options.headers });
}

/** The session cookie a response sets, if any (either name). */
export function sessionCookieOf(headers: Headers): string | undefined {
  return headers.getSetCookie().find((cookie) => /^(__Host-)?auditlog_session=[^;]/.test(cookie));
}

/** `203.0.113.<n>`-style documentation addresses, one per index. */
export const addressNumber = (n: number) => `198.51.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;

export const ONE_HOP = { kind: 'hops', hops: 1 } as const;

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
