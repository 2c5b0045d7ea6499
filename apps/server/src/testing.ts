/**
 * A real server on an ephemeral port over a fresh test database, with helpers to make organizations, users, sessions
 * and API keys. For tests across packages (HTTP tests here, the React bindings, the web app's browser tests).
 */
import { runAsSystem } from '@auditlog/audit';
import { createApiKey, hashPassword, ROLES, sessionCookieName } from '@auditlog/auth';
import type { ApiKeyScope } from '@auditlog/auth';
import type { DatabaseEngine, Role } from '@auditlog/db';
import { createTestDatabase } from '@auditlog/db/testing';
import { startServer } from './server.ts';
import type { RunningServer, ServerOptions } from './server.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

/** The system actor of test setup writes (organizations, users, keys): the test server runs in strict mode. */
export const TEST_SETUP = 'Test setup';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

export interface TestServer extends RunningServer {
  /** An organization with one user per role (all with TEST_PASSWORD). */
  createOrganization(name?: string): Promise<TestOrganization>;
  /** Signs in over HTTP and returns the `Cookie` header value for the session. */
  signIn(email: string, password?: string): Promise<string>;
  /** The session cookie's name on this server (`__Host-` prefixed in production). */
  sessionCookie: string;
  close(): Promise<void>;
}

export interface TestUser {
  id: string;
  name: string;
  email: string;
  role: Role;
}

export interface TestOrganization {
  id: string;
  name: string;
  users: Record<Role, TestUser>;
  createApiKey(scopes: ApiKeyScope[], name?: string): Promise<string>;
}

/**
 * Limits loose enough that tests which are not about throttling never meet them (every test signs in from
 * 127.0.0.1); the security tests pass the real policy.
 */
export const LAX_LOGIN_POLICY = {
  freeAttempts: 1_000,
  accountAttackThreshold: 100_000,
  addressThreshold: 100_000,
} as const;
export const LAX_RECORD_POLICY = { limit: 100_000 } as const;

export async function startTestServer(
  engine: DatabaseEngine,
  options: Partial<ServerOptions> = {},
): Promise<TestServer> {
  const handle = await createTestDatabase(engine);
  const running = await startServer({
    port: 0,
    host: '127.0.0.1',
    database: handle.options,
    loginPolicy: LAX_LOGIN_POLICY,
    recordPolicy: LAX_RECORD_POLICY,
    ...options,
  });
  const cookieName = sessionCookieName(options.production ?? false);
  const prisma = running.db.prisma;
  const passwordHash = await hashPassword(TEST_PASSWORD);

  return {
    ...running,
    sessionCookie: cookieName,
    async createOrganization(name = unique('Org')) {
      // The server runs in strict mode, like production: test setup says who it is, as any job would.
      const { organization, users } = await runAsSystem({ name: TEST_SETUP }, async () => {
        const organization = await prisma.organization.create({ data: { name, slug: unique('org') } });
        const users = {} as Record<Role, TestUser>;
        for (const role of ROLES) {
          const label = role.charAt(0) + role.slice(1).toLowerCase().replace('_', ' ');
          const user = await prisma.user.create({
            data: {
              organizationId: organization.id,
              role,
              passwordHash,
              name: `${label} of ${name}`,
              email: `${unique(role.toLowerCase())}@example.test`,
            },
          });
          users[role] = { id: user.id, name: user.name, email: user.email, role };
        }
        return { organization, users };
      });
      return {
        id: organization.id,
        name,
        users,
        async createApiKey(scopes, keyName = unique('Service')) {
          return (
            await runAsSystem({ name: TEST_SETUP }, () =>
              createApiKey(prisma, organization.id, { name: keyName, scopes }),
            )
          ).key;
        },
      };
    },
    async signIn(email, password = TEST_PASSWORD) {
      const response = await fetch(`${running.url}/trpc/auth.login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      if (!response.ok) throw new Error(`sign-in of ${email} failed: ${response.status} ${await response.text()}`);
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${cookieName}=`));
      if (!cookie) throw new Error('no session cookie');
      return cookie.split(';')[0] ?? '';
    },
    async close() {
      await running.stop();
      await handle.drop();
    },
  };
}
