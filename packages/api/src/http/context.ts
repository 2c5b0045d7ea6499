/** The tRPC `createContext` for Node's HTTP server (and Express): a Context built from the request. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Cookie } from 'lucia';
import { createContextInner } from '../context.ts';
import type { ApiServices, Context } from '../context.ts';
import { isCrossSite } from './csrf.ts';
import type { CrossSiteOptions } from './csrf.ts';
import { resolveIdentity } from './identity.ts';
import { requestOrigin } from './origin.ts';

export type HttpContextOptions = CrossSiteOptions;

export function createHttpContext(services: ApiServices, options: HttpContextOptions) {
  return async ({
    req,
    res,
    info,
  }: {
    req: IncomingMessage;
    res: ServerResponse;
    info?: { calls: readonly unknown[] };
  }): Promise<Context> => {
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
