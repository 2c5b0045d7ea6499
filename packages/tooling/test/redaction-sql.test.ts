import { describe, expect, it } from 'vitest';
import {
  auditJsonSql,
  auditTextSql,
  fingerprintSql,
  redactionSql,
  schemaIdent,
  sensitiveNameSql,
  sqlString,
} from '../src/capture/redaction-sql.ts';
import { sensitiveNameSource } from '@auditlog/audit/secret-rule';

const sql = redactionSql({ schema: 'auditlog', sensitive: ['nationalId'] });

/** Each `CREATE OR REPLACE FUNCTION … $redact$;` statement. */
const functions = [...sql.matchAll(/CREATE OR REPLACE FUNCTION ([^(]+)\(([^)]*)\)[\s\S]*?\$redact\$;/g)];
const functionNames = functions.map((match) => (match[1] ?? '').replace('"auditlog".', ''));

/**
 * Every single-quoted literal (with an optional E prefix), outside the comment lines: `''` inside is a quote, as
 * both literal kinds allow.
 */
const code = sql.replace(/^ *--.*$/gm, '');
const literals = [...code.matchAll(/(E?)'((?:[^']|'')*)'/g)].map((match) => ({
  escaped: match[1] === 'E',
  body: match[2] ?? '',
}));

describe('redactionSql', () => {
  it('creates the functions the capture SQL calls, each in the schema', () => {
    expect(functionNames).toEqual(
      expect.arrayContaining([
        'redact_text',
        'cap_text',
        'audit_text',
        'redact_json',
        'cap_json',
        'audit_json',
        'fingerprint',
      ]),
    );
    for (const match of functions) expect(match[1], match[0].slice(0, 80)).toMatch(/^"auditlog"\.[a-z_]+ ?$/);
  });

  it.each(functions.map((match) => [match[1] ?? '', match[0]] as const))(
    '%s pins search_path with pg_temp last',
    (_name, text) => {
      expect(text).toContain('SET search_path = pg_catalog, pg_temp\n');
    },
  );

  it.each(functions.map((match) => [match[1] ?? '', match[0]] as const))(
    '%s is marked IMMUTABLE or STABLE, STRICT and PARALLEL SAFE',
    (name, text) => {
      expect(text).toMatch(
        name.includes('fingerprint') ? /STABLE STRICT PARALLEL SAFE/ : /IMMUTABLE STRICT PARALLEL SAFE/,
      );
    },
  );

  it('calls its own functions only schema-qualified', () => {
    for (const name of functionNames) {
      const calls = [...sql.matchAll(new RegExp(`(.{0,11})\\b${name}\\(`, 'g'))];
      expect(calls.length, name).toBeGreaterThan(0);
      for (const call of calls) expect(call[1], `${name}: ${call[0]}`).toMatch(/"auditlog"\.$|FUNCTION "auditlog"\.$/);
    }
  });

  it('writes every literal with a backslash as an E literal (its meaning cannot depend on standard_conforming_strings)', () => {
    const withBackslash = literals.filter(({ body }) => body.includes('\\'));
    expect(withBackslash.length).toBeGreaterThan(5);
    for (const literal of withBackslash) expect(literal.escaped, literal.body.slice(0, 60)).toBe(true);
  });

  it('can be re-run: functions are replaced, the schema, table and key are kept', () => {
    expect(sql).toContain('CREATE SCHEMA IF NOT EXISTS "auditlog";');
    expect(sql).toContain('CREATE TABLE IF NOT EXISTS "auditlog".fingerprint_key');
    expect(sql).toContain('ON CONFLICT (singleton) DO NOTHING');
    expect(sql).not.toMatch(/DROP |TRUNCATE |DELETE /);
  });

  it('takes fingerprint() and the key away from PUBLIC', () => {
    expect(sql).toContain('REVOKE EXECUTE ON FUNCTION "auditlog".fingerprint(text, text) FROM PUBLIC;');
    expect(sql).toContain('REVOKE ALL ON TABLE "auditlog".fingerprint_key FROM PUBLIC;');
  });

  it("puts the config's extra names into the name rule", () => {
    expect(sql).toContain(sqlString(sensitiveNameSource(['nationalId'])));
    expect(redactionSql({ schema: 'auditlog' })).not.toContain('national');
  });

  it('refuses a schema name that is not a plain identifier', () => {
    for (const schema of ['Audit', 'audit"; DROP TABLE x; --', '', '1audit', 'audit log']) {
      expect(() => redactionSql({ schema }), schema).toThrow(/lower-case SQL identifier/);
    }
    expect(schemaIdent('audit_log2')).toBe('"audit_log2"');
  });
});

describe('the fragments for the capture generator', () => {
  it('tests a key with the cheap stem test before the canonical rule', () => {
    const fragment = sensitiveNameSql('e.key');
    expect(fragment.indexOf('e.key ~')).toBe(1);
    expect(fragment).toContain('btrim(regexp_replace(translate(regexp_replace(e.key');
  });

  it('calls audit_text only when the prefilter matches or the value is over the cap', () => {
    const expression = auditTextSql('auditlog', 'n."description"');
    expect(expression).toMatch(
      /^CASE WHEN \(CASE WHEN octet_length\(n\."description"\) <= 256 THEN .+ ELSE .+ END\) OR octet_length\(n\."description"\) > 8192 THEN "auditlog"\.audit_text\(n\."description"\) ELSE n\."description" END$/,
    );
    // A short text: plain substrings with strpos, expressions only where none stands for them or behind one.
    const [, short = '', long = ''] = /THEN (.+) ELSE (.+) END\) OR/.exec(expression) ?? [];
    expect(short).toContain(`strpos(n."description", 'Bearer') > 0`);
    expect(short).toMatch(
      /\(\(strpos\(n\."description", '='\) > 0 OR strpos\(n\."description", '"'\) > 0\) AND n\."description" ~ /,
    );
    // A long one: one expression, and the name= words behind a single character.
    expect(long).not.toContain(`strpos(n."description", 'Bearer')`);
    expect(long.match(/ ~ /g)).toHaveLength(2);
    expect(auditJsonSql('auditlog', 'n."settings"')).toBe('"auditlog".audit_json(n."settings")');
    expect(fingerprintSql('auditlog', "'user:' || n.id || ':pin'", 'n."pin"')).toBe(
      `"auditlog".fingerprint('user:' || n.id || ':pin', n."pin")`,
    );
  });

  it('quotes literals for both kinds of string', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(sqlString("a\\b'c")).toBe("E'a\\\\b''c'");
  });
});
