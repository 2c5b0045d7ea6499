import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { canonicalEntry, canonicalJson, leafHash, sqlClientFor } from '../src/index.ts';
import { readEntries } from '../src/store.ts';

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
    } finally {
      await sql.close();
    }
  });
});
