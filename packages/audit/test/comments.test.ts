import type { SqlCommenterContext } from '@prisma/sqlcommenter';
import { describe, expect, it } from 'vitest';
import { AUDIT_COMMENT_KEY, auditComments, encodeAuditContext } from '../src/comments.ts';
import { runAsSystem, withAuditContext } from '../src/context.ts';
import type { AuditContext } from '../src/context.ts';
import { withSeedClock } from '../src/seeding.ts';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** What the trigger does: base64url → UTF-8 → JSON. */
function decode(encoded: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function userContext(fields: Partial<Omit<AuditContext, 'actor'>> & { userId?: string } = {}): AuditContext {
  return {
    actor: { type: 'user', userId: fields.userId ?? 'user_1' },
    ipAddress: fields.ipAddress ?? null,
    userAgent: fields.userAgent ?? null,
    requestId: fields.requestId ?? null,
    ...(fields.at ? { at: fields.at } : {}),
  };
}

function systemContext(name: string | null): AuditContext {
  return { actor: { type: 'system', name }, ipAddress: null, userAgent: null, requestId: null };
}

const queryContext: SqlCommenterContext = {
  query: { type: 'single', modelName: 'Ticket', action: 'updateOne', query: {} },
  sql: 'UPDATE "Ticket" SET "status" = $1 WHERE "id" = $2',
};

const hostile: [string, string][] = [
  ['a comment end', 'Mozilla/5.0 */ DROP TABLE "AuditLog"; /*'],
  ['a single quote', "O'Brien's browser' OR '1'='1"],
  ['a double quote', 'say "hello"'],
  ['dollar quotes', '$$ $audit$ $tag$'],
  ['newlines and a carriage return', 'line1\nline2\r\nline3'],
  ['backslashes', 'C:\\Users\\bob\\ \\x00 \\\\'],
  ['emoji', 'Agent 🚀👩‍💻 ✓'],
  ['a NUL and control characters', 'a\u0000b\u0007c\u001b[0m'],
  ['only NULs', '\u0000\u0000'],
  ['percent-encoding and an equals sign', "audit='AAAA'%27%2A%2F"],
  ['a 5,000-character string', 'x'.repeat(5_000)],
];

describe('encodeAuditContext', () => {
  it.each(hostile)('produces only base64url characters for a user agent with %s', (_what, value) => {
    const encoded = encodeAuditContext(
      userContext({ userAgent: value, ipAddress: value, requestId: value, userId: value }),
    );
    expect(encoded).toMatch(BASE64URL);
    expect(encodeAuditContext(systemContext(value))).toMatch(BASE64URL);
  });

  it.each(hostile.filter(([, value]) => value.length <= 64 && !value.includes('\u0000')))(
    'decodes back to exactly the same values with %s',
    (_what, value) => {
      expect(
        decode(
          encodeAuditContext(userContext({ userAgent: value, ipAddress: value, requestId: value, userId: value })),
        ),
      ).toEqual({
        u: value,
        ip: value,
        ua: value,
        r: value,
      });
      expect(decode(encodeAuditContext(systemContext(value)))).toEqual({ s: value });
    },
  );

  it('drops NUL characters, which jsonb cannot store', () => {
    const payload = decode(encodeAuditContext(userContext({ userAgent: 'a\u0000b' })));
    expect(payload.ua).toBe('ab');
  });

  it('drops NULs from every value and keeps the other control characters', () => {
    const value = 'a\u0000b\u0007c\u001b[0m\u0000';
    const kept = 'ab\u0007c\u001b[0m';
    expect(
      decode(encodeAuditContext(userContext({ userAgent: value, ipAddress: value, requestId: value, userId: value }))),
    ).toEqual({
      u: kept,
      ip: kept,
      ua: kept,
      r: kept,
    });
    expect(decode(encodeAuditContext(systemContext(value)))).toEqual({ s: kept });
  });

  it('produces only base64url characters and a well-formed U+FFFD for a lone surrogate', () => {
    const value = 'bad \uD800 surrogate \uDC00 end';
    const encoded = encodeAuditContext(userContext({ userAgent: value, requestId: '\uD800' }));
    expect(encoded).toMatch(BASE64URL);
    expect(decode(encoded)).toEqual({ u: 'user_1', ua: 'bad \uFFFD surrogate \uFFFD end', r: '\uFFFD' });
    expect(decode(encodeAuditContext(systemContext('\uDBFF')))).toEqual({ s: '\uFFFD' });
  });

  it('cuts the user agent to 512, the IP to 64, the request id to 128 and the user id to 191 characters', () => {
    const long = 'abcdefghij'.repeat(500);
    expect(long).toHaveLength(5_000);
    const payload = decode(
      encodeAuditContext(userContext({ userId: long, userAgent: long, ipAddress: long, requestId: long })),
    );
    expect(payload).toEqual({
      u: long.slice(0, 191),
      ua: long.slice(0, 512),
      ip: long.slice(0, 64),
      r: long.slice(0, 128),
    });
  });

  it("cuts a system actor's name to 200 characters", () => {
    const long = 'n'.repeat(5_000);
    expect(decode(encodeAuditContext(systemContext(long)))).toEqual({ s: long.slice(0, 200) });
  });

  it('keeps values at their limit whole', () => {
    const payload = decode(
      encodeAuditContext(
        userContext({ userAgent: 'u'.repeat(512), ipAddress: 'i'.repeat(64), requestId: 'r'.repeat(128) }),
      ),
    );
    expect(payload).toEqual({ u: 'user_1', ua: 'u'.repeat(512), ip: 'i'.repeat(64), r: 'r'.repeat(128) });
  });

  it('never leaves half a surrogate pair where the cut falls inside an emoji', () => {
    const userAgent = `${'a'.repeat(511)}🚀 and more`;
    const payload = decode(encodeAuditContext(userContext({ userAgent })));
    expect(payload.ua).toBe(`${'a'.repeat(511)}\uFFFD`);
    expect(String(payload.ua).isWellFormed()).toBe(true);
  });

  it('writes a user actor as u and omits null and empty fields', () => {
    expect(decode(encodeAuditContext(userContext({ ipAddress: '203.0.113.9' })))).toEqual({
      u: 'user_1',
      ip: '203.0.113.9',
    });
    expect(decode(encodeAuditContext({ ...userContext(), userAgent: '', requestId: '' }))).toEqual({ u: 'user_1' });
  });

  it('writes a system actor as s, with an empty name when it has none', () => {
    expect(decode(encodeAuditContext(systemContext('Email sync')))).toEqual({ s: 'Email sync' });
    expect(decode(encodeAuditContext(systemContext(null)))).toEqual({ s: '' });
    expect(decode(encodeAuditContext(systemContext('')))).toEqual({ s: '' });
  });

  it('writes the seeding clock as an ISO 8601 string', () => {
    const at = new Date(Date.UTC(2023, 0, 2, 3, 4, 5, 6));
    expect(decode(encodeAuditContext(userContext({ at })))).toEqual({ u: 'user_1', at: '2023-01-02T03:04:05.006Z' });
  });

  it('keeps every field of a realistic request', () => {
    const context: AuditContext = {
      actor: { type: 'user', userId: 'clx0abc123' },
      ipAddress: '2001:db8::1',
      userAgent:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
      requestId: '0b6f8a8e-2f6c-4f0e-9d55-6c1b2b9f2a11',
    };
    expect(decode(encodeAuditContext(context))).toEqual({
      u: 'clx0abc123',
      ip: context.ipAddress,
      ua: context.userAgent,
      r: context.requestId,
    });
  });
});

describe('auditComments()', () => {
  it('adds no comment outside an audit context', () => {
    expect(auditComments()(queryContext)).toEqual({});
  });

  it(`adds the encoded context under "${AUDIT_COMMENT_KEY}" inside withAuditContext`, async () => {
    const plugin = auditComments();
    const tags = await withAuditContext(
      { userId: 'user_1', ipAddress: '203.0.113.9', userAgent: "it's */ hostile" },
      () => plugin(queryContext),
    );
    expect(Object.keys(tags)).toEqual(['audit']);
    const value = tags.audit;
    expect(value).toMatch(BASE64URL);
    expect(decode(value ?? '')).toEqual({ u: 'user_1', ip: '203.0.113.9', ua: "it's */ hostile" });
  });

  it('adds a system actor inside runAsSystem', async () => {
    const tags = await runAsSystem({ name: 'Email sync' }, () => auditComments()(queryContext));
    expect(decode(tags.audit ?? '')).toEqual({ s: 'Email sync' });
  });

  it('returns the same string for repeated calls in one context, from any plugin instance', async () => {
    const [first, second, third, other] = await withAuditContext({ userId: 'user_1', requestId: 'req_1' }, async () => {
      const plugin = auditComments();
      const a = plugin(queryContext).audit;
      await Promise.resolve();
      const b = plugin({ query: { type: 'single', action: 'queryRaw', query: {} } }).audit;
      const c = auditComments()(queryContext).audit;
      const d = await runAsSystem({}, () => plugin(queryContext).audit);
      return [a, b, c, d];
    });
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(other).not.toBe(first);
  });

  it('encodes the seeding clock of withSeedClock', async () => {
    const at = new Date('2022-06-01T12:00:00.000Z');
    const tags = await withAuditContext({ userId: 'user_1' }, () =>
      withSeedClock(at, () => auditComments()(queryContext)),
    );
    expect(decode(tags.audit ?? '')).toEqual({ u: 'user_1', at: '2022-06-01T12:00:00.000Z' });
  });

  it('stops commenting once the context has ended', async () => {
    const plugin = auditComments();
    await withAuditContext({ userId: 'user_1' }, () => plugin(queryContext));
    expect(plugin(queryContext)).toEqual({});
  });
});
