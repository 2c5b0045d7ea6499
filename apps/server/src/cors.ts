/**
 * CORS for the apps named in `APP_ORIGINS`: a browser app on another origin may call the API with its cookies
 * (credentials) or an API key. Only those origins are ever echoed, one at a time: never `*`, which browsers refuse
 * with credentials anyway, and which would let every site read the answers. Other origins get no CORS headers, so
 * the browser keeps their pages from reading anything; their mutations are refused by the API's CSRF rule as before.
 * The session cookie is SameSite=Lax: it travels only to apps on the same site (app.example.com and
 * audit.example.com); apps on other sites authenticate with an API key.
 */
import type { RequestHandler } from 'express';

/** What a cross-origin app may send: tRPC's JSON requests, an API key, a request id. */
const ALLOWED_HEADERS = ['content-type', 'authorization', 'x-request-id', 'trpc-accept'];
/** What its code may read from an answer besides the safelisted headers. */
const EXPOSED_HEADERS = ['Retry-After', 'X-Request-Id'];
/** How long a browser may reuse a preflight's answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

export function corsForOrigins(allowedOrigins: readonly string[]): RequestHandler {
  const allowed = new Set(allowedOrigins);
  return (req, res, next) => {
    // The answer depends on the Origin header: caches must not hand one origin's answer to another.
    res.vary('Origin');
    const origin = req.get('origin');
    const preflight = req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined;
    if (!origin || !allowed.has(origin)) {
      if (preflight) {
        res.status(403).type('text/plain').send('This origin is not allowed: add it to APP_ORIGINS on the server.');
        return;
      }
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS.join(', '));
    if (!preflight) {
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
    res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE));
    res.status(204).end();
  };
}
