/** Cross-site request detection: the API refuses mutations a page of another site sends (CSRF). */
import type { IncomingMessage } from 'node:http';
import type { TrustProxy } from './client-address.ts';
import { ownOrigin } from './origin.ts';

export interface CrossSiteOptions {
  trustProxy: TrustProxy;
  /** Other origins whose pages may send mutations (besides the server's own scheme and host). */
  allowedOrigins?: readonly string[];
}

/**
 * Whether a browser sent this request from another site's page. The Origin header names the page's origin; its
 * scheme and host must be this server's (an `http://` page cannot act on the `https://` app) or an allowed origin.
 * Without Origin, fetch metadata tells; a client that is not a browser (a service with an API key) sends neither and
 * is not cross-site.
 */
export function isCrossSite(req: IncomingMessage, options: CrossSiteOptions): boolean {
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
