/**
 * CORS for the apps named in APP_ORIGINS: an allowed origin gets its own origin back with credentials (never `*`),
 * for preflights and for requests; any other origin gets no CORS header, and its preflight is refused.
 * CORS does not depend on the database: one engine is enough.
 */
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestServer } from '../src/testing.ts';

const APP = 'https://app.example.test';
const OTHER = 'https://evil.example.test';
const engine = testEngines[0] ?? 'pglite';

describe(`CORS for APP_ORIGINS (on ${engine})`, { timeout: 30_000 }, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(engine, { allowedOrigins: [APP, 'http://localhost:5173'] });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  const preflight = (origin: string) =>
    fetch(`${server.url}/trpc/audit.record`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });

  it('answers an allowed origin’s preflight with that origin, credentials, methods and headers', async () => {
    const response = await preflight(APP);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('content-type');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('refuses another origin’s preflight, without any CORS header', async () => {
    const response = await preflight(OTHER);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('APP_ORIGINS');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('lets an allowed origin read a query’s answer, and the request id', async () => {
    const response = await fetch(`${server.url}/trpc/auth.me`, { headers: { origin: APP } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
  });

  it('gives another origin, and a request without Origin, no CORS header (the browser hides the answer)', async () => {
    for (const headers of [{ origin: OTHER }, {} as Record<string, string>]) {
      const response = await fetch(`${server.url}/trpc/auth.me`, { headers });
      expect(response.headers.get('access-control-allow-origin'), JSON.stringify(headers)).toBeNull();
      expect(response.headers.get('vary'), JSON.stringify(headers)).toMatch(/origin/i);
    }
  });

  it('never answers with a wildcard, even for an origin that looks alike', async () => {
    for (const origin of [`${APP}.evil.test`, 'null', APP.toUpperCase(), `${APP}:443`]) {
      const response = await preflight(origin);
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
    }
  });
});
