/**
 * The one mapping from domain errors to API answers. A service or the auth package refuses with an error that carries
 * its own code (`BAD_REQUEST`, `TOO_MANY_REQUESTS`, …) and, when waiting helps, `retryAfterSeconds`; `trpc.ts` turns
 * any such error into the tRPC error of that code, with the message the person reads, whichever procedure threw it.
 * Packages below the API (auth) need not know tRPC: the shape is enough.
 */

/** The codes a caller can act on; anything else thrown is a server fault (500, logged, message hidden). */
export const CALLER_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'TOO_MANY_REQUESTS',
] as const;
export type CallerErrorCode = (typeof CALLER_ERROR_CODES)[number];

export interface CallerError extends Error {
  readonly code: CallerErrorCode;
  /** For TOO_MANY_REQUESTS: sent as the Retry-After header. */
  readonly retryAfterSeconds?: number;
}

/** A refusal of the API's own services. */
export class DomainError extends Error implements CallerError {
  override name = 'DomainError';
  constructor(
    readonly code: CallerErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function isCallerError(error: unknown): error is CallerError {
  return (
    error instanceof Error &&
    typeof (error as Partial<CallerError>).code === 'string' &&
    (CALLER_ERROR_CODES as readonly string[]).includes((error as Partial<CallerError>).code ?? '')
  );
}
