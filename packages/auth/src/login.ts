/**
 * Signing in and out, each recorded in the audit log with where it came from.
 *
 * A failed attempt is recorded with an anonymous actor (nobody was verified) and the email tried in its metadata
 * (never the password): in the log of the organization that owns the email, or, for an email no account has, in the
 * reserved platform scope that no organization can read. Both cases do the same work (one throttle count, one user
 * lookup, one scrypt verification at today's parameters, one audit entry) and give the same answer, so neither the
 * message nor the time tells which emails have accounts.
 */
import { runAsSystem, SIGN_IN_ACTIONS, USER_ENTITY_TYPE, withAuditContext } from '@auditlog/audit';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { Cookie, Session, User } from 'lucia';
import { hashSessionToken } from './lucia.ts';
import type { AppLucia } from './lucia.ts';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from './password.ts';
import type { Refusal, Throttle } from './throttle.ts';
import { VerificationQueueFullError } from './verification-queue.ts';
import type { VerificationQueue } from './verification-queue.ts';

/**
 * The organization id under which failed sign-ins for unknown emails are recorded. Organization ids are cuids, so no
 * organization can have it, and the API only ever reads the caller's own organization. Operators read it with SQL
 * (README, "Security").
 */
export const PLATFORM_ORGANIZATION_ID = '__platform__';

export interface RequestOrigin {
  ipAddress: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface AuthServices {
  prisma: AuditedPrismaClient;
  lucia: AppLucia;
  throttle: Throttle;
  verifier: VerificationQueue;
}

export type LoginFailure =
  | { reason: 'invalid_credentials' }
  | { reason: 'rate_limited'; retryAfterSeconds: number; scope: Refusal['scope'] }
  | { reason: 'busy'; retryAfterSeconds: number };

/** A refused sign-in; `code` and `retryAfterSeconds` are what the API answers (401, or 429 with Retry-After). */
export class LoginError extends Error {
  override name = 'LoginError';
  readonly code: 'UNAUTHORIZED' | 'TOO_MANY_REQUESTS';
  readonly retryAfterSeconds: number | undefined;
  constructor(readonly failure: LoginFailure) {
    super(LoginError.describe(failure));
    this.code = failure.reason === 'invalid_credentials' ? 'UNAUTHORIZED' : 'TOO_MANY_REQUESTS';
    this.retryAfterSeconds = failure.reason === 'invalid_credentials' ? undefined : failure.retryAfterSeconds;
  }

  private static describe(failure: LoginFailure): string {
    switch (failure.reason) {
      case 'invalid_credentials':
        return 'The email or password is incorrect.';
      case 'busy':
        return 'Too many sign-in attempts are being checked right now. Try again in a moment.';
      case 'rate_limited': {
        const wait =
          failure.retryAfterSeconds < 90
            ? `${failure.retryAfterSeconds} second(s)`
            : `${Math.ceil(failure.retryAfterSeconds / 60)} minute(s)`;
        return failure.scope === 'address'
          ? `Too many failed sign-in attempts from your network. Try again in ${wait}.`
          : `Too many failed sign-in attempts for this account from your address. Try again in ${wait}.`;
      }
    }
  }
}

export interface LoginResult {
  session: Session;
  user: User;
  cookie: Cookie;
}

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
const addressKey = (origin: RequestOrigin) => origin.ipAddress ?? 'unknown';

/**
 * Verifies `password` against `hash` (or against the decoy when there is no account) in the fair verification queue.
 * @throws LoginError `busy` when the queue is full for this address
 */
async function verifyInQueue(
  services: AuthServices,
  origin: RequestOrigin,
  hash: string | undefined,
  password: string,
) {
  const stored = hash ?? (await decoyHash());
  try {
    return await services.verifier.run(addressKey(origin), () => verifyPassword(stored, password));
  } catch (error) {
    if (error instanceof VerificationQueueFullError) throw new LoginError({ reason: 'busy', retryAfterSeconds: 1 });
    throw error;
  }
}

/**
 * Counts the attempt before anything is verified; refuses it when a limit says wait. A flood that has filled its
 * share of the verification queue is turned away first, before it costs the database anything.
 */
async function admit(services: AuthServices, email: string, origin: RequestOrigin) {
  if (!services.verifier.hasRoom(addressKey(origin))) throw new LoginError({ reason: 'busy', retryAfterSeconds: 1 });
  const admission = await services.throttle.admitLogin(email, addressKey(origin));
  if ('refused' in admission) throw new LoginError({ reason: 'rate_limited', ...admission.refused });
  return admission.attempt;
}

export async function login(
  services: AuthServices,
  credentials: { email: string; password: string },
  origin: RequestOrigin,
): Promise<LoginResult> {
  const { prisma, lucia, throttle } = services;
  const email = normalizeEmail(credentials.email);
  const attempt = await admit(services, email, origin);

  const user = await prisma.user.findUnique({ where: { email } });
  let valid: boolean;
  try {
    valid = await verifyInQueue(services, origin, user?.passwordHash, credentials.password);
  } catch (error) {
    await throttle.loginNotChecked(attempt);
    throw error;
  }
  if (!user || !valid || user.deactivatedAt) {
    const reason = !user ? 'unknown_email' : !valid ? 'wrong_password' : 'account_deactivated';
    await withAuditContext({ anonymous: true, ...origin }, () =>
      prisma.$record({
        organizationId: user?.organizationId ?? PLATFORM_ORGANIZATION_ID,
        action: SIGN_IN_ACTIONS.failed,
        entityType: USER_ENTITY_TYPE,
        entityId: user?.id ?? email,
        metadata: { attemptedEmail: email, reason },
      }),
    );
    throw new LoginError({ reason: 'invalid_credentials' });
  }

  await throttle.loginSucceeded(attempt);
  // A hash made with weaker parameters is replaced now, while the password is at hand.
  const upgradedHash = needsRehash(user.passwordHash) ? await hashPassword(credentials.password) : null;
  const session = await lucia.createSession(user.id, { ipAddress: origin.ipAddress, userAgent: origin.userAgent });
  await withAuditContext({ userId: user.id, name: user.name, email: user.email, ...origin }, () =>
    prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      if (upgradedHash) {
        await runAsSystem({ name: 'Password hash upgrade', requestId: origin.requestId ?? undefined }, () =>
          tx.user.update({ where: { id: user.id }, data: { passwordHash: upgradedHash } }),
        );
      }
      await tx.$record({
        organizationId: user.organizationId,
        action: SIGN_IN_ACTIONS.login,
        entityType: USER_ENTITY_TYPE,
        entityId: user.id,
        metadata: { method: 'password' },
      });
    }),
  );
  const { user: sessionUser } = await lucia.validateSession(session.id);
  if (!sessionUser) throw new Error('The new session could not be read back.');
  return { session, user: sessionUser, cookie: lucia.createSessionCookie(session.id) };
}

