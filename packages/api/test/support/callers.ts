/**
 * Procedure tests without HTTP: a real, migrated test database (on the engine given), the API's services over it, and
 * callers made with `createCaller` from a context built by `createContextInner`. Credentials are resolved by the same
 * `resolveIdentity` a request's headers go through, so a session, a key, a revoked key or a garbage token means here
 * what it means over HTTP. Errors are shaped by the router's own error formatter: a test reads the code, status and
 * message a client would.
 *
 *   describe.each(testEngines)('… on %s', (engine) => {
 *     const api = useTestApi(engine);
 *     it('…', async () => {
 *       const org = await api().createOrganization();
 *       const owner = await api().callerAs(org.users.OWNER);
 *       await owner.audit.list({});
 *     });
 *   });
 */
import type { RequestOrigin } from '@auditlog/auth';
import { openDatabase } from '@auditlog/db';
import type { AuditedPrismaClient, DatabaseEngine } from '@auditlog/db';
import { useTestDatabase } from '@auditlog/db/testing';
import { TRPCError } from '@trpc/server';
import { getErrorShape } from '@trpc/server/unstable-core-do-not-import';
import type { Cookie } from 'lucia';
import { createContextInner } from '../../src/context.ts';
import type { ApiServices } from '../../src/context.ts';
import { resolveIdentity } from '../../src/http/identity.ts';
import { appRouter } from '../../src/root.ts';
import { createApiServices } from '../../src/services/api-services.ts';
import type { ApiServicesOptions } from '../../src/services/api-services.ts';
import { createTestOrganization, LAX_LOGIN_POLICY, LAX_RECORD_POLICY } from '../../src/testing.ts';
import type { TestOrganization, TestUser } from '../../src/testing.ts';
import { createCallerFactory } from '../../src/trpc.ts';

const createCaller = createCallerFactory(appRouter);
export type ApiCaller = ReturnType<typeof createCaller>;

/** What a request would carry: its credentials, and where it came from. */
export interface CallerOptions {
  /** The `Cookie` header. */
  cookie?: string;
  /** The `Authorization` header (`Bearer alk_…`). */
  authorization?: string;
  origin?: Partial<RequestOrigin>;
  crossSite?: boolean;
}

/** What the procedures asked the response to carry. */
export interface Sent {
  cookies: Cookie[];
  headers: Map<string, string>;
}

export interface TestApi {
  prisma: AuditedPrismaClient;
  services: ApiServices;
  createOrganization(name?: string): Promise<TestOrganization>;
  /** A caller with these credentials; what the calls set on the response is collected in `sent`. */
  caller(options?: CallerOptions, sent?: Sent): Promise<ApiCaller>;
  /** A new session of `user` (as a sign-in would make), as a `Cookie` header. */
  sessionOf(user: TestUser): Promise<string>;
  /** A caller signed in as `user`, with a session of its own. */
  callerAs(user: TestUser, options?: Omit<CallerOptions, 'cookie'>): Promise<ApiCaller>;
  /** A caller holding the API key `key`. */
  callerWithKey(key: string, options?: Omit<CallerOptions, 'authorization'>): Promise<ApiCaller>;
}

export const bearer = (key: string) => `Bearer ${key}`;
export const sent = (): Sent => ({ cookies: [], headers: new Map() });

/**
 * Registers hooks that give the surrounding `describe` block a test database in strict mode (as the server runs it)
 * and the API's services over it. The limits are lax unless `options` says otherwise; list cursors are signed with
 * the deployment's key kept in the database, as on a server.
 */
export function useTestApi(engine: DatabaseEngine, options: Partial<ApiServicesOptions> = {}): () => TestApi {
  let services: ApiServices | undefined;
  const db = useTestDatabase(engine, {
    open: async (databaseOptions) => {
      const opened = await openDatabase({ ...databaseOptions, strict: true });
      services = await createApiServices(opened.prisma, {
        secureCookies: false,
        loginPolicy: LAX_LOGIN_POLICY,
        recordPolicy: LAX_RECORD_POLICY,
        ...options,
      });
      return opened;
    },
  });
  return () => {
    const { prisma } = db();
    if (!services) throw new Error('The API services are made in beforeAll: use them inside a test or a hook.');
    const current = services;
    const caller = async (callerOptions: CallerOptions = {}, collected: Sent = sent()) => {
      const setCookie = (cookie: Cookie) => collected.cookies.push(cookie);
      const headers = {
        ...(callerOptions.cookie ? { cookie: callerOptions.cookie } : {}),
        ...(callerOptions.authorization ? { authorization: callerOptions.authorization } : {}),
      };
      const identity = await resolveIdentity(current, { headers }, setCookie);
      return createCaller(
        createContextInner(current, {
          identity,
          origin: { ipAddress: '127.0.0.1', userAgent: null, ...callerOptions.origin },
          crossSite: callerOptions.crossSite,
          setCookie,
          setHeader: (name, value) => collected.headers.set(name.toLowerCase(), value),
        }),
      );
    };
    const sessionOf = async (user: TestUser) => {
      const session = await current.lucia.createSession(user.id, { ipAddress: '127.0.0.1', userAgent: null });
      const cookie = current.lucia.createSessionCookie(session.id);
      return `${cookie.name}=${cookie.value}`;
    };
    return {
      prisma,
      services: current,
      createOrganization: (name) => createTestOrganization(prisma, name),
      caller,
      sessionOf,
      callerAs: async (user, callerOptions = {}) => caller({ ...callerOptions, cookie: await sessionOf(user) }),
      callerWithKey: (key, callerOptions = {}) => caller({ ...callerOptions, authorization: bearer(key) }),
    };
  };
}

/** A refused call as a client receives it: the error formatter's code, HTTP status, message and input issues. */
export interface Failure {
  code: string;
  httpStatus: number;
  message: string;
  issues: { path: string; message: string }[] | null;
}

/** Awaits `promise`, which must reject with a tRPC error; returns it shaped as the API answers it. */
export async function failureOf(promise: Promise<unknown>): Promise<Failure> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const shape = getErrorShape({
      config: appRouter._def._config,
      error,
      type: 'unknown',
      path: undefined,
      input: undefined,
      ctx: undefined,
    });
    return {
      code: shape.data.code,
      httpStatus: shape.data.httpStatus,
      message: shape.message,
      issues: shape.data.issues,
    };
  }
  throw new Error('Expected the call to fail, but it succeeded.');
}
