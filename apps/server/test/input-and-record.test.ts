/**
 * audit.record end to end, and malformed input.
 *
 * What is stored for a custom action and what audit.get gives back, with secrets in the metadata redacted before they
 * reach the database.
 *
 * Malformed input never gives a 500: for every input field of every procedure, wrong types and values are answered
 * with 400 BAD_REQUEST whose message names the field, and so are broken JSON and impossible date ranges.
 */
import { randomUUID } from 'node:crypto';
import { createAuditClient } from '@auditlog/client';
import type { AuditClient } from '@auditlog/client';
import { Prisma } from '@auditlog/db';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';
import { bearer, rawMutation, rawQuery } from './helpers.ts';
import type { RawResponse } from './helpers.ts';

type Procedure = 'audit.list' | 'audit.get' | 'audit.record' | 'auth.login';
interface Case {
  procedure: Procedure;
  field: string;
  name: string;
  input: unknown;
}

const KB = 1024;
const validRecord = { action: 'export', entityType: 'report', entityId: 'report-1' };
const validLogin = { email: 'someone@example.test', password: 'a password' };

const listCases = (field: string, values: [string, unknown][]): Case[] =>
  values.map(([name, value]) => ({ procedure: 'audit.list', field, name, input: { [field]: value } }));
const getCases = (values: [string, unknown][]): Case[] =>
  values.map(([name, input]) => ({ procedure: 'audit.get', field: 'id', name, input }));
const recordCases = (field: string, values: [string, unknown][]): Case[] =>
  values.map(([name, value]) => ({
    procedure: 'audit.record',
    field,
    name,
    input: { ...validRecord, [field]: value },
  }));
const loginCases = (field: string, values: [string, unknown][]): Case[] =>
  values.map(([name, value]) => ({ procedure: 'auth.login', field, name, input: { ...validLogin, [field]: value } }));

