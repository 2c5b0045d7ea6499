/**
 * What every procedure knows about its request: the database, who is calling (a session's user, an API key, or
 * nobody), and where the request came from. Built from an HTTP request by `createHttpContext` (http/context.ts), or
 * directly by `createContextInner` in tests and scripts.
 */
import { randomUUID } from 'node:crypto';
import type { AppLucia, RequestOrigin, Throttle, VerificationQueue, VerifiedApiKey } from '@auditlog/auth';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { Cookie, Session, User } from 'lucia';

export interface ApiServices {
  prisma: AuditedPrismaClient;
  lucia: AppLucia;
  /** Sign-in and record limits, shared by every process through the database. */
  throttle: Throttle;
  /** The queue password verifications wait in. */
  verifier: VerificationQueue;
  /** Signs list cursors: the deployment's key (configured, or made at first start and kept in the database). */
  cursorKey: Uint8Array;
}

export type Identity =
  | { kind: 'user'; user: User; session: Session }
  | { kind: 'apiKey'; apiKey: VerifiedApiKey }
  | { kind: 'anonymous'; reason?: 'invalid_api_key' };

export interface Context extends ApiServices {
  identity: Identity;
  origin: RequestOrigin;
  /** The request came from another site's page: mutations are refused (CSRF). */
  crossSite: boolean;
  /** Sends a cookie with the response (session renewal, sign-in, sign-out). */
  setCookie(cookie: Cookie): void;
  /** Sets a response header (Retry-After). */
  setHeader(name: string, value: string): void;
  /** How many calls the HTTP request carries (a tRPC batch has several); 1 for a direct call. */
  callsInRequest: number;
}

export function createContextInner(
  services: ApiServices,
  options: {
    identity?: Identity;
    origin?: Partial<RequestOrigin>;
    crossSite?: boolean;
    setCookie?: (cookie: Cookie) => void;
    setHeader?: (name: string, value: string) => void;
    callsInRequest?: number;
  } = {},
): Context {
  return {
    ...services,
    identity: options.identity ?? { kind: 'anonymous' },
    origin: {
      ipAddress: options.origin?.ipAddress ?? null,
      userAgent: options.origin?.userAgent ?? null,
      requestId: options.origin?.requestId ?? randomUUID(),
    },
    crossSite: options.crossSite ?? false,
    setCookie: options.setCookie ?? (() => undefined),
    setHeader: options.setHeader ?? (() => undefined),
    callsInRequest: options.callsInRequest ?? 1,
  };
}
