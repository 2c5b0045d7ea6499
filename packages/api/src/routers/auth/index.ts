import {
  changePassword as changeUserPassword,
  login as signIn,
  LoginError,
  logout as signOut,
  logoutEverywhere as signOutEverywhere,
  MIN_PASSWORD_LENGTH,
  PasswordChangeError,
} from '@auditlog/auth';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { Context } from '../../context.ts';
import { publicProcedure, router, tooManyRequests, userProcedure } from '../../trpc.ts';

const meSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['OWNER', 'ADMIN', 'TECHNICIAN', 'BILLING', 'READ_ONLY']),
  organizationId: z.string(),
});

const password = (what: string) => z.string().min(1, `Enter ${what}`).max(1024, `${what} is at most 1024 characters`);

const loginInputSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email').max(254).email('Enter a valid email address'),
  password: password('your password'),
});

const changePasswordInputSchema = z.object({
  currentPassword: password('your current password'),
  newPassword: password('a new password').refine((value) => value.length >= MIN_PASSWORD_LENGTH, {
    message: `The new password must have at least ${MIN_PASSWORD_LENGTH} characters`,
  }),
});

/** A sign-in failure as the API answers it: 401 for wrong credentials, 429 with Retry-After for throttling. */
function toTrpcError(ctx: Context, error: unknown): unknown {
  if (error instanceof PasswordChangeError) return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  if (!(error instanceof LoginError)) return error;
  const { failure } = error;
  if (failure.reason === 'invalid_credentials') return new TRPCError({ code: 'UNAUTHORIZED', message: error.message, cause: error });
  return tooManyRequests(ctx, failure.retryAfterSeconds, error.message);
}

const toMe = (user: z.infer<typeof meSchema>) => ({
  id: user.id,
  name: user.name,
  email: user.email,
  role: user.role,
  organizationId: user.organizationId,
});

export const authRouter = router({
  /**
   * Signs in with email and password; sets the session cookie. Alone in its HTTP request: a batch of guesses would
   * otherwise be one request to any per-request limit.
   */
  login: publicProcedure
    .input(loginInputSchema)
    .output(meSchema)
    .mutation(async ({ ctx, input }) => {
      if (ctx.callsInRequest > 1) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'auth.login must be sent on its own, not in a batch with other calls.' });
      }
      try {
        const { user, cookie } = await signIn(ctx, input, ctx.origin);
        ctx.setCookie(cookie);
        return toMe(user);
      } catch (error) {
        throw toTrpcError(ctx, error);
      }
    }),

  /** Ends the session, records the logout, clears the cookie. */
  logout: userProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    const { session, user } = ctx.identity;
    ctx.setCookie(await signOut(ctx, { id: session.id, user }, ctx.origin));
    return { ok: true as const };
  }),

  /** "Sign out everywhere": ends every session of the user, this one included, and records it. */
  logoutEverywhere: userProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    const { session, user } = ctx.identity;
    ctx.setCookie(await signOutEverywhere(ctx, { id: session.id, user }, ctx.origin));
    return { ok: true as const };
  }),

  /** Changes the password (the current one is checked and throttled like a sign-in); ends every other session. */
  changePassword: userProcedure
    .input(changePasswordInputSchema)
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      if (ctx.callsInRequest > 1) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'auth.changePassword must be sent on its own, not in a batch with other calls.' });
      }
      try {
        await changeUserPassword(ctx, ctx.identity, input, ctx.origin);
      } catch (error) {
        throw toTrpcError(ctx, error);
      }
      return { ok: true as const };
    }),

  /** The signed-in user, or null. A request with a bad API key is refused, as everywhere. */
  me: publicProcedure.output(meSchema.nullable()).query(({ ctx }) => {
    if (ctx.identity.kind === 'anonymous' && ctx.identity.reason === 'invalid_api_key') {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The API key is invalid, revoked or expired.' });
    }
    if (ctx.identity.kind !== 'user') return null;
    return toMe(ctx.identity.user);
  }),
});