/** Ends the session and records the logout; returns the cookie that clears it in the browser. */
export async function logout(
  services: AuthServices,
  session: { id: string; user: User },
  origin: RequestOrigin,
): Promise<Cookie> {
  await services.lucia.invalidateSession(session.id);
  await recordLogout(services, session.user, origin, null);
  return services.lucia.createBlankSessionCookie();
}

function recordLogout(
  services: AuthServices,
  user: User,
  origin: RequestOrigin,
  metadata: Record<string, unknown> | null,
) {
  return withAuditContext({ userId: user.id, name: user.name, email: user.email, ...origin }, () =>
    services.prisma.$record({
      organizationId: user.organizationId,
      action: SIGN_IN_ACTIONS.logout,
      entityType: USER_ENTITY_TYPE,
      entityId: user.id,
      metadata,
    }),
  );
}

/** Ends every session of the user but `keep` (none: this one too); returns how many ended. */
async function endSessions(prisma: AuditedPrismaClient, userId: string, keep: Session | null): Promise<number> {
  const { count } = await prisma.session.deleteMany({
    where: { userId, ...(keep ? { NOT: { id: hashSessionToken(keep.id) } } : {}) },
  });
  return count;
}

/** "Sign out everywhere": ends all of the user's sessions, this one included, and records it. */
export async function logoutEverywhere(
  services: AuthServices,
  session: { id: string; user: User },
  origin: RequestOrigin,
): Promise<Cookie> {
  const ended = await endSessions(services.prisma, session.user.id, null);
  await recordLogout(services, session.user, origin, { scope: 'everywhere', sessionsEnded: ended });
  return services.lucia.createBlankSessionCookie();
}

export const MIN_PASSWORD_LENGTH = 12;

/** A new password that cannot be used (too short, unchanged): the API answers BAD_REQUEST. */
export class PasswordChangeError extends Error {
  override name = 'PasswordChangeError';
  readonly code = 'BAD_REQUEST';
}

/**
 * Changes the signed-in user's password after checking the current one (throttled like a sign-in, so a stolen
 * session cannot guess it quickly), ends every other session, and records both: the capture trigger writes the
 * `update` of the user (the hash redacted), and a `logout` entry says how many sessions ended.
 * @throws LoginError when the current password is wrong or attempts are throttled; PasswordChangeError for a weak one
 */
export async function changePassword(
  services: AuthServices,
  signedIn: { user: User; session: Session },
  passwords: { currentPassword: string; newPassword: string },
  origin: RequestOrigin,
): Promise<void> {
  const { prisma, throttle } = services;
  if (passwords.newPassword.length < MIN_PASSWORD_LENGTH) {
    throw new PasswordChangeError(`The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (passwords.newPassword === passwords.currentPassword)
    throw new PasswordChangeError('The new password must differ from the current one.');
  const user = await prisma.user.findUnique({ where: { id: signedIn.user.id } });
  if (!user) throw new LoginError({ reason: 'invalid_credentials' });
  const attempt = await admit(services, user.email, origin);
  let valid: boolean;
  try {
    valid = await verifyInQueue(services, origin, user.passwordHash, passwords.currentPassword);
  } catch (error) {
    await throttle.loginNotChecked(attempt);
    throw error;
  }
  if (!valid) throw new LoginError({ reason: 'invalid_credentials' });
  await throttle.loginSucceeded(attempt);

  const passwordHash = await hashPassword(passwords.newPassword);
  await withAuditContext({ userId: user.id, name: user.name, email: user.email, ...origin }, () =>
    prisma.user.update({ where: { id: user.id }, data: { passwordHash } }),
  );
  const ended = await endSessions(prisma, user.id, signedIn.session);
  await recordLogout(services, signedIn.user, origin, {
    scope: 'other_sessions',
    reason: 'password_changed',
    sessionsEnded: ended,
  });
}
