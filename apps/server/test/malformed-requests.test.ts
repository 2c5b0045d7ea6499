/**
 * Malformed requests that only HTTP can send: broken JSON and percent-encoding, an empty body, a body over the size
 * limit, and one nested too deep to measure. Each is answered with a 4xx, never a 500. What every input field of
 * every procedure refuses, and what audit.record stores, is tested through `createCaller` in packages/api/test.
 */
import { randomUUID } from 'node:crypto';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestServer } from '../src/testing.ts';
import { bearer, rawMutation } from './helpers.ts';

const KB = 1024;
const validRecord = { action: 'export', entityType: 'report', entityId: 'report-1' };

describe.each(testEngines)('malformed requests on %s', { timeout: 30_000 }, (engine) => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const org = await server.createOrganization('Input Org');
    key = await org.createApiKey(['audit:read', 'audit:write']);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it.each([
    {
      name: 'a query with broken JSON',
      send: () => fetch(`${server.url}/trpc/audit.list?input={bad`, { headers: bearer(key) }),
    },
    {
      name: 'a query with broken percent-encoding',
      send: () => fetch(`${server.url}/trpc/audit.list?input=%E0%A4%A`, { headers: bearer(key) }),
    },
    {
      name: 'a batched query with broken JSON',
      send: () => fetch(`${server.url}/trpc/audit.list?batch=1&input={"0":`, { headers: bearer(key) }),
    },
    {
      name: 'a mutation with a broken JSON body',
      send: () =>
        fetch(`${server.url}/trpc/audit.record`, {
          method: 'POST',
          headers: { ...bearer(key), 'content-type': 'application/json' },
          body: '{"action":',
        }),
    },
    {
      name: 'a mutation with an empty body',
      send: () =>
        fetch(`${server.url}/trpc/audit.record`, {
          method: 'POST',
          headers: { ...bearer(key), 'content-type': 'application/json' },
          body: '',
        }),
    },
    {
      name: 'a login with a broken JSON body',
      send: () =>
        fetch(`${server.url}/trpc/auth.login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{email:',
        }),
    },
  ])('answers $name with 400', async ({ send }) => {
    const response = await send();
    const text = await response.text();
    expect(response.status, text.slice(0, 300)).toBe(400);
    expect(text).not.toContain('Something went wrong');
  });

  it('refuses a body over 1 MB with 413, not 500', async () => {
    const response = await rawMutation(
      server.url,
      'audit.record',
      { ...validRecord, metadata: { blob: 'x'.repeat(1100 * KB) } },
      bearer(key),
    );
    expect(response.status).toBe(413);
  });

  it('refuses nested metadata too deep to measure with 400, not 500', async () => {
    const deep = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const body = `{"action":"export","entityType":"report","entityId":"deep-${randomUUID()}","metadata":{"d":${deep}}}`;
    const response = await rawMutation(server.url, 'audit.record', undefined, bearer(key), { rawBody: body });
    expect(response.status, response.text.slice(0, 500)).toBe(400);
    expect(response.error?.data.code).toBe('BAD_REQUEST');
    expect(response.error?.message).toContain('metadata');
  });
});
