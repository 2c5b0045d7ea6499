import { describe, expect, it } from 'vitest';
import { BINARY_DATA, REDACTED } from '../src/catalog.ts';
import { AuditRecordError, MAX_JSON_BYTES, record, recordEntrySchema, redactChanges } from '../src/record.ts';
import type { RawQueryClient, RecordEntryInput } from '../src/record.ts';

const valid = { action: 'failed_login', entityType: 'user', entityId: 'user_1' } as const;

/** Issues of a failed parse as `path: message` lines; [] when the input is valid. */
function issues(input: unknown): string[] {
  const result = recordEntrySchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** `{ b: "xxx…" }` whose JSON is exactly `bytes` bytes long (the JSON around the string is 8 bytes). */
function metadataOfBytes(bytes: number): Record<string, string> {
  return { b: 'x'.repeat(bytes - '{"b":""}'.length) };
}

/** Not a database: a client that fails the test if `record()` sends anything. */
function clientThatMustNotBeQueried() {
  const queries: string[] = [];
  const client: RawQueryClient = {
    $queryRawUnsafe<T>(query: string): PromiseLike<T> {
      queries.push(query);
      throw new Error('record() sent a query for invalid input');
    },
  };
  return { client, queries };
}

/**
 * Not a database: a client that keeps what `record()` sends (the SQL parts and the parameters) and answers with one
 * fixed row, to check the JSON parameters record() builds.
 */
function recordingClient() {
  const calls: { query: string; values: unknown[] }[] = [];
  const client: RawQueryClient = {
    $queryRawUnsafe<T>(query: string, ...values: unknown[]): PromiseLike<T> {
      calls.push({ query, values });
      return Promise.resolve([{ id: 'x', created_at: new Date(0) }] as T);
    },
  };
  return { client, calls };
}

/** The changes and metadata JSON parameters of the one query `record()` sent (the last two parameters). */
function sentJson(calls: { values: unknown[] }[]): { changes: unknown; metadata: unknown } {
  expect(calls).toHaveLength(1);
  const values = calls[0]?.values ?? [];
  expect(values).toHaveLength(6);
  return { changes: values[4], metadata: values[5] };
}

/** A metadata object that contains itself. */
function circularMetadata(): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: 'loop' };
  metadata.self = metadata;
  return metadata;
}

