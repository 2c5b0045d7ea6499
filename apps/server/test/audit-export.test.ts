/**
 * The export over HTTP (issue 13, item 9): GET /audit-logs/export streams the caller's organization's filtered view as
 * CSV or NDJSON with the values as stored, safe to open in a spreadsheet; each export writes its `export` entry first;
 * a role that cannot read the log, a key without audit:read and another site's page are refused and write nothing.
 * Through a compression middleware too (gzip), and through `exportAuditLog` of the typed client.
 */
import type { AddressInfo } from 'node:net';
import { createServer, get } from 'node:http';
import type { Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { createApiServices, EXPORT_BATCH_ROWS, EXPORT_COLUMNS, NO_PROXY } from '@auditlog/api';
import { AuditExportError, exportAuditLog } from '@auditlog/client';
import { testEngines } from '@auditlog/db/testing';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditExportRoute } from '../src/audit-export.ts';
import { compressResponses } from '../src/compress.ts';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';

/** RFC 4180, as a spreadsheet reads it: quoted cells with doubled quotes, CRLF between records. */
function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (text[i] === '"') break;
        else value += text[i++];
      }
      i++;
      row.push(value);
    } else row.push(text[i] === ',' || text[i] === '\r' ? null : `unquoted:${text[i]}`);
    if (text[i] === ',') i++;
    else if (text[i] === '\r' && text[i + 1] === '\n') {
      rows.push(row);
      row = [];
      i += 2;
    } else if (i < text.length && text[i] !== '"')
      throw new Error(`bad CSV at ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
  }
  return rows;
}

const TRICKY = [
  '=HYPERLINK("http://evil.example","click")',
  '+1+2',
  '-2+3',
  '@SUM(A1:A2)',
  '\tTAB',
  '\rCR',
  'plain, with "quotes"\nand a line break',
];

describe.each(testEngines)('the audit log export on %s', { timeout: 60_000 }, (engine) => {
  let server: TestServer;
  let own: TestOrganization;
  let other: TestOrganization;
  let ownerCookie: string;
  const seededIds: string[] = [];

  beforeAll(async () => {
    server = await startTestServer(engine, { webRoot: null });
    own = await server.createOrganization('Export Own');
    other = await server.createOrganization('Export Other');
    const prisma = server.db.prisma;
    for (const [i, value] of TRICKY.entries()) {
      const [row] = await prisma.$queryRaw<{ id: string }[]>`
        INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType",
          "actorName", "ipAddress", changes, metadata)
        VALUES (auditlog.next_id(now()), ${own.id}, now(), 'update', 'ticket', ${value}, 'SYSTEM', ${value},
          ${`203.0.113.${i}`}, ${JSON.stringify({ password: { before: '[REDACTED]', after: '[REDACTED]' }, note: { before: value, after: null } })}::jsonb,
          ${JSON.stringify({ fingerprint: { password: 'fp:abc' } })}::jsonb)
        RETURNING id::text AS id`;
      if (row) seededIds.push(row.id);
    }
    await prisma.$executeRaw`INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
      VALUES (auditlog.next_id(now()), ${other.id}, now(), 'update', 'ticket', 'other-secret', 'SYSTEM')`;
    ownerCookie = await server.signIn(own.users.OWNER.email);
  }, 90_000);
  afterAll(async () => {
    await server?.close();
  });

  const exportOf = (query: string, headers: Record<string, string> = {}, base = server.url) =>
    fetch(`${base}/audit-logs/export?${query}`, { headers });
  const exports = () =>
    server.db.prisma.auditLog.findMany({
      where: { organizationId: own.id, action: 'export' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });

  it('gives CSV an RFC 4180 parser reads back cell for cell, formulas defused, only its organization', async () => {
    const response = await exportOf(`format=csv&input=${encodeURIComponent('{"action":"update"}')}`, {
      cookie: ownerCookie,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-log-.+Z\.csv"$/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const [header, ...rows] = parseCsv(await response.text());
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(rows.length).toBe(Number(response.headers.get('x-export-total')));
    const byId = new Map(rows.map((row) => [row[0], row]));
    expect(rows.some((row) => row[4] === 'other-secret')).toBe(false);
    for (const [i, value] of TRICKY.entries()) {
      const row = byId.get(seededIds[i] ?? '');
      const shown = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
      expect(row?.[4], JSON.stringify(value)).toBe(shown);
      expect(row?.[7]).toBe(shown);
      expect(row?.[8], 'a null is an empty cell').toBeNull();
      expect(JSON.parse(row?.[12] ?? '')).toEqual({
        password: { before: '[REDACTED]', after: '[REDACTED]' },
        note: { before: value, after: null },
      });
    }
  });

  it('gives NDJSON with the values as stored, newest first, its own export entry first', async () => {
    const before = (await exports()).length;
    const response = await exportOf('format=ndjson', { cookie: ownerCookie });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await response.text()).trimEnd().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.length).toBe(Number(response.headers.get('x-export-total')));
    expect(Object.keys(entries[0] ?? {})).toEqual([...EXPORT_COLUMNS]);
    expect(entries[0]).toMatchObject({
      id: response.headers.get('x-export-entry'),
      action: 'export',
      entityType: 'audit_log',
      entityId: own.id,
      actorType: 'USER',
      actorUserId: own.users.OWNER.id,
      metadata: { kind: 'entries', format: 'ndjson', filters: {} },
    });
    const stored = await server.db.prisma.auditLog.findMany({
      where: { organizationId: own.id, createdAt: { lte: new Date(String(entries[0]?.createdAt)) } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    expect(entries.map((entry) => entry.id)).toEqual(stored.map((entry) => entry.id));
    const tricky = entries.find((entry) => entry.id === seededIds[0]);
    expect(tricky).toMatchObject({ entityId: TRICKY[0], metadata: { fingerprint: { password: 'fp:abc' } } });
    expect((await exports()).length).toBe(before + 1);
  });

  it.each([
    ['no session', {}, '', 401, /sign in/i],
    ['a Technician', { role: 'TECHNICIAN' }, '', 403, /restricted to the Owner, Admin, and Auditor roles/],
    ['another site’s page', { role: 'OWNER', 'sec-fetch-site': 'cross-site' }, '', 403, /own page/],
    ['another origin', { role: 'OWNER', origin: 'https://evil.example' }, '', 403, /own page/],
    ['a bad format', { role: 'OWNER' }, 'format=xlsx', 400, /format must be csv or ndjson/],
    ['input that is not JSON', { role: 'OWNER' }, 'input=%7Bnope', 400, /as JSON/],
    ['a bad filter', { role: 'OWNER' }, `input=${encodeURIComponent('{"startDate":"yesterday"}')}`, 400, /startDate/],
    [
      'dates out of order',
      { role: 'OWNER' },
      `input=${encodeURIComponent('{"startDate":"2026-11-02T00:00:00Z","endDate":"2026-11-01T00:00:00Z"}')}`,
      400,
      /startDate must not be after endDate/,
    ],
  ] as const)('refuses %s, and writes no export entry', async (_name, given, query, status, message) => {
    const before = (await exports()).length;
    const { role, ...headers } = given as { role?: 'TECHNICIAN' | 'OWNER' } & Record<string, string>;
    const cookie = role ? await server.signIn(own.users[role].email) : undefined;
    const response = await exportOf(query, { ...headers, ...(cookie ? { cookie } : {}) });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(message);
    expect((await exports()).length).toBe(before);
  });

  it('lets the Auditor and an audit:read key export, refuses a key without it (typed client)', async () => {
    const auditor = await server.signIn(own.users.AUDITOR.email);
    expect((await exportOf('format=ndjson', { cookie: auditor })).status).toBe(200);
    const readKey = await own.createApiKey(['audit:read'], 'Export service');
    const exported = await exportAuditLog(
      { url: server.url, apiKey: readKey },
      { format: 'csv', filters: { action: 'update', entityType: 'ticket' } },
    );
    const lines: string[] = [];
    for await (const line of exported.lines()) lines.push(line);
    expect(lines[0]).toBe(EXPORT_COLUMNS.map((column) => `"${column}"`).join(','));
    // Seven rows, one of them two lines long inside its quotes.
    expect(lines.length - 1).toBe(exported.total);
    expect(exported.total).toBe(TRICKY.length);
    const [entry] = (await exports()).filter((row) => row.id === exported.entryId);
    expect(entry).toMatchObject({ actorType: 'SYSTEM', actorName: 'Export service' });
    expect(entry?.metadata).toEqual({
      kind: 'entries',
      format: 'csv',
      filters: { action: 'update', entityType: 'ticket' },
    });

    const writeKey = await own.createApiKey(['audit:write'], 'Writer');
    const refused = await exportAuditLog({ url: server.url, apiKey: writeKey }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AuditExportError);
    expect(refused).toMatchObject({ status: 403, message: expect.stringMatching(/audit:read/) });
  });

  describe('through the server’s compression', () => {
    const VIEWS = EXPORT_BATCH_ROWS * 2 + 500;
    let compressed: Server;
    let base: string;
    beforeAll(async () => {
      const services = await createApiServices(server.db.prisma, {
        sessionHours: 24,
        maxSessionHours: 168,
        cursorSecret: 'c'.repeat(32),
        secureCookies: false,
      });
      const app = express();
      app.use(compressResponses({ bulkPaths: ['/audit-logs/export'] }));
      app.get('/audit-logs/export', auditExportRoute({ services, trustProxy: NO_PROXY, allowedOrigins: [] }));
      compressed = createServer(app);
      await new Promise<void>((resolve) => compressed.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(compressed.address() as AddressInfo).port}`;
      // Enough rows for several keyset pages (EXPORT_BATCH_ROWS each), all in the last 11 seconds and never before
      // today (UTC): a second apart they reached back three hours, into yesterday after midnight, a day whose counts
      // were already final without them (rows written straight into a final day, as only this test does), and the
      // total said 8,664 of 10,500.
      await server.db.prisma.$executeRaw`
        INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
        SELECT auditlog.next_id(t.at), ${own.id}, t.at, 'view', 'invoice', 'inv-' || g, 'SYSTEM'
        FROM generate_series(1, ${VIEWS}) AS g,
          LATERAL (SELECT greatest(now() - g * interval '1 millisecond', date_trunc('day', now(), 'UTC')) AS at) t
        ORDER BY g DESC`;
    }, 60_000);
    afterAll(async () => {
      await new Promise((resolve) => compressed?.close(resolve));
    });

    const download = (format: string, encoding: string) =>
      new Promise<{ headers: Record<string, unknown>; chunks: Buffer[] }>((resolve, reject) => {
        const input = encodeURIComponent('{"action":"view"}');
        get(
          new URL(`${base}/audit-logs/export?format=${format}&input=${input}`),
          { headers: { cookie: ownerCookie, 'accept-encoding': encoding } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ headers: res.headers, chunks }));
            res.on('error', reject);
          },
        ).on('error', reject);
      });

    // NDJSON too: the compression package's own filter skips application/x-ndjson (not "compressible" in mime-db).
    it.each(['csv', 'ndjson'])(
      'sends %s as gzip that decompresses to every row, flushed page by page',
      async (format) => {
        const response = await download(format, 'gzip');
        expect(response.headers['content-encoding']).toBe('gzip');
        const text = gunzipSync(Buffer.concat(response.chunks)).toString('utf8');
        const ids =
          format === 'csv'
            ? parseCsv(text).map((row) => row[0])
            : text
                .trimEnd()
                .split('\n')
                .map((line) => (JSON.parse(line) as { id: string }).id);
        if (format === 'csv') expect(ids.shift()).toBe('id');
        expect(ids).toHaveLength(VIEWS);
        expect(ids.length).toBe(Number(response.headers['x-export-total']));
        expect(new Set(ids).size).toBe(VIEWS);
        // Flushed after each page: the body arrived in several pieces, not as one at the end.
        expect(response.chunks.length).toBeGreaterThanOrEqual(3);
      },
    );
  });
});
