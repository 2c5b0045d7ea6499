/**
 * tRPC's one instance: the context type, error shaping, and the base procedures every router builds on.
 * Every procedure runs inside the audit context of its caller, so each database write it makes is attributed.
 */
import { withAuditContext } from '@auditlog/audit';
import type { Refusal } from '@auditlog/auth';
import type { Role } from '@auditlog/db';
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Context } from './context.ts';

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
      message: zod?.message ?? (error.code === 'INTERNAL_SERVER_ERROR' ? 'Something went wrong on the server.' : shape.message),
      data: { code: shape.data.code, httpStatus: shape.data.httpStatus, path: shape.data.path, issues: zod?.issues ?? null },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Wraps the procedure in the caller's audit context: the user, System under an API key's name, or anonymous. */
const withCallerAuditContext = t.middleware(({ ctx, next }) => {
  const { identity, origin } = ctx;
  if (identity.kind === 'user') {
    const { user } = identity;
    return withAuditContext({ userId: user.id, name: user.name, email: user.email, ...origin }, () => next());
  }
  if (identity.kind === 'apiKey') return withAuditContext({ systemName: identity.apiKey.name, ...origin }, () => next());
  return withAuditContext({ anonymous: true, ...origin }, () => next());
});

/** 429 TOO_MANY_REQUESTS, with the Retry-After header set on the response. */
export function tooManyRequests(ctx: Context, retryAfterSeconds: number, message: string): TRPCError {
  ctx.setHeader('Retry-After', String(retryAfterSeconds));
  return new TRPCError({ code: 'TOO_MANY_REQUESTS', message });
}

/** Refuses with 429 when a limit said wait; does nothing otherwise. */
export function throttled(ctx: Context, refusal: Refusal | null, message: (retryAfterSeconds: number) => string): void {
  if (refusal) throw tooManyRequests(ctx, refusal.retryAfterSeconds, message(refusal.retryAfterSeconds));
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

export const publicProcedure = t.procedure.use(refuseCrossSiteMutations).use(withCallerAuditContext);

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

/** A signed-in user with one of `roles`; `message` says who may, for the FORBIDDEN case. */
export function requireRole(roles: readonly Role[], message: string) {
  return userProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.identity.user.role)) throw new TRPCError({ code: 'FORBIDDEN', message });
    return next();
  });
}