describe('redactChanges', () => {
  it('redacts both sides of a sensitive field', () => {
    expect(
      redactChanges({ password: { before: 'old', after: 'new' }, status: { before: 'OPEN', after: 'CLOSED' } }),
    ).toEqual({
      password: { before: REDACTED, after: REDACTED },
      status: { before: 'OPEN', after: 'CLOSED' },
    });
  });

  it('keeps null sides as null, so setting and clearing a secret still show', () => {
    expect(
      redactChanges({
        mfaSecret: { before: null, after: 'JBSWY3DP' },
        apiKey: { before: 'k', after: null },
        token: { before: null, after: null },
      }),
    ).toEqual({
      mfaSecret: { before: null, after: REDACTED },
      apiKey: { before: REDACTED, after: null },
      token: { before: null, after: null },
    });
  });

  it('turns undefined sides into null, for sensitive and other fields', () => {
    expect(
      redactChanges({ secret: { before: undefined, after: 'x' }, name: { before: 'a', after: undefined } }),
    ).toEqual({
      secret: { before: null, after: REDACTED },
      name: { before: 'a', after: null },
    });
  });

  it("redacts secrets nested inside a non-sensitive field's JSON value", () => {
    expect(
      redactChanges({
        settings: {
          before: { region: 'eu', smtp: { password: 'p1' } },
          after: { region: 'us', smtp: { password: 'p2' }, keys: [{ private_key: 'pk' }] },
        },
      }),
    ).toEqual({
      settings: {
        before: { region: 'eu', smtp: { password: REDACTED } },
        after: { region: 'us', smtp: { password: REDACTED }, keys: [{ private_key: REDACTED }] },
      },
    });
  });

  it('redacts extra sensitive names as fields and inside values', () => {
    expect(
      redactChanges(
        { vaultRef: { before: 'h1', after: 'h2' }, profile: { before: null, after: { nationalId: '123' } } },
        ['vaultRef', 'nationalId'],
      ),
    ).toEqual({
      vaultRef: { before: REDACTED, after: REDACTED },
      profile: { before: null, after: { nationalId: REDACTED } },
    });
    expect(redactChanges({ vaultRef: { before: 'h1', after: 'h2' } })).toEqual({
      vaultRef: { before: 'h1', after: 'h2' },
    });
  });

  it('encodes dates, big integers and binary values like redactSensitive', () => {
    expect(
      redactChanges({
        dueAt: { before: new Date(0), after: null },
        diskBytes: { before: 1n, after: 2n ** 60n },
        attachment: { before: null, after: Buffer.from('x') },
      }),
    ).toEqual({
      dueAt: { before: '1970-01-01T00:00:00.000Z', after: null },
      diskBytes: { before: '1', after: '1152921504606846976' },
      attachment: { before: null, after: BINARY_DATA },
    });
  });

  it('shows a binary value of a sensitive field as "[BINARY DATA]", as the triggers do, and other values as "[REDACTED]"', () => {
    expect(
      redactChanges({
        encryptedCredentials: { before: null, after: Buffer.from('x') },
        privateKey: { before: new Uint8Array(1), after: 'pem' },
      }),
    ).toEqual({
      encryptedCredentials: { before: null, after: BINARY_DATA },
      privateKey: { before: BINARY_DATA, after: REDACTED },
    });
  });

  it('redacts fields whose names end with a default name (newPassword, sessionToken)', () => {
    expect(
      redactChanges({
        newPassword: { before: null, after: 'p' },
        sessionToken: { before: 't1', after: 't2' },
        tokenCount: { before: 1, after: 2 },
      }),
    ).toEqual({
      newPassword: { before: null, after: REDACTED },
      sessionToken: { before: REDACTED, after: REDACTED },
      tokenCount: { before: 1, after: 2 },
    });
  });

  it('does not mutate its input', () => {
    const settings = { before: { token: 't' }, after: { token: 'u' } };
    const changes = { password: { before: 'a', after: 'b' }, settings };
    redactChanges(changes);
    expect(changes).toEqual({
      password: { before: 'a', after: 'b' },
      settings: { before: { token: 't' }, after: { token: 'u' } },
    });
    expect(changes.settings).toBe(settings);
  });
});

