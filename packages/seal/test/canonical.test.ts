import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { canonicalEntry, canonicalJson, leafHash, sqlClientFor } from '../src/index.ts';
import { canonicalRow, entryTextOfRow, leafHashOfText, PLAIN_MEMBERS } from '../src/canonical.ts';
import type { CanonicalEntry, EntryRow } from '../src/canonical.ts';
import { readEntries, readEntryRows } from '../src/store.ts';
import { random } from './support.ts';

describe('RFC 8785 canonical JSON', () => {
  it('sorts members by UTF-16 code units and writes numbers in their shortest form (RFC 8785 §3.2.2, §3.2.3)', () => {
    // The RFC's own sorting example: "\u20ac" < "\r" < "1" < "\u0080" < "\ud83d\ude00" < "\u00f6" < "\ufb33" by code units.
    const sorted = canonicalJson({
      '\u20ac': 'Euro',
      '\r': 'CR',
      '\ufb33': 'Hebrew',
      '1': 'One',
      '\ud83d\ude00': 'Emoji',
      '\u0080': 'Control',
      '\u00f6': 'Latin',
    });
    expect(sorted).toBe(
      '{"\\r":"CR","1":"One","\u0080":"Control","\u00f6":"Latin","\u20ac":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
    expect(canonicalJson([1.0, -0, 1e21, 1e-7, 0.1 + 0.2, 333333333.3333333, 2 ** 53 + 2])).toBe(
      '[1,0,1e+21,1e-7,0.30000000000000004,333333333.3333333,9007199254740994]',
    );
    expect(canonicalJson({ b: [true, null, { z: 1, a: 'x' }], a: '\u2028"\\' })).toBe(
      '{"a":"\u2028\\"\\\\","b":[true,null,{"a":"x","z":1}]}',
    );
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/NaN/);
    expect(() => canonicalJson(() => 1)).toThrow(/function/);
  });
});

/** Entries chosen to catch engine differences: times, key order, unicode, numbers, nulls, JSON null vs SQL NULL. */
const FIXTURES = `
INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType", "actorUserId",
  "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", changes, metadata) VALUES
('01900000-0000-7000-8000-000000000001', 'org_c', '2024-06-01T00:00:00.001Z', 'update', 'ticket', 't1', 'USER', 'u1',
  'Zoë Ñúñez 😀', 'zoe@example.test', '2001:db8::1', 'Mozilla/5.0 "quoted"', 'r1',
  '{"z": {"before": 1.0, "after": 1e2}, "a": {"before": "line\\nbreak", "after": null}, "ü": {"before": [3, 2, 1], "after": {"b": 2, "a": 1}}}',
  '{"nested": {"deep": {"x": -0.5}}, "big": 12345678901234567890, "tiny": 1e-7}'),
('01900000-0000-7000-8000-000000000002', 'org_c', '2024-06-01T23:59:59.999+02:00', 'login', 'user', 'u1', 'SYSTEM', NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, 'null'),
('01900000-0000-7000-8000-000000000003', 'org_c', '1999-12-31T23:59:59Z', 'delete', 'invoice', 'inv-1', 'UNATTRIBUTED', NULL,
  '', '', '127.0.0.1', '', '', '{}', '[]')`;

/** Computed once; the same on PGlite and PostgreSQL. A change here is a new canonical format, not a fix. */
const GOLDEN: Record<string, string> = {
  '01900000-0000-7000-8000-000000000001': '09ce019e5878161251f8f51a25186b67d01c53f4f3e6b94dbf874f36a4490cef',
  '01900000-0000-7000-8000-000000000002': '39d271bb8d0310b6a102a8e66d479331eb20fef7f5d0723cacfdf9daf419afe5',
  '01900000-0000-7000-8000-000000000003': '8ad88ce62ab32ec46b2daeb357ac3b69c9aa5a172836e56ea7bb10137e462934',
};

/**
 * The row the verifier reads for `entry`, built by JSON.stringify (what the database's array must equal): its Json
 * members written as `json` writes them (jsonb spaces them and orders keys its own way).
 */
