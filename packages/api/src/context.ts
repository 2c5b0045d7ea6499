/**
 * What every procedure knows about its request: the database, who is calling (a session's user, an API key, or
 * nobody), and where the request came from. Built from an HTTP request by `createHttpContext`, or directly by
 * `createContextInner` in tests and scripts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { AppLucia, RequestOrigin, Throttle, VerificationQueue, VerifiedApiKey } from '@auditlog/auth';
import { verifyApiKey } from '@auditlog/auth';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { Cookie, Session, User } from 'lucia';
import { clientAddress, headerList, NO_PROXY, peerIsTrustedProxy } from './client-address.ts';
import type { TrustProxy } from './client-address.ts';

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

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Where a request came from. The IP is the socket's peer or, behind trusted proxies, the address they saw (see
 * client-address.ts); it is always a valid IP or null, whatever a client writes in `X-Forwarded-For`.
 */
export function requestOrigin(req: IncomingMessage, trustProxy: TrustProxy = NO_PROXY): RequestOrigin {
  const header = req.headers['x-request-id'];
  const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  const userAgent = req.headers['user-agent'];
  return {
    ipAddress: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy),
    userAgent: userAgent ? userAgent.slice(0, 1024) : null,
    requestId,
  };
}

/** Resolves the caller: `Authorization: Bearer alk_…` for services, else the session cookie. */
export async function resolveIdentity(
  services: ApiServices,
  req: IncomingMessage,
  setCookie: (cookie: Cookie) => void,
): Promise<Identity> {
  const authorization = req.headers.authorization;
  if (authorization) {
    const token = services.lucia.readBearerToken(authorization);
    const apiKey = token ? await verifyApiKey(services.prisma, token) : null;
    return apiKey ? { kind: 'apiKey', apiKey } : { kind: 'anonymous', reason: 'invalid_api_key' };
  }
  const sessionId = services.lucia.readSessionCookie(req.headers.cookie ?? '');
  if (!sessionId) return { kind: 'anonymous' };
  const { session, user } = await services.lucia.validateSession(sessionId);
  if (!session || !user) {
    setCookie(services.lucia.createBlankSessionCookie());
    return { kind: 'anonymous' };
  }
  // Past half of its life the session is extended, and the browser gets the new expiry.
  if (session.fresh) setCookie(services.lucia.createSessionCookie(session.id));
  return { kind: 'user', user, session };
}

export interface HttpContextOptions {
  trustProxy: TrustProxy;
  /** Other origins whose pages may send mutations (besides the server's own scheme and host). */
  allowedOrigins?: readonly string[];
}

/** The last value of a header set by our own proxy (the nearest one appends or overwrites at the right end). */
const nearest = (value: string | string[] | undefined) => headerList(value).at(-1);

/**
 * This server's origin as the browser sees it: `https` when the connection is TLS or a trusted proxy says the client
 * used https, and the Host (or, from a trusted proxy, X-Forwarded-Host).
 */
export function ownOrigin(req: IncomingMessage, trustProxy: TrustProxy): string {
  const viaProxy = peerIsTrustedProxy(req.socket.remoteAddress, trustProxy);
  const encrypted = Boolean((req.socket as Partial<TLSSocket>).encrypted);
  const proto = (viaProxy && nearest(req.headers['x-forwarded-proto'])?.toLowerCase()) || (encrypted ? 'https' : 'http');
  const host = (viaProxy && nearest(req.headers['x-forwarded-host'])) || req.headers.host || '';
  return `${proto}://${host.toLowerCase()}`;
}

/**
 * Whether a browser sent this request from another site's page. The Origin header names the page's origin; its
 * scheme and host must be this server's (an `http://` page cannot act on the `https://` app) or an allowed origin.
 * Without Origin, fetch metadata tells; a client that is not a browser (a service with an API key) sends neither and
 * is not cross-site.
 */
export function isCrossSite(req: IncomingMessage, options: HttpContextOptions): boolean {
  const origin = req.headers.origin;
  if (origin) {
    if (origin === 'null') return true;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      return true;
    }
    if (options.allowedOrigins?.includes(parsed.origin)) return false;
    return parsed.origin !== new URL(ownOrigin(req, options.trustProxy)).origin;
  }
  const site = req.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

/** The tRPC `createContext` for Node's HTTP server (and Express). */
export function createHttpContext(services: ApiServices, options: HttpContextOptions) {
  return async ({ req, res, info }: { req: IncomingMessage; res: ServerResponse; info?: { calls: readonly unknown[] } }): Promise<Context> => {
    const setCookie = (cookie: Cookie) => res.appendHeader('Set-Cookie', cookie.serialize());
    const setHeader = (name: string, value: string) => res.setHeader(name, value);
    const origin = requestOrigin(req, options.trustProxy);
    if (!res.hasHeader('X-Request-Id')) res.setHeader('X-Request-Id', origin.requestId ?? '');
    const identity = await resolveIdentity(services, req, setCookie);
    return createContextInner(services, {
      identity,
      origin,
      crossSite: isCrossSite(req, options),
      setCookie,
      setHeader,
      callsInRequest: info?.calls.length ?? 1,
    });
  };
}
