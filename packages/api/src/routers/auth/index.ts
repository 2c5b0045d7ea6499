import { canReadAuditLog, changePassword, login, logout, logoutEverywhere, ROLE_LABELS } from '@auditlog/auth';
import { TRPCError } from '@trpc/server';
import type { User } from 'lucia';
import { changePasswordInputSchema, loginInputSchema, meSchema, okSchema } from '../../contract/auth.ts';
import type { Me } from '../../contract/auth.ts';
import type { Context } from '../../context.ts';
import { publicProcedure, router, userProcedure } from '../../trpc.ts';

const toMe = (user: User): Me => ({
  id: user.id,
  name: user.name,
  email: user.email,
  role: user.role,
  roleLabel: ROLE_LABELS[user.role],
  canReadAuditLog: canReadAuditLog(user.role),
  organizationId: user.organizationId,
});

/** Sign-ins and password changes are alone in their HTTP request: a batch of guesses would be one request to any limit. */
function refuseBatched(ctx: Context, procedure: string): void {
  if (ctx.callsInRequest > 1) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `${procedure} must be sent on its own, not in a batch with other calls.`,
    });
  }
}

export const authRouter = router({
  /** Signs in with email and password; sets the session cookie. Wrong credentials: 401; throttled: 429. */
  login: publicProcedure
    .input(loginInputSchema)
    .output(meSchema)
    .mutation(async ({ ctx, input }) => {
      refuseBatched(ctx, 'auth.login');
      const { user, cookie } = await login(ctx, input, ctx.origin);
      ctx.setCookie(cookie);
      return toMe(user);
    }),

  /** Ends the session, records the logout, clears the cookie. */
  logout: userProcedure.output(okSchema).mutation(async ({ ctx }) => {
    const { session, user } = ctx.identity;
    ctx.setCookie(await logout(ctx, { id: session.id, user }, ctx.origin));
    return { ok: true as const };
  }),

  /** "Sign out everywhere": ends every session of the user, this one included, and records it. */
  logoutEverywhere: userProcedure.output(okSchema).mutation(async ({ ctx }) => {
    const { session, user } = ctx.identity;
    ctx.setCookie(await logoutEverywhere(ctx, { id: session.id, user }, ctx.origin));
    return { ok: true as const };
  }),

  /** Changes the password (the current one is checked and throttled like a sign-in); ends every other session. */
  changePassword: userProcedure
    .input(changePasswordInputSchema)
    .output(okSchema)
    .mutation(async ({ ctx, input }) => {
      refuseBatched(ctx, 'auth.changePassword');
      await changePassword(ctx, ctx.identity, input, ctx.origin);
      return { ok: true as const };
    }),

  /** The signed-in user, or null. A request with a bad API key is refused, as everywhere. */
  me: publicProcedure.output(meSchema.nullable()).query(({ ctx }) => {
    if (ctx.identity.kind === 'anonymous' && ctx.identity.reason === 'invalid_api_key') {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The API key is invalid, revoked or expired.' });
    }
    return ctx.identity.kind === 'user' ? toMe(ctx.identity.user) : null;
  }),
});
