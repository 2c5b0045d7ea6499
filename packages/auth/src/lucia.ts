/**
 * Sessions with lucia v3, stored through a small adapter over the Prisma 7 client (lucia's published Prisma adapter
 * requires Prisma 5 or older). Following OWASP's Session Management Cheat Sheet:
 * - the cookie carries the token and the database keeps only its SHA-256, so a leaked copy of the table (a backup, a
 *   read-only role) signs nobody in;
 * - a session ends after `sessionHours` without use (renewed while in use) and, whatever its use, `maxSessionHours`
 *   after sign-in;
 * - in production the cookie is `__Host-` prefixed: Secure, Path=/, no Domain, so no sibling subdomain can set it.
 */
import { createHash } from 'node:crypto';
import type { AuditedPrismaClient, Role } from '@auditlog/db';
import { Lucia, TimeSpan } from 'lucia';
import type { Adapter, DatabaseSession, DatabaseUser } from 'lucia';

interface UserAttributes {
  name: string;
  email: string;
  role: Role;
  organizationId: string;
}

interface SessionAttributes {
  ipAddress: string | null;
  userAgent: string | null;
}

/** How a session token is stored: its SHA-256, hex. Tokens are 200-bit random, so a slow hash adds nothing. */
export const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface StoredSession {
  id: string;
  userId: string;
  expiresAt: Date;
  createdAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

/**
 * lucia's storage interface over our `Session` and `User` models. lucia hands the adapter the token (it is what the
 * cookie holds); the adapter stores and looks up its hash. Writes to sessions are not audited.
 */
export function prismaSessionAdapter(prisma: AuditedPrismaClient, options: { maxSessionHours?: number } = {}): Adapter {
  const maxLifetimeMs = (options.maxSessionHours ?? DEFAULT_MAX_SESSION_HOURS) * 3_600_000;
  const toSession = (token: string, s: StoredSession): DatabaseSession => ({
    id: token,
    userId: s.userId,
    // The absolute lifetime: past it lucia sees an expired session and deletes it.
    expiresAt: new Date(Math.min(s.expiresAt.getTime(), s.createdAt.getTime() + maxLifetimeMs)),
    attributes: { ipAddress: s.ipAddress, userAgent: s.userAgent },
  });
  return {
    async getSessionAndUser(sessionId) {
      const found = await prisma.session.findUnique({
        where: { id: hashSessionToken(sessionId) },
        include: {
          user: {
            select: { id: true, name: true, email: true, role: true, organizationId: true, deactivatedAt: true },
          },
        },
      });
      // A deactivated user's sessions stop working at once, not when they expire.
      if (!found || found.user.deactivatedAt) return [null, null];
      const { user } = found;
      const databaseUser: DatabaseUser = {
        id: user.id,
        attributes: { name: user.name, email: user.email, role: user.role, organizationId: user.organizationId },
      };
      return [toSession(sessionId, found), databaseUser];
    },
    async getUserSessions(userId) {
      // Only hashes are stored: these ids identify rows, they are not tokens.
      return (await prisma.session.findMany({ where: { userId } })).map((found) => toSession(found.id, found));
    },
    async setSession(session) {
      await prisma.session.create({
        data: {
          id: hashSessionToken(session.id),
          userId: session.userId,
          expiresAt: session.expiresAt,
          ipAddress: session.attributes.ipAddress,
          userAgent: session.attributes.userAgent,
        },
      });
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      // Renewal never goes past the absolute lifetime (renewals are rare: once per half of the idle lifetime).
      const id = hashSessionToken(sessionId);
      const found = await prisma.session.findUnique({ where: { id }, select: { createdAt: true } });
      if (!found) return;
      const capped = new Date(Math.min(expiresAt.getTime(), found.createdAt.getTime() + maxLifetimeMs));
      await prisma.session.updateMany({ where: { id }, data: { expiresAt: capped } });
    },
    async deleteSession(sessionId) {
      await prisma.session.deleteMany({ where: { id: hashSessionToken(sessionId) } });
    },
    async deleteUserSessions(userId) {
      await prisma.session.deleteMany({ where: { userId } });
    },
    async deleteExpiredSessions() {
      await prisma.session.deleteMany({ where: { expiresAt: { lte: new Date() } } });
    },
  };
}

export interface SessionOptions {
  /** `Secure`, `__Host-` cookies (production, behind HTTPS). */
  secureCookies: boolean;
  /** How long a session lasts without activity; lucia renews it when half of it has passed. Default 24 hours. */
  sessionHours?: number;
  /** How long a session lasts at most after sign-in, however active. Default 7 days. */
  maxSessionHours?: number;
}

export const DEFAULT_MAX_SESSION_HOURS = 7 * 24;
export const SESSION_COOKIE = 'auditlog_session';

/** The cookie's name: `__Host-` prefixed when it is Secure (a browser then refuses it from a subdomain or over HTTP). */
export const sessionCookieName = (secure: boolean) => (secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE);

export function createLucia(prisma: AuditedPrismaClient, options: SessionOptions) {
  return new Lucia(prismaSessionAdapter(prisma, { maxSessionHours: options.maxSessionHours }), {
    sessionExpiresIn: new TimeSpan(options.sessionHours ?? 24, 'h'),
    sessionCookie: {
      name: sessionCookieName(options.secureCookies),
      expires: true,
      attributes: { secure: options.secureCookies, sameSite: 'lax', path: '/' },
    },
    getUserAttributes: (attributes) => attributes,
    getSessionAttributes: (attributes) => attributes,
  });
}

export type AppLucia = ReturnType<typeof createLucia>;

declare module 'lucia' {
  interface Register {
    Lucia: AppLucia;
    DatabaseUserAttributes: UserAttributes;
    DatabaseSessionAttributes: SessionAttributes;
  }
}
