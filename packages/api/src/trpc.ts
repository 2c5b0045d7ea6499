/**
 * tRPC's one instance: the context type, error shaping, and the base procedures every router builds on.
 * Every procedure runs inside the audit context of its caller, so each database write it makes is attributed.
 */
import { withAuditContext } from '@auditlog/audit';
import type { Refusal } from '@auditlog/auth';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';
import { DomainError, isCallerError } from './errors.ts';

/** `startDate: Invalid ISO datetime; pageSize: Too big` — what a person needs to fix the request. */
function describeIssues(error: ZodError): { message: string; issues: { path: string; message: string }[] } {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.') || 'input', message: issue.message }));
  return { message: `Invalid input: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues };
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? describeIssues(error.cause) : null;
    return {
      ...shape,
      // Internal errors are logged by the server; the client only learns that something failed.
      message:
        zod?.message ??
        (error.code === 'INTERNAL_SERVER_ERROR' ? 'Something went wrong on the server.' : shape.message),
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        issues: zod?.issues ?? null,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Runs `fn` in the caller's audit context: the user, System under an API key's name, or anonymous. */
export function asCaller<T>(ctx: Pick<Context, 'identity' | 'origin'>, fn: () => T | PromiseLike<T>): Promise<T> {
  const { identity, origin } = ctx;
  if (identity.kind === 'user') {
    const { user } = identity;
    return withAuditContext({ userId: user.id, name: user.name, email: user.email, ...origin }, fn);
  }
  if (identity.kind === 'apiKey') return withAuditContext({ systemName: identity.apiKey.name, ...origin }, fn);
  return withAuditContext({ anonymous: true, ...origin }, fn);
}

/** Wraps the procedure in the caller's audit context. */
const withCallerAuditContext = t.middleware(({ ctx, next }) => asCaller(ctx, () => next()));

/**
 * The one place domain errors become API answers (errors.ts): an error carrying a caller's code, thrown by a service,
 * the auth package or a later middleware, is answered with that code and its message, and Retry-After when it says
 * how long to wait. Anything else stays a server fault.
 */
const answerDomainErrors = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  if (!isCallerError(cause)) return result;
  if (cause.retryAfterSeconds !== undefined) ctx.setHeader('Retry-After', String(cause.retryAfterSeconds));
  throw new TRPCError({ code: cause.code, message: cause.message, cause });
});

/** Refuses with 429 (and Retry-After) when a limit said wait; does nothing otherwise. */
export function throttled(refusal: Refusal | null, message: (retryAfterSeconds: number) => string): void {
  if (refusal)
    throw new DomainError('TOO_MANY_REQUESTS', message(refusal.retryAfterSeconds), refusal.retryAfterSeconds);
}

/** CSRF: a page of another site may read nothing (cookies are SameSite=Lax) and change nothing (this). */
const refuseCrossSiteMutations = t.middleware(({ ctx, type, next }) => {
  if (type === 'mutation' && ctx.crossSite) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: 'Cross-site request refused: this API accepts changes only from its own pages.',
    });
  }
  return next();
});

export const publicProcedure = t.procedure
  .use(answerDomainErrors)
  .use(refuseCrossSiteMutations)
  .use(withCallerAuditContext);

/** A signed-in user or a valid API key. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  const { identity } = ctx;
  if (identity.kind === 'anonymous') {
    throw new TRPCError({
      code: 'UNAUTHORIZED',
      message:
        identity.reason === 'invalid_api_key'
          ? 'The API key is invalid, revoked or expired.'
          : 'Sign in to continue: your session is missing or has expired.',
    });
  }
  return next({ ctx: { identity } });
});

/** A signed-in user (not an API key). */
export const userProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.identity.kind !== 'user') {
    throw new TRPCError({ code: 'FORBIDDEN', message: 'This action needs a signed-in user, not an API key.' });
  }
  return next({ ctx: { identity: ctx.identity } });
});
