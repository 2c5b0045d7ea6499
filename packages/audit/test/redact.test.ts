import { createHash } from 'node:crypto';
import { Decimal } from '@prisma/client/runtime/client';
import { describe, expect, it } from 'vitest';
import { BINARY_DATA, REDACTED } from '../src/catalog.ts';
import {
  canonicalName,
  capJson,
  capText,
  isSensitiveField,
  jsonbText,
  redactSensitive,
  redactValue,
  scrubSecrets,
} from '../src/redact.ts';
import {
  MAX_DEPTH,
  MAX_VALUE_BYTES,
  nameStemSource,
  SECRET_TERMS,
  SHORT_SECRET_TERMS,
  TOO_DEEP,
  TRUNCATED_PATTERN,
  TRUNCATED_PREFIX_BYTES,
} from '../src/secret-rule.ts';
import { PLAIN_NAMES, SECRET_NAMES } from '../src/testing/secret-corpus.ts';

/** `n` objects `{ a: … }` nested around `leaf`: the innermost object is at depth n - 1. */
function nest(n: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < n; i++) value = { a: value };
  return value;
}

const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

/** Every way a developer spells a name made of `words`. */
function spellings(words: readonly string[]): string[] {
  const [first = '', ...rest] = words;
  return [
    first + rest.map(capitalize).join(''),
    words.map(capitalize).join(''),
    words.join('_'),
    words.join('_').toUpperCase(),
    words.join('-'),
    words.join('.'),
    words.join(' '),
    words.join(''),
    `__${words.join('_')}__`,
  ];
}

const stems = new RegExp(nameStemSource());

describe('canonicalName', () => {
  it.each([
    ['password_hash', 'password_hash'],
    ['PasswordHash', 'password_hash'],
    ['password-hash', 'password_hash'],
    ['password.hash', 'password_hash'],
    ['Password Hash', 'password_hash'],
    ['PASSWORD_HASH', 'password_hash'],
    ['__api--key__', 'api_key'],
    ['APIKey', 'api_key'],
    ['sessionID', 'session_id'],
    ['HTTPSProxyURL', 'https_proxy_url'],
    ['sha256Key', 'sha256_key'],
    ['cvv2', 'cvv2'],
    ['pass wörd', 'pass_w_rd'],
    ['ключ', ''],
  ])('splits %j into the words %j', (name, canonical) => {
    expect(canonicalName(name)).toBe(canonical);
  });
});

describe('isSensitiveField: every name of the issue and the earlier defaults', () => {
  it.each(SECRET_NAMES)('treats %j as secret', (name) => {
    expect(isSensitiveField(name)).toBe(true);
  });

  it.each(SECRET_NAMES)(
    'finds a secret word in %j before canonicalizing it (the SQL prefilter never skips it)',
    (name) => {
      expect(stems.test(name)).toBe(true);
      expect(stems.test(JSON.stringify({ [name]: 1 }))).toBe(true);
    },
  );
});

describe('isSensitiveField: names that only look like secrets', () => {
  it.each(PLAIN_NAMES)('does not treat %j as secret', (name) => {
    expect(isSensitiveField(name)).toBe(false);
  });
});

describe('isSensitiveField: secret terms in every spelling', () => {
  const long = SECRET_TERMS.flatMap((term) => spellings(term.split('_')).map((name) => [term, name] as const));
  it.each(long)('%s: %j is secret', (_term, name) => {
    expect(isSensitiveField(name)).toBe(true);
    expect(stems.test(name)).toBe(true);
  });

  const short = SHORT_SECRET_TERMS.flatMap((term) => spellings(term.split('_')).map((name) => [term, name] as const));
  it.each(short)('%s: %j is secret', (_term, name) => {
    expect(isSensitiveField(name)).toBe(true);
    expect(stems.test(name)).toBe(true);
  });

  it.each(SECRET_TERMS)('%s ends a longer name as a word, glued, or in the plural', (term) => {
    const words = term.split('_');
    for (const name of [
      `user${words.map(capitalize).join('')}`,
      `user_${term}`,
      `user${words.join('')}`,
      `${words.join('_')}s`,
      `user${words.map(capitalize).join('')}2`,
      `${term}_hash`,
    ]) {
      expect(isSensitiveField(name), name).toBe(true);
    }
  });

  it.each(SECRET_TERMS)('%s does not make a name secret when another word follows it', (term) => {
    expect(isSensitiveField(`${term}_count`)).toBe(false);
    expect(isSensitiveField(`${term.split('_').join('')}Enabled`)).toBe(false);
  });

  it.each(SHORT_SECRET_TERMS)(
    '%s counts as a whole last word only: not glued to a word, not followed by one, not plural',
    (term) => {
      const glued = term.split('_').join('');
      expect(isSensitiveField(`user_${term}`)).toBe(true);
      // pass_word glued is "password", a secret term of its own.
      const gluedIsLongTerm = SECRET_TERMS.some((long) => glued.endsWith(long.split('_').join('')));
      expect(isSensitiveField(`x${glued}`)).toBe(gluedIsLongTerm);
      expect(isSensitiveField(`${term}_enabled`)).toBe(false);
      expect(isSensitiveField(`${term}_list`)).toBe(false);
    },
  );
});

