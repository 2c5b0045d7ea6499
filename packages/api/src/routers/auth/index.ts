import { login as signIn, LoginError, logout as signOut } from '@auditlog/auth';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { publicProcedure, router, userProcedure } from '../../trpc.ts';

const meSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['OWNER', 'ADMIN', 'TECHNICIAN', 'BILLING', 'READ_ONLY']),
  organizationId: z.string(),
});

const loginInputSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email').max(254).email('Enter a valid email address'),
  password: z.string().min(1, 'Enter your password').max(1024),
});

export const authRouter = router({
  /** Signs in with email and password; sets the session cookie. */
  login: publicProcedure
    .input(loginInputSchema)
    .output(meSchema)
    .mutation(async ({ ctx, input }) => {
      try {
        const { user, cookie } = await signIn(ctx, input, ctx.origin);
        ctx.setCookie(cookie);
        return { id: user.id, name: user.name, email: user.email, role: user.role, organizationId: user.organizationId };
      } catch (error) {
        if (!(error instanceof LoginError)) throw error;
        if (error.failure.reason === 'rate_limited') ctx.setHeader('Retry-After', String(error.failure.retryAfterSeconds));
        throw new TRPCError({
          code: error.failure.reason === 'rate_limited' ? 'TOO_MANY_REQUESTS' : 'UNAUTHORIZED',
          message: error.message,
          cause: error,
        });
      }
    }),

  /** Ends the session, records the logout, clears the cookie. */
  logout: userProcedure.output(z.object({ ok: z.literal(true) })).mutation(async ({ ctx }) => {
    const { session, user } = ctx.identity;
    ctx.setCookie(await signOut(ctx, { id: session.id, user }, ctx.origin));
    return { ok: true as const };
  }),

  /** The signed-in user, or null. A request with a bad API key is refused, as everywhere. */
  me: publicProcedure.output(meSchema.nullable()).query(({ ctx }) => {
    if (ctx.identity.kind === 'anonymous' && ctx.identity.reason === 'invalid_api_key') {
      throw new TRPCError({ code: 'UNAUTHORIZED', message: 'The API key is invalid, revoked or expired.' });
    }
    if (ctx.identity.kind !== 'user') return null;
    const { user } = ctx.identity;
    return { id: user.id, name: user.name, email: user.email, role: user.role, organizationId: user.organizationId };
  }),
});
