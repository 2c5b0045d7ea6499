/**
 * A real server on an ephemeral port over a fresh test database, with helpers to make organizations, users, sessions
 * and API keys. For tests across packages (HTTP tests here, the React bindings, the web app's browser tests).
 */
import { createTestOrganization, LAX_LOGIN_POLICY, LAX_RECORD_POLICY, TEST_PASSWORD } from '@auditlog/api/testing';
import type { TestOrganization } from '@auditlog/api/testing';
import { sessionCookieName } from '@auditlog/auth';
import type { DatabaseEngine } from '@auditlog/db';
import { createTestDatabase } from '@auditlog/db/testing';
import { startServer } from './server.ts';
import type { RunningServer, ServerOptions } from './server.ts';

export {
  LAX_LOGIN_POLICY,
  LAX_RECORD_POLICY,
  TEST_PASSWORD,
  TEST_SETUP,
  asTestSetup,
  createTestOrganization,
} from '@auditlog/api/testing';
export type { TestOrganization, TestUser } from '@auditlog/api/testing';

export interface TestServer extends RunningServer {
  /** An organization with one user per role (all with TEST_PASSWORD). */
  createOrganization(name?: string): Promise<TestOrganization>;
  /** Signs in over HTTP and returns the `Cookie` header value for the session. */
  signIn(email: string, password?: string): Promise<string>;
  /** The session cookie's name on this server (`__Host-` prefixed in production). */
  sessionCookie: string;
  close(): Promise<void>;
}

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

  return {
    ...running,
    sessionCookie: cookieName,
    createOrganization: (name) => createTestOrganization(prisma, name),
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