function rowOf(entry: CanonicalEntry, json: (value: unknown) => string): EntryRow {
  const jsonOrNull = (value: unknown) => (value === null || value === undefined ? null : json(value));
  const plain = JSON.stringify(PLAIN_MEMBERS.map((name) => entry[name] ?? null));
  return [plain, jsonOrNull(entry.changes), jsonOrNull(entry.metadata)];
}

/** A random entry: strings with escapes, controls, lone and paired surrogates; nested JSON with awkward numbers. */
function randomEntry(next: () => number): CanonicalEntry {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const chars = [
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\n',
    '\t',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    'ß',
    '€',
    '\u2028',
    '😀',
    '\ud800',
    '\udfff',
    'דּ',
  ];
  const text = () => Array.from({ length: Math.floor(next() * 12) }, () => pick(chars)).join('');
  const maybe = () => (next() < 0.2 ? null : text());
  const numbers = [0, -0, 1, -1, 0.5, 1e21, 1e-7, 2 ** 53 + 2, 333333333.3333333, 0.1 + 0.2, -1.5e300, 123456789012];
  const json = (depth: number): unknown => {
    const kind = next();
    if (depth > 2 || kind < 0.3) return pick([null, true, false, text(), pick(numbers)]);
    if (kind < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => json(depth + 1));
    // Keys an engine's object model treats apart: array indexes (enumerated first, numerically) and __proto__.
    const key = () => (next() < 0.15 ? pick(['0', '9', '10', '4294967295', '01', '__proto__', 'constructor']) : text());
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () => [key(), json(depth + 1)]));
  };
  return {
    id: text(),
    organizationId: text(),
    createdAt: text(),
    action: text(),
    entityType: text(),
    entityId: text(),
    actorType: text(),
    actorUserId: maybe(),
    actorName: maybe(),
    actorEmail: maybe(),
    ipAddress: maybe(),
    userAgent: maybe(),
    requestId: maybe(),
    changes: next() < 0.2 ? null : json(0),
    metadata: next() < 0.2 ? null : json(0),
  };
}

describe("the verifier's canonical form from raw rows", () => {
  it('writes the same bytes as canonicalEntry for 20,000 random entries (seeded)', () => {
    const seed = 20261202;
    const next = random(seed);
    for (let n = 0; n < 20_000; n++) {
      const entry = randomEntry(next);
      const spaced = (value: unknown) => JSON.stringify(value, null, n % 3);
      const canonical = canonicalEntry(entry);
      const row = rowOf(entry, spaced);
      const fromRow = canonicalRow(row);
      // The id as the database writes it (escaped): a real id (a UUID) has nothing to escape.
      if (entryTextOfRow(row).id !== JSON.stringify(entry.id).slice(1, -1))
        expect.fail(`entry ${n} of seed ${seed}: the id read back is not ${entry.id}`);
      if (fromRow !== canonical)
        expect.fail(`entry ${n} of seed ${seed} differs:\n${JSON.stringify(entry)}\n${canonical}\n${fromRow}`);
    }
  });
});

describe("the verifier's reading of the members array", () => {
  const members = (values: (string | null)[]) => JSON.stringify(values);
  const thirteen = PLAIN_MEMBERS.map((name) => `${name} "\\`);

  it('finds every element, escaped quotes and backslash runs included', () => {
    const values = thirteen.map((value, i) => (i % 4 === 3 ? null : `${value}${'\\'.repeat(i % 3)}"`));
    const text = entryTextOfRow([members(values), null, null]).canonical;
    expect(JSON.parse(text)).toMatchObject(Object.fromEntries(PLAIN_MEMBERS.map((name, i) => [name, values[i]])));
  });

  it('refuses an array that is not thirteen strings or nulls, rather than hash something else', () => {
    const read = (array: string) => () => entryTextOfRow([array, null, null]);
    expect(read(members(thirteen.slice(1)))).toThrow(/does not read/);
    expect(read(members([...thirteen, 'x']))).toThrow(/does not read/);
    expect(read(members([...thirteen.slice(1), '1']).replace('"1"', '1'))).toThrow(/does not read/);
    expect(read(`${members(thirteen)} `)).toThrow(/does not read/);
    expect(read(`{${members(thirteen).slice(1)}`)).toThrow(/at character 0/);
    // The message says where, never what: an entry's values stay out of logs.
    expect(read(members([...thirteen, 'secret@example.test']))).not.toThrow(/secret@example/);
    expect(read(members(thirteen).replace('","', '", "'))).toThrow(/does not read/);
  });
});

