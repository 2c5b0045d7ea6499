/**
 * Sessions with lucia v3, stored through a small adapter over the Prisma 7 client (lucia's published Prisma adapter
 * requires Prisma 5 or older).
 */
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

/** lucia's storage interface over our `Session` and `User` models. Writes to sessions are not audited. */
export function prismaSessionAdapter(prisma: AuditedPrismaClient): Adapter {
  const toSession = (s: { id: string; userId: string; expiresAt: Date; ipAddress: string | null; userAgent: string | null }): DatabaseSession => ({
    id: s.id,
    userId: s.userId,
    expiresAt: s.expiresAt,
    attributes: { ipAddress: s.ipAddress, userAgent: s.userAgent },
  });
  return {
    async getSessionAndUser(sessionId) {
      const found = await prisma.session.findUnique({
        where: { id: sessionId },
        include: { user: { select: { id: true, name: true, email: true, role: true, organizationId: true, deactivatedAt: true } } },
      });
      // A deactivated user's sessions stop working at once, not when they expire.
      if (!found || found.user.deactivatedAt) return [null, null];
      const { user } = found;
      const databaseUser: DatabaseUser = {
        id: user.id,
        attributes: { name: user.name, email: user.email, role: user.role, organizationId: user.organizationId },
      };
      return [toSession(found), databaseUser];
    },
    async getUserSessions(userId) {
      return (await prisma.session.findMany({ where: { userId } })).map(toSession);
    },
    async setSession(session) {
      await prisma.session.create({
        data: {
          id: session.id,
          userId: session.userId,
          expiresAt: session.expiresAt,
          ipAddress: session.attributes.ipAddress,
          userAgent: session.attributes.userAgent,
        },
      });
    },
    async updateSessionExpiration(sessionId, expiresAt) {
      await prisma.session.updateMany({ where: { id: sessionId }, data: { expiresAt } });
    },
    async deleteSession(sessionId) {
      await prisma.session.deleteMany({ where: { id: sessionId } });
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
  /** `Secure` cookies (production, behind HTTPS). */
  secureCookies: boolean;
  /** How long a session lasts without activity; lucia renews it when half of it has passed. Default 24 hours. */
  sessionHours?: number;
}

export const SESSION_COOKIE = 'auditlog_session';

export function createLucia(prisma: AuditedPrismaClient, options: SessionOptions) {
  return new Lucia(prismaSessionAdapter(prisma), {
    sessionExpiresIn: new TimeSpan(options.sessionHours ?? 24, 'h'),
    sessionCookie: {
      name: SESSION_COOKIE,
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
