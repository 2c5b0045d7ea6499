import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** Security headers: a strict Content-Security-Policy (the app loads only its own files), no framing, no sniffing. */
export function securityHeaders(production: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        ...(production ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    strictTransportSecurity: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * Refuses cross-site mutations (CSRF): a state-changing request must come from the app's own origin, or from a
 * client that is not a browser (no Origin header and no cross-site fetch metadata, e.g. a service with an API key).
 * SameSite=Lax cookies already keep the session out of cross-site POSTs; this is the second lock.
 */
export function sameOriginMutations(allowedOrigins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const origin = req.get('origin');
    const own = `${req.protocol}://${req.get('host') ?? ''}`;
    const site = req.get('sec-fetch-site');
    const allowed = origin ? origin === own || allowedOrigins.includes(origin) : site !== 'cross-site' && site !== 'same-site';
    if (allowed) return next();
    res.status(403).json({
      error: { message: 'Cross-site request refused: this API accepts changes only from its own pages.', code: 'FORBIDDEN' },
    });
  };
}
