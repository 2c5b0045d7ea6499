/**
 * The server itself runs in strict mode: its database refuses a write outside any audit context. How the API names
 * such writes made elsewhere is tested through `createCaller` in packages/api/test/actors.test.ts.
 */
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';

describe.each(testEngines)('actors in the API on %s', (engine) => {
  let server: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Actor Org');
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it('the server runs in strict mode: its database refuses a write outside any context', async () => {
    await expect(
      server.db.prisma.vendor.create({ data: { organizationId: org.id, name: 'Forgotten context' } }),
    ).rejects.toThrow(/refused by strict mode/);
  });
});
