/**
 * audit.record end to end, and malformed input, through `createCaller` (moved from the server's HTTP suite, which
 * keeps what only HTTP shows: broken JSON, a body over the size limit, a body nested too deep to parse).
 *
 * What is stored for a custom action and what audit.get gives back, with secrets in the metadata redacted before they
 * reach the database.
 *
 * Malformed input never gives a server fault: for every input field of every procedure, wrong types and values are
 * answered with BAD_REQUEST (400) whose message names the field, and so are impossible date ranges.
 */
import { Prisma } from '@auditlog/db';
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { muteAccessEntries } from '../src/testing.ts';
import type { TestOrganization } from '../src/testing.ts';
import { failureOf, useTestApi } from './support/callers.ts';
import type { ApiCaller, Failure } from './support/callers.ts';

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
  const api = useTestApi(engine);
  let org: TestOrganization;
  let key: string;

  beforeAll(async () => {
    org = await api().createOrganization('Input Org');
    key = await org.createApiKey(['audit:read', 'audit:write']);
  }, 60_000);

  describe('audit.record', () => {
    let service: ApiCaller;
    let technician: ApiCaller;

    beforeAll(async () => {
      service = await api().callerWithKey(await org.createApiKey(['audit:read', 'audit:write'], 'Sync worker'));
      technician = await api().callerAs(org.users.TECHNICIAN, { origin: { userAgent: 'TechBrowser/2.0' } });
    }, 60_000);

    async function rowText(id: string): Promise<string> {
      const [row] = await api().prisma.$queryRaw<{ text: string }[]>(
        Prisma.sql`SELECT a::text AS text FROM "AuditLog" a WHERE id = ${id}::uuid`,
      );
      return row?.text ?? '';
    }
    it("stores a user's custom action with its metadata, the user as actor and the request's origin", async () => {
      const before = Date.now();
      const recorded = await technician.audit.record({
        action: 'view',
        entityType: 'user',
        entityId: org.users.BILLING.id,
        metadata: { reason: 'quarter close', ticket: 1042 },
      });
      expect(Date.parse(recorded.createdAt)).toBeGreaterThanOrEqual(before - 1_000);
      const entry = await service.audit.get({ id: recorded.id });
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
        // Recorded just now: its day is not final, so no block holds it yet (decision 015).
        seal: { sealed: false, block: null, sealedAt: null },
        references: {},
        // A request of its own: it wrote nothing else.
        sameRequest: { total: 0, items: [] },
      });
    });

    it('redacts secrets in metadata before storing them', async () => {
      const { id } = await service.audit.record({
        action: 'sync',
        entityType: 'integration',
        entityId: 'psa-1',
        metadata: { password: 'hunter2-in-metadata', nested: { apiToken: 'tok-123-in-metadata' }, note: 'kept' },
      });
      const entry = await service.audit.get({ id });
      expect(entry.metadata).toEqual({ password: '[REDACTED]', nested: { apiToken: '[REDACTED]' }, note: 'kept' });
      const text = await rowText(id);
      for (const secret of ['hunter2-in-metadata', 'tok-123-in-metadata']) {
        expect(text, `the row holds ${secret}`).not.toContain(secret);
      }
      expect(text).toContain('kept');
    });

    it('redacts the secret fields the app configures (ApiKey.keyHash) in metadata, as prisma.$record does', async () => {
      const { id } = await service.audit.record({
        action: 'export',
        entityType: 'api_key',
        entityId: 'key-1',
        metadata: { keyHash: 'deadbeef-configured-secret' },
      });
      expect(await rowText(id)).not.toContain('deadbeef-configured-secret');
    });

    it('answers with the id and time of the stored entry', async () => {
      const recorded = await service.audit.record({
        action: 'export',
        entityType: 'invoice',
        entityId: 'inv-1',
      });
      const row = await api().prisma.auditLog.findFirstOrThrow({ where: { id: recorded.id } });
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
    // A refused read is still an attempt to read: only the key's hourly `access` note may be written, so it is muted.
    beforeAll(() => muteAccessEntries(api().prisma, org.id));

    /** Each procedure called with `input` as it is, unchecked by the types: the API's parsers are what is tested. */
    async function send(procedure: Procedure, input: unknown): Promise<unknown> {
      if (procedure === 'auth.login') return (await api().caller()).auth.login(input as never);
      const caller = await api().callerWithKey(key);
      if (procedure === 'audit.list') return caller.audit.list(input as never);
      if (procedure === 'audit.get') return caller.audit.get(input as never);
      return caller.audit.record(input as never);
    }

    function expectBadRequest(failure: Failure, field: string) {
      expect(failure.httpStatus, failure.message.slice(0, 500)).toBe(400);
      expect(failure.code).toBe('BAD_REQUEST');
      expect(failure.message).toContain(field);
    }

    it.each(CASES)(
      '$procedure refuses $field: $name with BAD_REQUEST (400) naming the field',
      async ({ procedure, field, input }) => {
        const { prisma } = api();
        const before = await prisma.auditLog.count({ where: { organizationId: org.id } });
        const failure = await failureOf(send(procedure, input));
        expectBadRequest(failure, field);
        const issues = failure.issues;
        if (issues)
          expect(issues.some((issue) => issue.path === field || issue.path.startsWith(`${field}.`))).toBe(true);
        expect(await prisma.auditLog.count({ where: { organizationId: org.id } })).toBe(before);
      },
    );

    it('refuses a cursor whose contents were altered (to an impossible date) naming the cursor', async () => {
      const caller = await api().callerWithKey(key);
      const cursor = (await caller.audit.list({ pageSize: 1 })).nextCursor;
      if (!cursor) throw new Error('the organization should have more than one entry');
      const [body = '', signature = ''] = cursor.split('.');
      const decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
      const forged = `${Buffer.from(JSON.stringify({ ...decoded, t: '0000-01-01T00:00:00Z' })).toString('base64url')}.${signature}`;
      expectBadRequest(await failureOf(caller.audit.list({ pageSize: 1, cursor: forged })), 'cursor');
    });

    it('accepts the boundaries: metadata just under 8 KB and 4 levels deep, a 191-character entity id, surrounding spaces trimmed', async () => {
      const { id } = await (
        await api().callerWithKey(key)
      ).audit.record({
        action: ' export ',
        entityType: 'report',
        entityId: 'y'.repeat(191),
        metadata: { blob: 'x'.repeat(7 * KB), deep: { b: { c: 1 } } },
      });
      const row = await api().prisma.auditLog.findFirstOrThrow({ where: { id } });
      expect(row).toMatchObject({ action: 'export', entityId: 'y'.repeat(191) });
      expect(row.metadata).toEqual({ blob: 'x'.repeat(7 * KB), deep: { b: { c: 1 } } });
    });
  });
});
