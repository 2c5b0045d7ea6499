import { Decimal } from '@prisma/client/runtime/client';
import { describe, expect, it } from 'vitest';
import { BINARY_DATA, REDACTED } from '../src/catalog.ts';
import { DEFAULT_SENSITIVE_NAMES, isSensitiveField, normalizeFieldName, redactSensitive } from '../src/redact.ts';

/** `n` objects `{ a: … }` nested around `leaf`: the innermost object is at depth n - 1. */
function nest(n: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < n; i++) value = { a: value };
  return value;
}

describe('normalizeFieldName', () => {
  it.each([
    ['password_hash', 'passwordhash'],
    ['PasswordHash', 'passwordhash'],
    ['password-hash', 'passwordhash'],
    ['PASSWORD_HASH', 'passwordhash'],
    ['__api--key__', 'apikey'],
  ])('normalizes %s to %s (lower case, every _ and - removed)', (name, normalized) => {
    expect(normalizeFieldName(name)).toBe(normalized);
  });
});

describe('isSensitiveField: the default names', () => {
  /** The names the issue requires, as a developer writes them. */
  const camelCase = [
    'password',
    'passwordHash',
    'mfaSecret',
    'totpSecret',
    'apiKey',
    'token',
    'accessToken',
    'refreshToken',
    'secret',
    'clientSecret',
    'privateKey',
  ];

  it('lists normalized names without duplicates, including every name the issue requires', () => {
    for (const name of DEFAULT_SENSITIVE_NAMES) expect(normalizeFieldName(name)).toBe(name);
    expect(new Set(DEFAULT_SENSITIVE_NAMES).size).toBe(DEFAULT_SENSITIVE_NAMES.length);
    expect([...DEFAULT_SENSITIVE_NAMES]).toEqual(expect.arrayContaining(camelCase.map((name) => name.toLowerCase())));
  });

  it.each(['passphrase', 'secretKey', 'encryptionKey', 'signingKey'])('treats %s as secret too', (name) => {
    expect(isSensitiveField(name)).toBe(true);
  });

  it.each(camelCase)('treats camelCase %s as secret', (name) => {
    expect(isSensitiveField(name)).toBe(true);
  });

  it.each(['password_hash', 'client_secret', 'private_key', 'api_key', 'mfa_secret', 'totp_secret', 'access_token', 'refresh_token'])(
    'treats snake_case %s as secret',
    (name) => {
      expect(isSensitiveField(name)).toBe(true);
    },
  );

  it.each(['PASSWORD', 'PASSWORD_HASH', 'MFA_SECRET', 'API_KEY', 'TOKEN', 'ACCESS_TOKEN', 'CLIENT_SECRET', 'PRIVATE_KEY', 'SECRET'])(
    'treats UPPER_CASE %s as secret',
    (name) => {
      expect(isSensitiveField(name)).toBe(true);
    },
  );

  it.each(['password-hash', 'api-key', 'client-secret', 'private-key', 'access-token', 'refresh-token', 'totp-secret'])(
    'treats kebab-case %s as secret',
    (name) => {
      expect(isSensitiveField(name)).toBe(true);
    },
  );

  it.each(['PasswordHash', 'ApiKey', 'ClientSecret', 'Token'])('treats PascalCase %s as secret', (name) => {
    expect(isSensitiveField(name)).toBe(true);
  });

  it('removes separators anywhere, not only between words (pass_word, _token_ are secret)', () => {
    expect(isSensitiveField('pass_word')).toBe(true);
    expect(isSensitiveField('_token_')).toBe(true);
    expect(isSensitiveField('a-p-i-k-e-y')).toBe(true);
  });
});

describe('isSensitiveField: names starting or ending with "encrypted"', () => {
  it.each(['encryptedCredentials', 'encrypted_blob', 'ENCRYPTED_PAYLOAD', 'encrypted-notes', 'ssnEncrypted', 'SSN_ENCRYPTED', 'ssn-encrypted', 'encrypted'])(
    'treats %s as secret',
    (name) => {
      expect(isSensitiveField(name)).toBe(true);
    },
  );

  it('does not treat a name with "encrypted" only in the middle as secret', () => {
    expect(isSensitiveField('isEncryptedAtRest')).toBe(false);
    expect(isSensitiveField('notEncryptedYet')).toBe(false);
  });

  it('has no word boundary: flags that end in "encrypted" (isEncrypted, unencrypted) are redacted too', () => {
    expect(isSensitiveField('isEncrypted')).toBe(true);
    expect(isSensitiveField('unencrypted')).toBe(true);
  });

  it('does not match "encryption" itself: encryptionAlgorithm is not secret, encryptionKey is (it ends with a secret name)', () => {
    expect(isSensitiveField('encryption')).toBe(false);
    expect(isSensitiveField('encryptionAlgorithm')).toBe(false);
    expect(isSensitiveField('encryptionKey')).toBe(true);
  });
});

