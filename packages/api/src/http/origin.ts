/**
 * Where a request came from, as far as the server can tell: the client's address (through trusted proxies only),
 * its user agent and request id, and this server's own origin as the browser sees it.
 */
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { RequestOrigin } from '@auditlog/auth';
import { clientAddress, headerList, NO_PROXY, peerIsTrustedProxy } from './client-address.ts';
import type { TrustProxy } from './client-address.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request id a caller sent, when it is a sane one (it ends up in audit entries and logs), or a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Where a request came from. The IP is the socket's peer or, behind trusted proxies, the address they saw (see
 * client-address.ts); it is always a valid IP or null, whatever a client writes in `X-Forwarded-For`.
 */
export function requestOrigin(req: IncomingMessage, trustProxy: TrustProxy = NO_PROXY): RequestOrigin {
  const requestId = requestIdFrom(req.headers['x-request-id']);
  const userAgent = req.headers['user-agent'];
  return {
    ipAddress: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy),
    userAgent: userAgent ? userAgent.slice(0, 1024) : null,
    requestId,
  };
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
  const proto =
    (viaProxy && nearest(req.headers['x-forwarded-proto'])?.toLowerCase()) || (encrypted ? 'https' : 'http');
  const host = (viaProxy && nearest(req.headers['x-forwarded-host'])) || req.headers.host || '';
  return `${proto}://${host.toLowerCase()}`;
}