describe('isSensitiveField: decisions worth a test of their own', () => {
  it('treats a boolean flag about a secret (otpEnabled, pinEnabled) as not secret: the last word is not a secret word', () => {
    expect(isSensitiveField('otpEnabled')).toBe(false);
    expect(isSensitiveField('mfaEnabled')).toBe(false);
    expect(isSensitiveField('otpSecret')).toBe(true);
  });

  it('keeps the earlier rule for "encrypted": a name starting or ending with it is secret (isEncrypted too), not one with it inside', () => {
    expect(isSensitiveField('encryptedAt')).toBe(true);
    expect(isSensitiveField('isEncrypted')).toBe(true);
    expect(isSensitiveField('notEncryptedYet')).toBe(false);
  });

  it('does not treat pins (pinned items) or passes (boarding passes) as secret, but tokens and apiKeys are', () => {
    expect(isSensitiveField('pins')).toBe(false);
    expect(isSensitiveField('passes')).toBe(false);
    expect(isSensitiveField('tokens')).toBe(true);
    expect(isSensitiveField('apiKeys')).toBe(true);
  });
});

describe('isSensitiveField: the config’s extra names', () => {
  it('treats extra names as secret in any spelling', () => {
    expect(isSensitiveField('nationalId', ['nationalId'])).toBe(true);
    expect(isSensitiveField('NATIONAL_ID', ['nationalId'])).toBe(true);
    expect(isSensitiveField('national-id', ['national_id'])).toBe(true);
    expect(isSensitiveField('nationalid', ['nationalId'])).toBe(true);
  });

  it('matches extra names as whole names, without prefix, suffix or plural', () => {
    expect(isSensitiveField('nationalIdCountry', ['nationalId'])).toBe(false);
    expect(isSensitiveField('myNationalId', ['nationalId'])).toBe(false);
    expect(isSensitiveField('nationalIds', ['nationalId'])).toBe(false);
  });

  it('does not make an extra name secret without it being passed', () => {
    expect(isSensitiveField('nationalId')).toBe(false);
    expect(isSensitiveField('nationalId', ['other'])).toBe(false);
  });

  it('finds an extra name with the prefilter built from the same list', () => {
    expect(new RegExp(nameStemSource(['nationalId'])).test('NATIONAL_ID')).toBe(true);
  });

  it('ignores extra names that have no letter or digit', () => {
    expect(isSensitiveField('name', ['--'])).toBe(false);
  });
});