describe('isSensitiveField: names ending with a default name', () => {
  it.each([
    'newPassword',
    'oldPassword',
    'current_password',
    'authToken',
    'sessionToken',
    'csrf-token',
    'webhookSecret',
    'secretKey',
    'apiSecret',
    'stripeApiKey',
    'STRIPE_API_KEY',
    'encryptionKey',
    'jwtSigningKey',
    'userPassphrase',
    'githubAccessToken',
    'oauth_refresh_token',
    'sshPrivateKey',
  ])('treats %s as secret: its normalized form ends with a default name', (name) => {
    expect(isSensitiveField(name)).toBe(true);
  });

  it.each(['passwordPolicy', 'password_reset_at', 'tokenCount', 'secretary', 'secretQuestion', 'apiKeyPrefix', 'keyboard'])(
    'does not treat %s as secret: the default name starts the name instead of ending it',
    (name) => {
      expect(isSensitiveField(name)).toBe(false);
    },
  );
});

describe('isSensitiveField: non-secrets and extra names', () => {
  it.each([
    'tokenCount',
    'token_count',
    'passwordPolicy',
    'passwordUpdatedAt',
    'keyboard',
    'key',
    'description',
    'secretary',
    'apiKeys',
    'apiKeyPrefix',
    'tokens',
    'name',
    'email',
    'passwd',
  ])('does not treat %s as secret: no default name ends it', (name) => {
    expect(isSensitiveField(name)).toBe(false);
  });

  it('only removes _ and -: api.key and "api key" are not secret', () => {
    expect(isSensitiveField('api.key')).toBe(false);
    expect(isSensitiveField('api key')).toBe(false);
  });

  it('treats extra names as secret, normalized on both sides', () => {
    expect(isSensitiveField('ssn', ['ssn'])).toBe(true);
    expect(isSensitiveField('SSN_NUMBER', ['ssnNumber'])).toBe(true);
    expect(isSensitiveField('ssnNumber', ['ssn-number'])).toBe(true);
    expect(isSensitiveField('keyHash', ['keyHash'])).toBe(true);
  });

  it('matches extra names exactly, without prefix or suffix matching', () => {
    expect(isSensitiveField('ssnLast4', ['ssn'])).toBe(false);
    expect(isSensitiveField('mySsn', ['ssn'])).toBe(false);
  });

  it('does not make an extra name secret without it being passed', () => {
    expect(isSensitiveField('keyHash')).toBe(false);
    expect(isSensitiveField('ssn', ['other'])).toBe(false);
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

  it('redacts the whole value under a sensitive key, even an object or an array', () => {
    expect(redactSensitive({ token: { value: 'abc', expires: 1 }, secret: ['a', 'b'] })).toEqual({ token: REDACTED, secret: REDACTED });
  });

  it('redacts falsy but present values under sensitive keys ("", 0, false)', () => {
    expect(redactSensitive({ password: '', token: 0, secret: false })).toEqual({ password: REDACTED, token: REDACTED, secret: REDACTED });
  });

  it('keeps null under sensitive keys as null, and turns undefined into null', () => {
    expect(redactSensitive({ password: null, mfaSecret: undefined, apiKey: 'k' })).toEqual({ password: null, mfaSecret: null, apiKey: REDACTED });
  });

  it('redacts extra names at any depth', () => {
    expect(redactSensitive({ person: { ssn: '123', name: 'Ann' }, list: [{ SSN: '456' }] }, ['ssn'])).toEqual({
      person: { ssn: REDACTED, name: 'Ann' },
      list: [{ SSN: REDACTED }],
    });
  });

  it('redacts keys starting or ending with "encrypted" inside values', () => {
    expect(redactSensitive({ vault: { encryptedBlob: 'x', ssn_encrypted: 'y', note: 'z' } })).toEqual({
      vault: { encryptedBlob: REDACTED, ssn_encrypted: REDACTED, note: 'z' },
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
    ).toEqual({ buffer: BINARY_DATA, bytes: BINARY_DATA, ints: BINARY_DATA, view: BINARY_DATA, raw: BINARY_DATA, nested: [{ file: BINARY_DATA }] });
    expect(redactSensitive(Buffer.from('top level'))).toBe(BINARY_DATA);
  });

  it('shows binary values under a sensitive key as "[BINARY DATA]", as the triggers do, not "[REDACTED]"', () => {
    expect(
      redactSensitive({
        encryptedCredentials: Buffer.from('x'),
        privateKey: new Uint8Array(1),
        signingKey: new ArrayBuffer(2),
        nested: { apiKey: new DataView(new ArrayBuffer(1)), password: 'p' },
      }),
    ).toEqual({
      encryptedCredentials: BINARY_DATA,
      privateKey: BINARY_DATA,
      signingKey: BINARY_DATA,
      nested: { apiKey: BINARY_DATA, password: REDACTED },
    });
  });

  it('turns dates into ISO 8601 strings in UTC, and invalid dates into null', () => {
    expect(redactSensitive({ at: new Date(Date.UTC(2024, 1, 29, 13, 5, 9, 7)), list: [new Date(0)], bad: new Date(Number.NaN) })).toEqual({
      at: '2024-02-29T13:05:09.007Z',
      list: ['1970-01-01T00:00:00.000Z'],
      bad: null,
    });
  });

  it('turns big integers into their exact decimal strings, at any depth', () => {
    expect(redactSensitive(2n ** 64n + 1n)).toBe('18446744073709551617');
    expect(redactSensitive({ diskBytes: 9007199254740993n, list: [-1n] })).toEqual({ diskBytes: '9007199254740993', list: ['-1'] });
  });

  it("turns Prisma's Decimal into its exact string, beyond a double's precision", () => {
    expect(redactSensitive(new Decimal('12345678901234567890.123456789'))).toBe('12345678901234567890.123456789');
    expect(redactSensitive({ total: new Decimal('1234.5'), lines: [new Decimal('-0.01')] })).toEqual({ total: '1234.5', lines: ['-0.01'] });
  });

  it('leaves an object that merely has d and toFixed keys as an object: only a real Decimal is a decimal', () => {
    expect(redactSensitive({ d: 2, toFixed: 1, n: 'x' })).toEqual({ d: 2, toFixed: 1, n: 'x' });
    expect(redactSensitive({ price: { d: [1], toFixed: 'no', s: 1 } })).toEqual({ price: { d: [1], toFixed: 'no', s: 1 } });
  });

  it("uses Decimal's own toString, which drops trailing zeros of the scale (12.30 → \"12.3\")", () => {
    expect(redactSensitive(new Decimal('12.30'))).toBe('12.3');
  });

  it('returns primitives as they are, and null for null or undefined', () => {
    expect(redactSensitive('text')).toBe('text');
    expect(redactSensitive(42)).toBe(42);
    expect(redactSensitive(true)).toBe(true);
    expect(redactSensitive(null)).toBeNull();
    expect(redactSensitive(undefined)).toBeNull();
  });

  it('keeps 33 levels of nesting and replaces deeper objects with "[TOO DEEP]"', () => {
    expect(redactSensitive(nest(33, { password: 'x' }))).toEqual(nest(33, '[TOO DEEP]'));
    expect(redactSensitive(nest(33, 'leaf'))).toEqual(nest(33, 'leaf'));
    expect(redactSensitive(nest(32, { password: 'x' }))).toEqual(nest(32, { password: REDACTED }));
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
      list: [{ password: REDACTED, at: '1970-01-01T00:00:00.000Z', buffer: BINARY_DATA, big: '5' }, { token: REDACTED }],
    });
    expect(input.inner).toBe(inner);
    expect(inner).toEqual({ password: 'hunter2', at, buffer, big: 5n });
    expect(inner.at).toBe(at);
    expect(inner.buffer).toBe(buffer);
    expect(list).toEqual([inner, { token: 't' }]);
    expect(output).not.toBe(input);
  });
});
