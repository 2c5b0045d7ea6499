/**
 * HTTP compression (issue 13, item 12): the built assets go out as their brotli/gzip files, index.html and API
 * answers compressed on the fly, each decoding to exactly the bytes of the uncompressed answer; a client that accepts
 * no encoding gets plain bytes, and nothing below the threshold is compressed. Raw bytes are read with node:http
 * (fetch would decode them).
 */
import { request } from 'node:http';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliDecompressSync, createBrotliDecompress, gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { compressResponses } from '../src/compress.ts';
import { runAsSystem } from '@auditlog/audit';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_ROOT } from '../src/server.ts';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, method: body === undefined ? 'GET' : 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function decode(raw: Raw): Buffer {
  const encoding = raw.headers['content-encoding'];
  if (encoding === 'br') return brotliDecompressSync(raw.body);
  if (encoding === 'gzip') return gunzipSync(raw.body);
  return raw.body;
}

describe.each(testEngines)('HTTP compression on %s', { timeout: 30_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let cookie: string;
  let script = '';

  beforeAll(async () => {
    const files = await readdir(path.join(DEFAULT_WEB_ROOT, 'assets')).catch(() => {
      throw new Error('apps/web/dist is missing: build the web app first (pnpm --filter @auditlog/web build)');
    });
    script = files.find((file) => file.endsWith('.js')) ?? '';
    server = await startTestServer(engine);
    org = await server.createOrganization('Compressed Org');
    cookie = await server.signIn(org.users.OWNER.email);
  });
  afterAll(() => server?.close());

  it('sends the script as its brotli file, or its gzip file, or plain, as the client accepts', async () => {
    const plain = await readFile(path.join(DEFAULT_WEB_ROOT, 'assets', script));
    const url = `${server.url}/assets/${script}`;
    const br = await get(url, { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^text\/javascript/);
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(plain.length * 0.35);
    expect(decode(br).equals(plain)).toBe(true);

    const gz = await get(url, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(decode(gz).equals(plain)).toBe(true);

    for (const refused of ['identity', 'br;q=0, gzip;q=0', '']) {
      const none = await get(url, refused ? { 'accept-encoding': refused } : {});
      expect(none.headers['content-encoding']).toBeUndefined();
      expect(none.body.equals(plain)).toBe(true);
    }
  });

  it('compresses index.html and API answers on the fly, and leaves small answers as they are', async () => {
    const page = await get(`${server.url}/admin/audit-logs`, { accept: 'text/html', 'accept-encoding': 'gzip' });
    // index.html is under the threshold today: sent as it is, but still varying on the encoding.
    expect(page.headers.vary).toMatch(/Accept-Encoding/i);
    expect(decode(page).toString()).toContain('<div id="root">');

    // 25 entries: well over the threshold.
    for (let i = 0; i < 30; i++) {
      await runAsSystem({ name: 'Compression test' }, () =>
        server.db.prisma.$record({ organizationId: org.id, action: 'view', entityType: 'ticket', entityId: `t${i}` }),
      );
    }
    const input = encodeURIComponent(JSON.stringify({ pageSize: 25 }));
    const url = `${server.url}/trpc/audit.list?input=${input}`;
    for (const encoding of ['br', 'gzip']) {
      const raw = await get(url, { cookie, 'accept-encoding': encoding });
      expect(raw.status).toBe(200);
      expect(raw.headers['content-encoding']).toBe(encoding);
      expect(raw.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(decode(raw).toString()) as { result: { data: { items: unknown[] } } };
      expect(body.result.data.items).toHaveLength(25);
      expect(raw.body.length).toBeLessThan(decode(raw).length / 3);
    }
    const small = await get(`${server.url}/healthz`, { 'accept-encoding': 'br' });
    expect(small.headers['content-encoding']).toBeUndefined();
  });
  it('sends the answers to mutations as they are: a batch of 25 audit.record calls, 2 kB', async () => {
    const calls = 25;
    const entries = Object.fromEntries(
      Array.from({ length: calls }, (_, i) => [i, { action: 'view', entityType: 'report', entityId: `r-${i}` }]),
    );
    const raw = await get(
      `${server.url}/trpc/${Array.from({ length: calls }, () => 'audit.record').join(',')}?batch=1`,
      { cookie, 'content-type': 'application/json', 'accept-encoding': 'gzip, br' },
      JSON.stringify(entries),
    );
    expect(raw.status).toBe(200);
    expect(raw.headers['content-encoding']).toBeUndefined();
    const answers = JSON.parse(raw.body.toString()) as { result: { data: { id: string } } }[];
    expect(answers).toHaveLength(calls);
    expect(raw.body.length).toBeGreaterThan(1024);
  });
});

describe('a streamed answer through the compression', () => {
  it('reaches the client chunk by chunk when the route flushes, compressed', async () => {
    const app = express();
    app.use(compressResponses());
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    app.get('/stream', (_req, res) => {
      res.type('application/x-ndjson');
      res.write(`${JSON.stringify({ row: 1, pad: 'x'.repeat(2000) })}\n`);
      res.flush();
      // The rest only once the client has decoded the first row: without the flush this would never end.
      void released.then(() => res.end(`${JSON.stringify({ row: 2 })}\n`));
    });
    const listener = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      const text = await new Promise<string>((resolve, reject) => {
        const req = request(`http://127.0.0.1:${port}/stream`, { headers: { 'accept-encoding': 'br' } }, (res) => {
          expect(res.headers['content-encoding']).toBe('br');
          const decoder = res.pipe(createBrotliDecompress());
          let decoded = '';
          decoder.on('data', (chunk: Buffer) => {
            decoded += chunk.toString();
            if (decoded.includes('"row":1')) release();
          });
          decoder.on('end', () => resolve(decoded));
          decoder.on('error', reject);
        });
        req.on('error', reject);
        req.end();
      });
      expect(
        text
          .trim()
          .split('\n')
          .map((line) => (JSON.parse(line) as { row: number }).row),
      ).toEqual([1, 2]);
    } finally {
      listener.close();
    }
  });
});
