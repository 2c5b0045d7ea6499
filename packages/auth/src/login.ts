/**
 * Signing in and out, each recorded in the audit log with where it came from. A failed attempt records the email
 * tried (never the password) in the log of the organization that owns that email; attempts on unknown emails have no
 * organization to be recorded in, and are only counted by the rate limiter.
 */
import { withAuditContext } from '@auditlog/audit';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { Cookie, Session, User } from 'lucia';
import type { AppLucia } from './lucia.ts';
import { decoyHash, verifyPassword } from './password.ts';
import type { LoginRateLimiter } from './rate-limit.ts';

export interface RequestOrigin {
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface AuthServices {
  prisma: AuditedPrismaClient;
  lucia: AppLucia;
  limiter: LoginRateLimiter;
}

export type LoginFailure =
  | { reason: 'invalid_credentials' }
  | { reason: 'rate_limited'; retryAfterSeconds: number };

export class LoginError extends Error {
  override name = 'LoginError';
  constructor(readonly failure: LoginFailure) {
    super(
      failure.reason === 'rate_limited'
        ? `Too many failed sign-in attempts. Try again in ${Math.max(1, Math.ceil(failure.retryAfterSeconds / 60))} minute(s).`
        : 'The email or password is incorrect.',
    );
  }
}

export interface LoginResult {
  session: Session;
  user: User;
  cookie: Cookie;
}

export async function login(
  services: AuthServices,
  credentials: { email: string; password: string },
  origin: RequestOrigin,
): Promise<LoginResult> {
  const { prisma, lucia, limiter } = services;
  const email = credentials.email.trim().toLowerCase();
  const wait = limiter.retryAfterSeconds(email, origin.ipAddress);
  if (wait > 0) throw new LoginError({ reason: 'rate_limited', retryAfterSeconds: wait });

  const user = await prisma.user.findUnique({ where: { email } });
  // Always run one scrypt verification, so that an unknown email costs as much time as a wrong password.
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash()), credentials.password);
  if (!user || !valid || user.deactivatedAt) {
    limiter.recordFailure(email, origin.ipAddress);
    if (user) {
      await withAuditContext({ userId: user.id, ...origin }, () =>
        prisma.$record({
          organizationId: user.organizationId,
          action: 'failed_login',
          entityType: 'user',
          entityId: user.id,
          metadata: { email, reason: user.deactivatedAt ? 'account_deactivated' : 'wrong_password' },
        }),
      );
    }
    throw new LoginError({ reason: 'invalid_credentials' });
  }

  limiter.recordSuccess(email);
  const session = await lucia.createSession(user.id, { ipAddress: origin.ipAddress, userAgent: origin.userAgent });
  await withAuditContext({ userId: user.id, ...origin }, () =>
    prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      await tx.$record({ organizationId: user.organizationId, action: 'login', entityType: 'user', entityId: user.id, metadata: { method: 'password' } });
    }),
  );
  const { user: sessionUser } = await lucia.validateSession(session.id);
  if (!sessionUser) throw new Error('The new session could not be read back.');
  return { session, user: sessionUser, cookie: lucia.createSessionCookie(session.id) };
}

/** Ends the session and records the logout; returns the cookie that clears it in the browser. */
export async function logout(services: AuthServices, session: { id: string; user: User }, origin: RequestOrigin): Promise<Cookie> {
  await services.lucia.invalidateSession(session.id);
  await withAuditContext({ userId: session.user.id, ...origin }, () =>
    services.prisma.$record({
      organizationId: session.user.organizationId,
      action: 'logout',
      entityType: 'user',
      entityId: session.user.id,
    }),
  );
  return services.lucia.createBlankSessionCookie();
}
