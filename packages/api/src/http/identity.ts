/**
 * Who is calling: an API key (`Authorization: Bearer alk_…`) for services, else the session cookie's user. Reads the
 * request's headers only, so procedure tests resolve their callers' credentials exactly as a request's are.
 */
import type { IncomingMessage } from 'node:http';
import { verifyApiKey } from '@auditlog/auth';
import type { Cookie } from 'lucia';
import type { ApiServices, Identity } from '../context.ts';

export async function resolveIdentity(
  services: ApiServices,
  req: Pick<IncomingMessage, 'headers'>,
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