describe('recordEntrySchema: action and entity type names', () => {
  it.each(['failed_login', 'login', 'permission_change', 'a', 'x1', 'sync_v2', 'a'.repeat(64)])(
    'accepts the action %s',
    (action) => {
      expect(issues({ ...valid, action })).toEqual([]);
    },
  );

  it.each([
    ['Login', 'upper case'],
    ['drop table', 'a space'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['a'.repeat(65), '65 characters'],
    ['1login', 'a leading digit'],
    ['_login', 'a leading underscore'],
    ['failed-login', 'a hyphen'],
    ["login'--", 'a quote'],
    ['login;', 'a semicolon'],
    ['löschen', 'a non-ASCII letter'],
  ])('rejects the action %j (%s) with a message saying what a name is', (action) => {
    expect(issues({ ...valid, action })).toEqual([
      'action: The action must be lower-case letters, digits and underscores, starting with a letter (e.g. "failed_login")',
    ]);
  });

  it('trims the action and entity type before checking them', () => {
    const result = recordEntrySchema.parse({ ...valid, action: '  failed_login\n', entityType: ' user ' });
    expect(result.action).toBe('failed_login');
    expect(result.entityType).toBe('user');
  });

  it('checks the entity type with the same rule', () => {
    expect(issues({ ...valid, entityType: 'api_key' })).toEqual([]);
    expect(issues({ ...valid, entityType: 'ApiKey' })).toEqual([
      'entityType: The entity type must be lower-case letters, digits and underscores, starting with a letter (e.g. "failed_login")',
    ]);
  });

  it('requires a non-blank entity id of at most 191 characters', () => {
    expect(issues({ ...valid, entityId: '   ' })).toEqual(['entityId: The entity id is required']);
    expect(issues({ ...valid, entityId: 'x'.repeat(191) })).toEqual([]);
    expect(issues({ ...valid, entityId: 'x'.repeat(192) })).toHaveLength(1);
  });

  it('reports every invalid field at once', () => {
    expect(issues({ action: 'Login', entityType: 'User', entityId: '' }).map((issue) => issue.split(':')[0])).toEqual([
      'action',
      'entityType',
      'entityId',
    ]);
  });
});

describe('recordEntrySchema: changes and metadata', () => {
  it('accepts absent and null changes and metadata', () => {
    expect(issues(valid)).toEqual([]);
    expect(issues({ ...valid, changes: null, metadata: null })).toEqual([]);
  });

  it('accepts changes with before and after, and drops other keys of a change', () => {
    const result = recordEntrySchema.parse({
      ...valid,
      changes: { role: { before: 'ADMIN', after: 'OWNER', note: 'x' } },
    });
    expect(result.changes).toEqual({ role: { before: 'ADMIN', after: 'OWNER' } });
  });

  it('requires both before and after in each change', () => {
    expect(issues({ ...valid, changes: { role: { after: 'OWNER' } } })).toHaveLength(1);
    expect(issues({ ...valid, changes: { role: 'OWNER' } })).toHaveLength(1);
  });

  it('rejects empty field names and field names over 128 characters in changes', () => {
    expect(issues({ ...valid, changes: { '': { before: 1, after: 2 } } })).toHaveLength(1);
    expect(issues({ ...valid, changes: { ['f'.repeat(128)]: { before: 1, after: 2 } } })).toEqual([]);
    expect(issues({ ...valid, changes: { ['f'.repeat(129)]: { before: 1, after: 2 } } })).toHaveLength(1);
  });

  it('limits changes and metadata to 64 KB', () => {
    expect(MAX_JSON_BYTES).toBe(64 * 1024);
  });

  it('accepts metadata of exactly 64 KB as JSON and rejects one byte more, with a message naming 64 KB', () => {
    expect(JSON.stringify(metadataOfBytes(MAX_JSON_BYTES))).toHaveLength(MAX_JSON_BYTES);
    expect(issues({ ...valid, metadata: metadataOfBytes(MAX_JSON_BYTES) })).toEqual([]);
    expect(issues({ ...valid, metadata: metadataOfBytes(MAX_JSON_BYTES + 1) })).toEqual([
      'metadata: metadata must be at most 64 KB as JSON',
    ]);
  });

  it('rejects changes above 64 KB as JSON with a message naming 64 KB', () => {
    const changes = { notes: { before: null, after: 'x'.repeat(MAX_JSON_BYTES) } };
    expect(issues({ ...valid, changes })).toEqual(['changes: changes must be at most 64 KB as JSON']);
  });

  it('accepts big integers in metadata and changes instead of throwing', () => {
    expect(issues({ ...valid, metadata: { size: 10n, nested: { list: [2n ** 70n] } } })).toEqual([]);
    expect(issues({ ...valid, changes: { diskBytes: { before: 1n, after: 2n } } })).toEqual([]);
  });

  it('measures big integers as the JSON strings they are stored as', () => {
    // {"b":"xxx…","n":"10"}: the bigint counts with its quotes, 4 bytes.
    const around = '{"b":"","n":"10"}'.length;
    const exact = { b: 'x'.repeat(MAX_JSON_BYTES - around), n: 10n };
    const over = { b: 'x'.repeat(MAX_JSON_BYTES - around + 1), n: 10n };
    expect(issues({ ...valid, metadata: exact })).toEqual([]);
    expect(issues({ ...valid, metadata: over })).toEqual(['metadata: metadata must be at most 64 KB as JSON']);
  });

  it('rejects circular metadata as too large instead of throwing a TypeError', () => {
    expect(issues({ ...valid, metadata: circularMetadata() })).toEqual([
      'metadata: metadata must be at most 64 KB as JSON',
    ]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 32,765 two-byte characters: 32,773 characters of JSON, but 65,538 bytes.
    const metadata = { b: 'é'.repeat(32_765) };
    expect(JSON.stringify(metadata).length).toBeLessThan(MAX_JSON_BYTES);
    expect(issues({ ...valid, metadata })).toEqual(['metadata: metadata must be at most 64 KB as JSON']);
  });
});

describe('record() with invalid input', () => {
  const cases: [string, RecordEntryInput, RegExp][] = [
    [
      'an action with upper case',
      { ...valid, organizationId: 'org_1', action: 'Login' },
      /^action: The action must be lower-case/,
    ],
    ['an action with a space', { ...valid, organizationId: 'org_1', action: 'drop table' }, /^action: /],
    ['an empty entity type', { ...valid, organizationId: 'org_1', entityType: '' }, /^entityType: /],
    [
      'a blank entity id',
      { ...valid, organizationId: 'org_1', entityId: ' ' },
      /^entityId: The entity id is required$/,
    ],
    [
      'metadata above 64 KB',
      { ...valid, organizationId: 'org_1', metadata: metadataOfBytes(MAX_JSON_BYTES + 1) },
      /^metadata: .*64 KB/,
    ],
    [
      'changes above 64 KB',
      { ...valid, organizationId: 'org_1', changes: { notes: { before: null, after: 'x'.repeat(MAX_JSON_BYTES) } } },
      /^changes: .*64 KB/,
    ],
    ['circular metadata', { ...valid, organizationId: 'org_1', metadata: circularMetadata() }, /^metadata: .*64 KB/],
    [
      'an empty organization id',
      { ...valid, organizationId: '' },
      /^organizationId: an entry belongs to an organization \(null in a single-tenant app, tenant: false\)$/,
    ],
    [
      'a whitespace-only organization id',
      { ...valid, organizationId: ' \t\n ' },
      /^organizationId: an entry belongs to an organization \(null in a single-tenant app, tenant: false\)$/,
    ],
  ];

  it.each(cases)('rejects %s with an AuditRecordError before sending any query', async (_what, input, message) => {
    const { client, queries } = clientThatMustNotBeQueried();
    const error: unknown = await record(client, input).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(AuditRecordError);
    expect(error).toBeInstanceOf(Error);
    expect((error as AuditRecordError).name).toBe('AuditRecordError');
    expect((error as AuditRecordError).message).toMatch(message);
    expect(queries).toEqual([]);
  });

  it('joins every issue into one message, separated by "; "', async () => {
    const { client, queries } = clientThatMustNotBeQueried();
    await expect(
      record(client, { organizationId: 'org_1', action: 'Login', entityType: 'User', entityId: 'u' }),
    ).rejects.toThrow(/^action: .+; entityType: .+$/);
    expect(queries).toEqual([]);
  });
});

describe('record() with valid input: what it sends', () => {
  it('sends big integers in metadata as JSON strings, and returns the row it gets back', async () => {
    const { client, calls } = recordingClient();
    const entry = await record(client, { ...valid, organizationId: 'org_1', metadata: { size: 10n } });
    expect(sentJson(calls)).toEqual({ changes: null, metadata: '{"size":"10"}' });
    expect(calls[0]?.values.slice(0, 4)).toEqual(['org_1', 'failed_login', 'user', 'user_1']);
    expect(entry).toEqual({ id: 'x', createdAt: new Date(0) });
  });

  it('redacts the default names in changes and metadata', async () => {
    const { client, calls } = recordingClient();
    await record(client, {
      ...valid,
      organizationId: 'org_1',
      changes: { newPassword: { before: null, after: 'hunter2' } },
      metadata: { ip: '203.0.113.9', auth: { sessionToken: 't' } },
    });
    expect(sentJson(calls)).toEqual({
      changes: JSON.stringify({ newPassword: { before: null, after: REDACTED } }),
      metadata: JSON.stringify({ ip: '203.0.113.9', auth: { sessionToken: REDACTED } }),
    });
  });

  it('redacts the extra names of options.sensitive in changes and metadata, at any depth', async () => {
    const input: RecordEntryInput = {
      ...valid,
      organizationId: 'org_1',
      changes: {
        nationalId: { before: '111', after: '222' },
        profile: { before: null, after: { national_id: '333', name: 'Ann' } },
      },
      metadata: { nationalId: '444', people: [{ NATIONAL_ID: '555' }] },
    };
    const withOption = recordingClient();
    await record(withOption.client, input, { sensitive: ['nationalId'] });
    expect(sentJson(withOption.calls)).toEqual({
      changes: JSON.stringify({
        nationalId: { before: REDACTED, after: REDACTED },
        profile: { before: null, after: { national_id: REDACTED, name: 'Ann' } },
      }),
      metadata: JSON.stringify({ nationalId: REDACTED, people: [{ NATIONAL_ID: REDACTED }] }),
    });

    const without = recordingClient();
    await record(without.client, input);
    expect(sentJson(without.calls).metadata).toBe(
      JSON.stringify({ nationalId: '444', people: [{ NATIONAL_ID: '555' }] }),
    );
  });
});