const CASES: Case[] = [
  ...listCases('action', [
    ['a number', 5],
    ['upper case', 'Create'],
    ['a space', 'failed login'],
    ['empty', ''],
    ['65 characters', `a${'b'.repeat(64)}`],
  ]),
  ...listCases('entityType', [
    ['an array', ['client']],
    ['punctuation', 'client!'],
    ['a leading digit', '1client'],
  ]),
  ...listCases('startDate', [
    ['a word', 'yesterday'],
    ['a date without time', '2025-03-01'],
    ['no time zone', '2025-03-01T00:00:00'],
    ['a number', 1_740_787_200_000],
    ['February 30th', '2025-02-30T00:00:00Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
  ]),
  ...listCases('endDate', [
    ['a boolean', true],
    ['garbage', 'not a date'],
    ['an instant in year 0000 once converted to UTC', '0001-01-01T00:30:00+01:00'],
  ]),
  ...listCases('page', [
    ['0', 0],
    ['negative', -1],
    ['a fraction', 1.5],
    ['a string', '2'],
    ['null', null],
    ['over a million', 1_000_001],
  ]),
  ...listCases('pageSize', [
    ['0', 0],
    ['101', 101],
    ['a fraction', 2.5],
    ['a string', '10'],
  ]),
  ...listCases('cursor', [
    ['a number', 5],
    ['513 characters', 'x'.repeat(513)],
    ['garbage', 'garbage!'],
    ['base64 of something else', Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64url')],
    ['base64 of broken JSON', Buffer.from('{"v":1,').toString('base64url')],
  ]),
  {
    procedure: 'audit.list',
    field: 'startDate',
    name: 'after endDate',
    input: { startDate: '2025-03-02T00:00:00Z', endDate: '2025-03-01T00:00:00Z' },
  },
  { procedure: 'audit.list', field: 'input', name: 'a string instead of an object', input: 'everything' },
  { procedure: 'audit.list', field: 'input', name: 'an array instead of an object', input: [1, 2] },
  ...getCases([
    ['missing', {}],
    ['not a UUID', { id: 'abc' }],
    ['a number', { id: 42 }],
    ['one character short', { id: '01a21526-dd4e-742c-adfd-ba3e1c9b71a' }],
    ['in braces', { id: '{01a21526-dd4e-742c-adfd-ba3e1c9b71ab}' }],
    ['SQL', { id: "' OR 1=1 --" }],
  ]),
  { procedure: 'audit.get', field: 'input', name: 'no input at all', input: undefined },
  ...recordCases('action', [
    ['missing', undefined],
    ['a number', 7],
    ['upper case', 'Export'],
    ['reserved: create', 'create'],
    ['reserved: update', 'update'],
    ['reserved: delete', 'delete'],
    ['reserved with spaces around', '  create '],
    ['reserved: permission_change', 'permission_change'],
    ['reserved: failed_login', 'failed_login'],
    ['empty', ''],
  ]),
  ...recordCases('entityType', [
    ['missing', undefined],
    ['punctuation', 'report!'],
    ['an object', { type: 'report' }],
  ]),
  ...recordCases('entityId', [
    ['missing', undefined],
    ['empty', ''],
    ['only spaces', '   '],
    ['192 characters', 'x'.repeat(192)],
    ['a number', 12],
    ['a NUL character', 'report\u0000one'],
  ]),
  ...recordCases('changes', [
    ['a string', 'everything changed'],
    ['an array', [{ before: 1, after: 2 }]],
    ['a field that is not an object', { status: 'closed' }],
    ['a field that is an array', { status: ['open', 'closed'] }],
    ['an empty field name', { '': { before: 1, after: 2 } }],
    ['a 129-character field name', { ['f'.repeat(129)]: { before: 1, after: 2 } }],
    ['65 KB', { body: { before: 'x'.repeat(65 * KB), after: null } }],
    [
      'well-formed before/after values (they come from the database only)',
      { status: { before: 'open', after: 'closed' } },
    ],
  ]),
  ...recordCases('metadata', [
    ['a string', 'note'],
    ['an array', ['a', 'b']],
    ['a number', 42],
    ['65 KB', { blob: 'x'.repeat(65 * KB) }],
    ['over 8 KB', { blob: 'x'.repeat(8 * KB + 1) }],
    ['5 levels deep', { a: { b: { c: { d: { e: 1 } } } } }],
  ]),
  { procedure: 'audit.record', field: 'input', name: 'an array instead of an object', input: [validRecord] },
  ...loginCases('email', [
    ['missing', undefined],
    ['a number', 5],
    ['null', null],
    ['empty', ''],
    ['not an email', 'not-an-email'],
    ['over 254 characters', `${'a'.repeat(250)}@example.test`],
  ]),
  ...loginCases('password', [
    ['missing', undefined],
    ['empty', ''],
    ['a number', 123456],
    ['null', null],
    ['over 1024 characters', 'p'.repeat(1025)],
  ]),
];

describe.each(testEngines)('audit.record and malformed input on %s', { timeout: 30_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Input Org');
    key = await org.createApiKey(['audit:read', 'audit:write']);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  describe('audit.record', () => {
    let service: AuditClient;
    let technician: AuditClient;

    beforeAll(async () => {
      service = createAuditClient({
        url: server.url,
        apiKey: await org.createApiKey(['audit:read', 'audit:write'], 'Sync worker'),
      });
      technician = createAuditClient({
        url: server.url,
        cookie: await server.signIn(org.users.TECHNICIAN.email),
        headers: { 'user-agent': 'TechBrowser/2.0' },
      });
    }, 60_000);

    async function rowText(id: string): Promise<string> {
      const [row] = await server.db.prisma.$queryRaw<{ text: string }[]>(
        Prisma.sql`SELECT a::text AS text FROM "AuditLog" a WHERE id = ${id}::uuid`,
      );
      return row?.text ?? '';
    }

    it("stores a user's custom action with its metadata, the user as actor and the request's origin", async () => {
      const before = Date.now();
      const recorded = await technician.audit.record.mutate({
        action: 'view',
        entityType: 'user',
        entityId: org.users.BILLING.id,
        metadata: { reason: 'quarter close', ticket: 1042 },
      });
      expect(Date.parse(recorded.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
      const entry = await service.audit.get.query({ id: recorded.id });
      expect(entry).toEqual({
        id: recorded.id,
        createdAt: recorded.createdAt,
        action: 'view',
        actor: {
          type: 'user',
          id: org.users.TECHNICIAN.id,
          name: org.users.TECHNICIAN.name,
          email: org.users.TECHNICIAN.email,
        },
        entity: { type: 'user', id: org.users.BILLING.id, label: org.users.BILLING.name, exists: true },
        ipAddress: '127.0.0.1',
        userAgent: 'TechBrowser/2.0',
        requestId: expect.any(String),
        changes: null,
        metadata: { reason: 'quarter close', ticket: 1042 },
      });
    });

    it('redacts secrets in metadata before storing them', async () => {
      const { id } = await service.audit.record.mutate({
        action: 'sync',
        entityType: 'integration',
        entityId: 'psa-1',
        metadata: { password: 'hunter2-in-metadata', nested: { apiToken: 'tok-123-in-metadata' }, note: 'kept' },
      });
      const entry = await service.audit.get.query({ id });
      expect(entry.metadata).toEqual({ password: '[REDACTED]', nested: { apiToken: '[REDACTED]' }, note: 'kept' });
      const text = await rowText(id);
      for (const secret of ['hunter2-in-metadata', 'tok-123-in-metadata']) {
        expect(text).not.toContain(secret);
      }
      expect(text).toContain('kept');
    });

    it('redacts the secret fields the app configures (ApiKey.keyHash) in metadata, as prisma.$record does', async () => {
      const { id } = await service.audit.record.mutate({
        action: 'export',
        entityType: 'api_key',
        entityId: 'key-1',
        metadata: { keyHash: 'deadbeef-configured-secret' },
      });
      expect(await rowText(id)).not.toContain('deadbeef-configured-secret');
    });

    it('answers with the id and time of the stored entry', async () => {
      const recorded = await service.audit.record.mutate({
        action: 'export',
        entityType: 'invoice',
        entityId: 'inv-1',
      });
      const row = await server.db.prisma.auditLog.findUniqueOrThrow({ where: { id: recorded.id } });
      expect(row.createdAt.toISOString()).toBe(recorded.createdAt);
      expect(row).toMatchObject({
        organizationId: org.id,
        actorType: 'SYSTEM',
        actorName: 'Sync worker',
        changes: null,
        metadata: null,
      });
    });
  });

  describe('malformed input', () => {
    const send = (procedure: Procedure, input: unknown): Promise<RawResponse> =>
      procedure === 'audit.list' || procedure === 'audit.get'
        ? rawQuery(server.url, procedure, input, bearer(key))
        : rawMutation(server.url, procedure, input, procedure === 'audit.record' ? bearer(key) : {});

    function expectBadRequest(response: RawResponse, field: string) {
      expect(response.status, response.text.slice(0, 500)).toBe(400);
      expect(response.error?.data.code).toBe('BAD_REQUEST');
      expect(response.error?.message).toContain(field);
    }

    it.each(CASES)(
      '$procedure refuses $field: $name with 400 naming the field',
      async ({ procedure, field, input }) => {
        const before = await server.db.prisma.auditLog.count({ where: { organizationId: org.id } });
        const response = await send(procedure, input);
        expectBadRequest(response, field);
        const issues = response.error?.data.issues;
        if (issues)
          expect(issues.some((issue) => issue.path === field || issue.path.startsWith(`${field}.`))).toBe(true);
        expect(await server.db.prisma.auditLog.count({ where: { organizationId: org.id } })).toBe(before);
      },
    );

    it('refuses a cursor whose contents were altered (to an impossible date) with 400 naming the cursor', async () => {
      const { data } = await rawQuery<{ nextCursor: string | null }>(
        server.url,
        'audit.list',
        { pageSize: 1 },
        bearer(key),
      );
      const cursor = data?.nextCursor;
      if (!cursor) throw new Error('the organization should have more than one entry');
      const [body = '', signature = ''] = cursor.split('.');
      const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      const forged = `${Buffer.from(JSON.stringify({ ...decoded, t: '0000-01-01T00:00:00Z' })).toString('base64url')}.${signature}`;
      expectBadRequest(
        await rawQuery(server.url, 'audit.list', { pageSize: 1, cursor: forged }, bearer(key)),
        'cursor',
      );
    });

    it('accepts the boundaries: metadata just under 8 KB and 4 levels deep, a 191-character entity id, surrounding spaces trimmed', async () => {
      const response = await rawMutation<{ id: string }>(
        server.url,
        'audit.record',
        {
          action: ' export ',
          entityType: 'report',
          entityId: 'y'.repeat(191),
          metadata: { blob: 'x'.repeat(7 * KB), deep: { b: { c: 1 } } },
        },
        bearer(key),
      );
      expect(response.status, response.text.slice(0, 300)).toBe(200);
      const row = await server.db.prisma.auditLog.findUniqueOrThrow({ where: { id: response.data?.id ?? '' } });
      expect(row).toMatchObject({ action: 'export', entityId: 'y'.repeat(191) });
    });

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
      expectBadRequest(response, 'metadata');
    });
  });
});