describe.each(testEngines)('canonical entries on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('gives the same bytes as every other engine for the same rows (golden digests)', async () => {
    const sql = sqlClientFor(db());
    try {
      await sql.query(FIXTURES);
      const entries = await readEntries(sql, 'org_c', { after: null, before: null, limit: 10 });
      const digests = Object.fromEntries(
        entries.map((entry) => [entry.id, createHash('sha256').update(canonicalEntry(entry)).digest('hex')]),
      );
      expect(digests).toEqual(GOLDEN);
      expect(entries.map((entry) => entry.createdAt)).toEqual([
        '1999-12-31T23:59:59.000000Z',
        '2024-06-01T00:00:00.001000Z',
        '2024-06-01T21:59:59.999000Z',
      ]);
      expect(leafHash(entries[0] as (typeof entries)[0])).toHaveLength(32);
      // The verifier's path: raw column text, canonicalized without an object per entry.
      const rows = await readEntryRows(sql, 'org_c', { after: null, before: null, limit: 10 });
      expect(
        Object.fromEntries(
          rows.map((row, i) => [entries[i]?.id, createHash('sha256').update(canonicalRow(row)).digest('hex')]),
        ),
      ).toEqual(GOLDEN);
      expect(rows.map((row) => leafHashOfText(canonicalRow(row)))).toEqual(entries.map(leafHash));
      expect(rows.map(entryTextOfRow).map(({ id, createdAt }) => ({ id, createdAt }))).toEqual(
        entries.map(({ id, createdAt }) => ({ id, createdAt })),
      );
    } finally {
      await sql.close();
    }
  });

  it('writes the plain members as JSON.stringify does, for 2,000 random entries of awkward text (seeded)', async () => {
    // Every character class the database's JSON escaping treats apart: quotes, backslashes, each control (NUL and
    // lone surrogates cannot be stored in PostgreSQL text), DEL, U+2028, non-ASCII and astral characters.
    const chars = [
      'a',
      '"',
      '\\',
      '/',
      "'",
      '\u0001',
      '\b',
      '\t',
      '\n',
      '\f',
      '\r',
      '\u001f',
      '\u007f',
      'é',
      '€',
      '\u2028',
      '😀',
      'דּ',
    ];
    const next = random(20261203);
    const text = () =>
      Array.from({ length: Math.floor(next() * 10) }, () => chars[Math.floor(next() * chars.length)]).join('');
    const maybe = () => (next() < 0.25 ? null : text());
    const columns = [
      'action',
      'entityType',
      'entityId',
      'actorUserId',
      'actorName',
      'actorEmail',
      'ipAddress',
      'userAgent',
      'requestId',
    ] as const;
    const values = Array.from({ length: 2_000 }, () => columns.map((column, i) => (i < 3 ? text() : maybe())));
    const sql = sqlClientFor(db());
    try {
      await sql.query(
        `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", "actorType", ${columns.map((c) => `"${c}"`).join(', ')})
         SELECT auditlog.next_id(t.at), $1, t.at, 'USER', ${columns.map((_, i) => `v[${i + 1}]`).join(', ')}
         FROM (SELECT v, n FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(j, n),
               LATERAL (SELECT array(SELECT jsonb_array_elements_text(j)) AS v) a) r,
              LATERAL (SELECT timestamptz '2024-06-01T00:00:00Z' + make_interval(secs => r.n / 1000.0) AS at) t`,
        ['org "ü\\\n', JSON.stringify(values)],
      );
      const entries = await readEntries(sql, 'org "ü\\\n', { after: null, before: null, limit: 5_000 });
      const rows = await readEntryRows(sql, 'org "ü\\\n', { after: null, before: null, limit: 5_000 });
      expect(rows).toHaveLength(2_000);
      rows.forEach((row, i) => {
        const entry = entries[i] as CanonicalEntry;
        if (canonicalRow(row) !== canonicalEntry(entry))
          expect.fail(`entry ${i} differs:\n${JSON.stringify(entry)}\n${canonicalEntry(entry)}\n${canonicalRow(row)}`);
      });
    } finally {
      await sql.close();
    }
  });
});
