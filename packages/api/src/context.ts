/**
 * What every procedure knows about its request: the database, who is calling (a session's user, an API key, or
 * nobody), and where the request came from. Built from an HTTP request by `createHttpContext`, or directly by
 * `createContextInner` in tests and scripts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AppLucia, LoginRateLimiter, RequestOrigin, VerifiedApiKey } from '@auditlog/auth';
import { verifyApiKey } from '@auditlog/auth';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { Cookie, Session, User } from 'lucia';

export interface ApiServices {
  prisma: AuditedPrismaClient;
  lucia: AppLucia;
  limiter: LoginRateLimiter;
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
}

export function createContextInner(
  services: ApiServices,
  options: {
    identity?: Identity;
    origin?: Partial<RequestOrigin>;
    crossSite?: boolean;
    setCookie?: (cookie: Cookie) => void;
    setHeader?: (name: string, value: string) => void;
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
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** `::ffff:127.0.0.1` → `127.0.0.1`. */
function normalizeIp(ip: string | undefined): string | null {
  if (!ip) return null;
  const trimmed = ip.trim();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed || null;
}

/**
 * Where a request came from. The IP is the socket's peer, or the first address of `X-Forwarded-For` when the server
 * runs behind a proxy that sets it (`trustProxy`); a client could put anything in that header otherwise.
 */
export function requestOrigin(req: IncomingMessage, trustProxy: boolean): RequestOrigin {
  const forwarded = req.headers['x-forwarded-for'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0];
  const header = req.headers['x-request-id'];
  const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  const userAgent = req.headers['user-agent'];
  return {
    ipAddress: normalizeIp(trustProxy && first ? first : req.socket.remoteAddress),
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
  trustProxy: boolean;
  /** Other origins whose pages may send mutations (besides the server's own host). */
  allowedOrigins?: readonly string[];
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();

/**
 * Whether a browser sent this request from another site's page. The Origin header names the page's origin; it must be
 * this server's host (the scheme is not compared, so that a TLS-terminating proxy does not break it) or an allowed
 * origin. Without Origin, fetch metadata tells; a client that is not a browser (a service with an API key) sends
 * neither and is not cross-site.
 */
export function isCrossSite(req: IncomingMessage, options: HttpContextOptions): boolean {
  const origin = req.headers.origin;
  if (origin) {
    if (origin === 'null') return true;
    if (options.allowedOrigins?.includes(origin.replace(/\/$/, ''))) return false;
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return true;
    }
    const own = (options.trustProxy && first(req.headers['x-forwarded-host'])) || req.headers.host;
    return host !== own;
  }
  const site = req.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

/** The tRPC `createContext` for Node's HTTP server (and Express). */
export function createHttpContext(services: ApiServices, options: HttpContextOptions) {
  return async ({ req, res }: { req: IncomingMessage; res: ServerResponse }): Promise<Context> => {
    const setCookie = (cookie: Cookie) => res.appendHeader('Set-Cookie', cookie.serialize());
    const setHeader = (name: string, value: string) => res.setHeader(name, value);
    const origin = requestOrigin(req, options.trustProxy);
    if (!res.hasHeader('X-Request-Id')) res.setHeader('X-Request-Id', origin.requestId ?? '');
    const identity = await resolveIdentity(services, req, setCookie);
    return createContextInner(services, { identity, origin, crossSite: isCrossSite(req, options), setCookie, setHeader });
  };
}