describe('redactSensitive', () => {
  it('redacts sensitive keys in nested objects and arrays at any depth', () => {
    const input = {
      name: 'Acme',
      settings: {
        smtp: { host: 'mail.example.com', password: 'hunter2' },
        webhooks: [
          { url: 'https://a.example', secret: 's1' },
          { url: 'https://b.example', headers: [{ API_KEY: 'k1', accept: 'json' }] },
        ],
      },
      matrix: [[{ access_token: 't' }]],
    };
    expect(redactSensitive(input)).toEqual({
      name: 'Acme',
      settings: {
        smtp: { host: 'mail.example.com', password: REDACTED },
        webhooks: [
          { url: 'https://a.example', secret: REDACTED },
          { url: 'https://b.example', headers: [{ API_KEY: REDACTED, accept: 'json' }] },
        ],
      },
      matrix: [[{ access_token: REDACTED }]],
    });
  });

  it('redacts the secrets inside every string, whatever the key', () => {
    expect(
      redactSensitive({
        note: 'card 4111 1111 1111 1111',
        list: ['Authorization: Bearer abc123def'],
        url: 'postgres://u:pw@h/db',
      }),
    ).toEqual({
      note: `card ${REDACTED}`,
      list: [`Authorization: Bearer ${REDACTED}`],
      url: `postgres://u:${REDACTED}@h/db`,
    });
    expect(redactSensitive('AKIAIOSFODNN7EXAMPLE')).toBe(REDACTED);
  });

  it('redacts the whole value under a sensitive key, even an object or an array', () => {
    expect(
      redactSensitive({ token: { value: 'abc', expires: 1 }, secrets: ['a', 'b'], credentials: { user: 'u' } }),
    ).toEqual({
      token: REDACTED,
      secrets: REDACTED,
      credentials: REDACTED,
    });
  });

  it('redacts falsy but present values under sensitive keys ("", 0, false)', () => {
    expect(redactSensitive({ password: '', pin: 0, secret: false })).toEqual({
      password: REDACTED,
      pin: REDACTED,
      secret: REDACTED,
    });
  });

  it('keeps null under sensitive keys as null, and turns undefined into null', () => {
    expect(redactSensitive({ password: null, mfaSecret: undefined, apiKey: 'k' })).toEqual({
      password: null,
      mfaSecret: null,
      apiKey: REDACTED,
    });
  });

  it('redacts extra names at any depth', () => {
    expect(
      redactSensitive({ person: { nationalId: '123', name: 'Ann' }, list: [{ NATIONAL_ID: '456' }] }, ['nationalId']),
    ).toEqual({
      person: { nationalId: REDACTED, name: 'Ann' },
      list: [{ NATIONAL_ID: REDACTED }],
    });
  });

  it('turns Buffer, Uint8Array, other typed arrays, DataView and ArrayBuffer into "[BINARY DATA]"', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(
      redactSensitive({
        buffer: Buffer.from('hello'),
        bytes,
        ints: new Int32Array([1]),
        view: new DataView(bytes.buffer),
        raw: new ArrayBuffer(4),
        nested: [{ file: Buffer.alloc(1) }],
      }),
    ).toEqual({
      buffer: BINARY_DATA,
      bytes: BINARY_DATA,
      ints: BINARY_DATA,
      view: BINARY_DATA,
      raw: BINARY_DATA,
      nested: [{ file: BINARY_DATA }],
    });
    expect(redactSensitive(Buffer.from('top level'))).toBe(BINARY_DATA);
  });

  it('shows binary values under a sensitive key as "[BINARY DATA]", as the triggers do, not "[REDACTED]"', () => {
    expect(
      redactSensitive({
        encryptedCredentials: Buffer.from('x'),
        privateKey: new Uint8Array(1),
        nested: { password: 'p' },
      }),
    ).toEqual({
      encryptedCredentials: BINARY_DATA,
      privateKey: BINARY_DATA,
      nested: { password: REDACTED },
    });
  });

  it('turns dates into ISO 8601 strings in UTC, and invalid dates into null', () => {
    expect(
      redactSensitive({
        at: new Date(Date.UTC(2024, 1, 29, 13, 5, 9, 7)),
        list: [new Date(0)],
        bad: new Date(Number.NaN),
      }),
    ).toEqual({
      at: '2024-02-29T13:05:09.007Z',
      list: ['1970-01-01T00:00:00.000Z'],
      bad: null,
    });
  });

  it('turns big integers into their exact decimal strings, at any depth', () => {
    expect(redactSensitive(2n ** 64n + 1n)).toBe('18446744073709551617');
    expect(redactSensitive({ diskBytes: 9007199254740993n, list: [-1n] })).toEqual({
      diskBytes: '9007199254740993',
      list: ['-1'],
    });
  });

  it("turns Prisma's Decimal into its exact string, beyond a double's precision", () => {
    expect(redactSensitive(new Decimal('12345678901234567890.123456789'))).toBe('12345678901234567890.123456789');
    expect(redactSensitive({ total: new Decimal('1234.5'), lines: [new Decimal('-0.01')] })).toEqual({
      total: '1234.5',
      lines: ['-0.01'],
    });
  });

  it('leaves an object that merely has d and toFixed keys as an object: only a real Decimal is a decimal', () => {
    expect(redactSensitive({ d: 2, toFixed: 1, n: 'x' })).toEqual({ d: 2, toFixed: 1, n: 'x' });
  });

  it('returns primitives as they are, and null for null or undefined', () => {
    expect(redactSensitive('text')).toBe('text');
    expect(redactSensitive(42)).toBe(42);
    expect(redactSensitive(true)).toBe(true);
    expect(redactSensitive(null)).toBeNull();
    expect(redactSensitive(undefined)).toBeNull();
  });

  it('drops NUL characters and replaces lone surrogates in keys and strings (jsonb refuses them)', () => {
    expect(redactSensitive({ 'a\u0000b': 'c\u0000d\ud800' })).toEqual({ ab: 'cd\ufffd' });
  });

  it(`keeps ${MAX_DEPTH + 1} levels of nesting and replaces deeper objects and arrays with "${TOO_DEEP}"`, () => {
    expect(redactSensitive(nest(33, { password: 'x' }))).toEqual(nest(33, TOO_DEEP));
    expect(redactSensitive(nest(33, ['x']))).toEqual(nest(33, TOO_DEEP));
    expect(redactSensitive(nest(33, 'leaf'))).toEqual(nest(33, 'leaf'));
    expect(redactSensitive(nest(32, { password: 'x' }))).toEqual(nest(32, { password: REDACTED }));
  });

  it('returns a marker for a value nested 600 levels deep with a secret word inside, instead of failing', () => {
    expect(redactSensitive(nest(600, { password: 'x' }))).toEqual(nest(33, TOO_DEEP));
  });

  it('does not mutate its input', () => {
    const at = new Date(0);
    const buffer = Buffer.from('bytes');
    const inner = { password: 'hunter2', at, buffer, big: 5n };
    const list = [inner, { token: 't' }];
    const input = { inner, list };
    const output = redactSensitive(input);

    expect(output).toEqual({
      inner: { password: REDACTED, at: '1970-01-01T00:00:00.000Z', buffer: BINARY_DATA, big: '5' },
      list: [
        { password: REDACTED, at: '1970-01-01T00:00:00.000Z', buffer: BINARY_DATA, big: '5' },
        { token: REDACTED },
      ],
    });
    expect(inner).toEqual({ password: 'hunter2', at, buffer, big: 5n });
    expect(list).toEqual([inner, { token: 't' }]);
    expect(output).not.toBe(input);
  });
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The parts of a truncation marker, or fails the test. */
function parseMarker(marker: unknown): { bytes: number; hash: string; prefix: string } {
  const match = typeof marker === 'string' ? TRUNCATED_PATTERN.exec(marker) : null;
  if (!match) throw new Error(`not a truncation marker: ${String(marker).slice(0, 80)}`);
  return { bytes: Number(match[1]), hash: match[2] ?? '', prefix: match[3] ?? '' };
}

describe('capText: values over 8 KiB', () => {
  it(`keeps a text of exactly ${MAX_VALUE_BYTES} bytes and truncates one of ${MAX_VALUE_BYTES + 1}`, () => {
    const fits = 'x'.repeat(MAX_VALUE_BYTES);
    expect(capText(fits)).toBe(fits);
    const marker = capText(`${fits}y`);
    expect(parseMarker(marker)).toEqual({
      bytes: MAX_VALUE_BYTES + 1,
      hash: sha256(`${fits}y`),
      prefix: 'x'.repeat(TRUNCATED_PREFIX_BYTES),
    });
  });

  it('counts UTF-8 bytes, not characters: 4,097 two-byte characters are over the cap', () => {
    expect(capText('é'.repeat(4096))).toBe('é'.repeat(4096));
    expect(parseMarker(capText('é'.repeat(4097))).bytes).toBe(8194);
  });

  it('turns a 1 MB text into a marker under the cap: length, SHA-256 of the whole text, and its start', () => {
    const text = `${'lorem ipsum '.repeat(87_382)}end`;
    const marker = capText(text);
    expect(Buffer.byteLength(marker)).toBeLessThanOrEqual(MAX_VALUE_BYTES);
    const { bytes, hash, prefix } = parseMarker(marker);
    expect(bytes).toBe(Buffer.byteLength(text));
    expect(bytes).toBeGreaterThan(1_000_000);
    expect(hash).toBe(sha256(text));
    expect(text.startsWith(prefix)).toBe(true);
    expect(Buffer.byteLength(prefix)).toBe(TRUNCATED_PREFIX_BYTES);
  });

  it.each([
    ['two-byte', 'é'],
    ['three-byte', '€'],
    ['four-byte', '🎉'],
  ])('never cuts a %s character: the prefix is the longest run of whole characters that fits', (_kind, character) => {
    for (const lead of ['', 'a', 'ab', 'abc']) {
      const text = lead + character.repeat(5000);
      const { prefix } = parseMarker(capText(text));
      const size = Buffer.byteLength(prefix);
      expect(size, lead).toBeLessThanOrEqual(TRUNCATED_PREFIX_BYTES);
      expect(size + Buffer.byteLength(character), lead).toBeGreaterThan(TRUNCATED_PREFIX_BYTES);
      expect(text.startsWith(prefix), lead).toBe(true);
      expect(prefix, lead).not.toContain('\ufffd');
    }
  });

  it('shows a one-character edit of a large text as a different hash', () => {
    const before = 'a'.repeat(20_000);
    const after = `${'a'.repeat(19_999)}b`;
    expect(parseMarker(capText(before)).hash).not.toBe(parseMarker(capText(after)).hash);
  });
});

describe('jsonbText: the text PostgreSQL prints for a jsonb value', () => {
  it.each([
    [{ b: 1, a: 2, aa: 3 }, '{"a": 2, "b": 1, "aa": 3}'],
    [[1, 'x', null, true, { z: [] }], '[1, "x", null, true, {"z": []}]'],
    [{ é: 1, z: 2 }, '{"z": 2, "é": 1}'],
    [
      { big: 1e21, small: 1.5e-7, neg: -2.5e-7, exact: 12.5, int: -0 },
      '{"big": 1000000000000000000000, "int": 0, "neg": -0.00000025, "exact": 12.5, "small": 0.00000015}',
    ],
    ['quote " and \\ and \n', '"quote \\" and \\\\ and \\n"'],
    [{}, '{}'],
  ])('prints %j as %s', (value, text) => {
    expect(jsonbText(value)).toBe(text);
  });
});

describe('capJson and redactValue', () => {
  it('keeps a Json value whose jsonb text fits, and replaces a larger one with the marker of that text', () => {
    const small = { list: ['x'.repeat(100)] };
    expect(capJson(small)).toBe(small);
    const large = { list: Array.from({ length: 2000 }, (_, i) => `item ${i}`) };
    const { bytes, hash, prefix } = parseMarker(capJson(large));
    expect(bytes).toBe(Buffer.byteLength(jsonbText(large)));
    expect(hash).toBe(sha256(jsonbText(large)));
    expect(prefix.startsWith('{"list": ["item 0", "item 1"')).toBe(true);
  });

  it('caps a Json string as a text (without its quotes), and leaves numbers, booleans and null alone', () => {
    expect(parseMarker(capJson('x'.repeat(9000))).prefix.startsWith('xxx')).toBe(true);
    expect(capJson(5)).toBe(5);
    expect(capJson(null)).toBeNull();
  });

  it('redacts before capping, so the hash and the prefix never carry the secret', () => {
    const value = { password: 'hunter2', note: `${'n'.repeat(9000)} Bearer abc123def` };
    const marker = redactValue(value);
    const redacted = { password: REDACTED, note: `${'n'.repeat(9000)} Bearer ${REDACTED}` };
    expect(parseMarker(marker).hash).toBe(sha256(jsonbText(redacted)));
    expect(String(marker)).not.toContain('hunter2');
  });
});

describe('scrubSecrets (for logs)', () => {
  it('redacts keys and values, shows errors with their message, and caps long strings', () => {
    const error = new Error('connect to postgres://app:pw@db/x failed');
    const scrubbed = scrubSecrets({
      err: error,
      req: { headers: { cookie: 'sid=1', authorization: 'Bearer abc123def', 'user-agent': 'curl' } },
      body: 'x'.repeat(20_000),
    }) as { err: { name: string; message: string; stack: string }; req: unknown; body: string };
    expect(scrubbed.err.name).toBe('Error');
    expect(scrubbed.err.message).toBe(`connect to postgres://app:${REDACTED}@db/x failed`);
    expect(scrubbed.err.stack).not.toContain(':pw@');
    expect(scrubbed.req).toEqual({ headers: { cookie: REDACTED, authorization: REDACTED, 'user-agent': 'curl' } });
    expect(parseMarker(scrubbed.body).bytes).toBe(20_000);
  });

  it('stops at 32 levels on a cyclic object instead of recursing forever', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    expect(JSON.stringify(scrubSecrets(loop))).toContain(TOO_DEEP);
  });
});
