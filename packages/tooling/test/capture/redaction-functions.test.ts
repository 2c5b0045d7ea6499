/**
 * The generated redaction functions, installed in a fresh schema and called directly: they give exactly what the
 * TypeScript redaction gives for the same inputs (one rule), stay linear on a 20,000-key object, never fail on deep
 * or huge values, and keep the fingerprint key to its owner.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  fingerprint,
  redactSensitive,
  redactText,
  redactValue,
  capJson,
  capText,
  isSensitiveField,
  TOO_DEEP,
  TRUNCATED_PATTERN,
} from '@auditlog/audit';
import { JSON_VALUES, PLAIN_NAMES, PLAIN_TEXTS, SECRET_NAMES, SECRET_TEXTS } from '@auditlog/audit/testing';
import {
  redactionSql,
  SECRET_VALUE_PREFILTER_SOURCE,
  secretValuePrefilterSql,
  sensitiveNameSql,
} from '../../src/capture/index.ts';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { DatabaseEngine, DatabaseOptions } from '@auditlog/db';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';

const SCHEMA = 'redaction_test';
const EXTRA = ['nationalId'];
const install = redactionSql({ schema: SCHEMA, sensitive: EXTRA });

/** One session on the test database, without Prisma: scripts, parameterised queries, SET ROLE. */
interface Session {
  exec(script: string): Promise<void>;
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function openSession(options: DatabaseOptions): Promise<Session> {
  const { pglite, url } = options;
  if (pglite) {
    return {
      exec: async (script) => void (await pglite.exec(script)),
      query: async <T>(text: string, params?: unknown[]) => (await pglite.query<T>(text, params)).rows,
      close: () => pglite.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    exec: async (script) => void (await client.query(script)),
    query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
    close: () => client.end(),
  };
}

/** `n` objects `{ a: … }` nested around `leaf`. */
function nest(n: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < n; i++) value = { a: value };
  return value;
}

/** Runs `fn(value)` in SQL for every value, in one round trip; jsonb in, jsonb out. */
async function eachJson(session: Session, fn: string, values: readonly unknown[]): Promise<unknown[]> {
  const rows = await session.query<{ out: unknown }>(
    `SELECT ${SCHEMA}.${fn}(v) AS out FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(v, n) ORDER BY n`,
    [JSON.stringify(values)],
  );
  return rows.map((row) => row.out);
}

async function eachText(session: Session, fn: string, values: readonly string[]): Promise<string[]> {
  const rows = await session.query<{ out: string }>(
    `SELECT ${SCHEMA}.${fn}(v) AS out FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n`,
    [values],
  );
  return rows.map((row) => row.out);
}

/** The cases where SQL and TypeScript disagree, as readable lines (so a failure names the case). */
function disagreements<I>(inputs: readonly I[], sql: readonly unknown[], ts: (input: I) => unknown): string[] {
  return inputs.flatMap((input, index) => {
    const expected = ts(input);
    const actual = sql[index];
    return isDeepStrictEqual(actual, expected)
      ? []
      : [
          `${JSON.stringify(input).slice(0, 120)}: SQL ${JSON.stringify(actual)?.slice(0, 200)} ≠ TS ${JSON.stringify(expected)?.slice(0, 200)}`,
        ];
  });
}

/** Median of the wall time of `run`, over `rounds` runs of each of `runs`, interleaved. */
async function medians(rounds: number, runs: Record<string, () => Promise<unknown>>): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of Object.entries(runs)) {
      const started = performance.now();
      await run();
      times[name]?.push(performance.now() - started);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([name, list]) => [
      name,
      [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)] ?? Number.NaN,
    ]),
  );
}

describe.each(testEngines)('redaction functions on %s', (engine: DatabaseEngine) => {
  const db = useTestDatabase(engine, { empty: true, open: openSession });

  it('installs, and installs again over itself', async () => {
    await db().exec(install);
    await db().exec(install);
    const [row] = await db().query<{ functions: number }>(
      `SELECT count(*)::int AS functions FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`,
      [SCHEMA],
    );
    expect(row?.functions).toBeGreaterThanOrEqual(12);
  });

  it('judges every name of the corpus as isSensitiveField does', async () => {
    const names = [...SECRET_NAMES, ...PLAIN_NAMES, 'nationalId', 'NATIONAL_ID', 'nationalIds'];
    const rows = await db().query<{ secret: boolean }>(
      `SELECT ${sensitiveNameSql('name', EXTRA)} AS secret FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n) ORDER BY n`,
      [names],
    );
    expect(
      disagreements(
        names,
        rows.map((row) => row.secret),
        (name) => isSensitiveField(name, EXTRA),
      ).join('\n'),
    ).toBe('');
    expect(rows.filter((row) => row.secret)).toHaveLength(SECRET_NAMES.length + 2);
  });

  it('redacts every text of the corpus as redactText does, and as the corpus expects', async () => {
    const inputs = [...SECRET_TEXTS.map((c) => c.input), ...PLAIN_TEXTS];
    const output = await eachText(db(), 'redact_text', inputs);
    expect(disagreements(inputs, output, redactText).join('\n')).toBe('');
    expect(output).toEqual([...SECRET_TEXTS.map((c) => c.expected), ...PLAIN_TEXTS]);
  });

  it('redacts long texts (past the short-text path of the prefilter) as redactText does', async () => {
    const prose = 'The customer called again about the printer on the third floor, which keeps jamming. '.repeat(4);
    const inputs = [...SECRET_TEXTS.map((c) => c.input), ...PLAIN_TEXTS].flatMap((text) => [
      `${prose}${text}`,
      `${text}${prose}`,
    ]);
    expect(inputs.every((text) => Buffer.byteLength(text) > 256)).toBe(true);
    expect(disagreements(inputs, await eachText(db(), 'redact_text', inputs), redactText).join('\n')).toBe('');
  });

  it('evaluates the inline prefilter of the capture SQL as the TypeScript prefilter does, for short and long texts', async () => {
    const prose = 'x'.repeat(300);
    const inputs = [...SECRET_TEXTS.map((c) => c.input), ...PLAIN_TEXTS].flatMap((text) => [text, `${prose}${text}`]);
    const rows = await db().query<{ hit: boolean }>(
      `SELECT ${secretValuePrefilterSql('v')} AS hit FROM unnest($1::text[]) WITH ORDINALITY AS t(v, n) ORDER BY n`,
      [inputs],
    );
    const prefilter = new RegExp(SECRET_VALUE_PREFILTER_SOURCE);
    expect(
      disagreements(
        inputs,
        rows.map((row) => row.hit),
        (text) => prefilter.test(text),
      ).join('\n'),
    ).toBe('');
  });

  it('redacts every Json value of the corpus as redactSensitive does', async () => {
    const values = [
      ...JSON_VALUES,
      ...SECRET_NAMES.map((name) => ({ [name]: 'value', kept: name })),
      ...PLAIN_NAMES.map((name) => ({ [name]: 'value' })),
      ...SECRET_TEXTS.map(({ input }) => ({ note: input, list: [input] })),
      PLAIN_TEXTS,
      { person: { nationalId: 'x', NATIONAL_ID: 'y', nationalIds: 'z' } },
    ];
    const output = await eachJson(db(), 'redact_json', values);
    expect(disagreements(values, output, (value) => redactSensitive(value, EXTRA)).join('\n')).toBe('');
  });

  it('caps and redacts Json values as redactValue does: the same markers, byte counts and hashes', async () => {
    const big = Array.from({ length: 1500 }, (_, i) => ({
      id: i,
      name: `item ${i} é€🎉`,
      password: `p${i}`,
      n: i / 7,
    }));
    const values = [
      ...JSON_VALUES,
      big,
      { text: 'x'.repeat(9000) },
      'y'.repeat(9000),
      'é'.repeat(4097),
      { exp: 1e21, small: 1.5e-7, list: Array.from({ length: 1200 }, (_, i) => i * 1.25) },
      { 'Ünïcödé-ключ': 'ж'.repeat(5000) },
    ];
    const output = await eachJson(db(), 'audit_json', values);
    expect(disagreements(values, output, (value) => redactValue(value, EXTRA)).join('\n')).toBe('');
    expect(String(output[JSON_VALUES.length])).toMatch(TRUNCATED_PATTERN);
    const capped = await eachJson(db(), 'cap_json', values);
    expect(disagreements(values, capped, capJson).join('\n')).toBe('');
  });

  it('caps texts as capText does, never cutting a character', async () => {
    const texts = [
      'x'.repeat(8192),
      'x'.repeat(8193),
      `a${'é'.repeat(5000)}`,
      `ab${'€'.repeat(5000)}`,
      `abc${'🎉'.repeat(5000)}`,
    ];
    expect(disagreements(texts, await eachText(db(), 'cap_text', texts), capText).join('\n')).toBe('');
    expect(
      disagreements(texts, await eachText(db(), 'audit_text', texts), (text) => capText(redactText(text))).join('\n'),
    ).toBe('');
  });

  it('turns a 1 MB text with a secret inside into a [TRUNCATED …] marker under the cap, hashed after redaction', async () => {
    const text = `${'lorem ipsum '.repeat(43_000)}Authorization: Bearer abc123def ${'dolor sit '.repeat(52_000)}`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(1_000_000);
    const [marker = ''] = await eachText(db(), 'audit_text', [text]);
    expect(Buffer.byteLength(marker)).toBeLessThanOrEqual(8192);
    expect(marker).toBe(capText(redactText(text)));
    const match = TRUNCATED_PATTERN.exec(marker);
    expect(Number(match?.[1])).toBe(Buffer.byteLength(redactText(text)));
  });

  it('returns a marker for a value nested 600 levels deep with a secret word, instead of failing', async () => {
    const deep = nest(600, { password: 'hunter2', note: 'Bearer abc123def' });
    const [redacted] = await eachJson(db(), 'redact_json', [deep]);
    expect(redacted).toEqual(nest(33, TOO_DEEP));
    const [stored] = await eachJson(db(), 'audit_json', [nest(600, 'leaf')]);
    expect(stored).toEqual(nest(33, TOO_DEEP));
    expect(await eachJson(db(), 'redact_json', [nest(32, { password: 'x' })])).toEqual([
      nest(32, { password: '[REDACTED]' }),
    ]);
  });

  it('redacts a 20,000-key object with one secret key in time linear in its size', async ({ annotate }) => {
    const object: Record<string, string> = { password: 'hunter2' };
    for (let i = 0; i < 20_000; i++) object[`field_${i}`] = `value number ${i}`;
    const json = JSON.stringify(object);
    await db().exec('CREATE TABLE IF NOT EXISTS public.redaction_timing (v jsonb)');
    const [check] = await db().query<{ out: Record<string, string> }>(
      `SELECT ${SCHEMA}.redact_json($1::jsonb) AS out`,
      [json],
    );
    expect(check?.out.password).toBe('[REDACTED]');
    expect(check?.out.field_19999).toBe('value number 19999');
    expect(Object.keys(check?.out ?? {})).toHaveLength(20_001);

    const times = await medians(5, {
      plain: () => db().query('INSERT INTO public.redaction_timing (v) VALUES ($1::jsonb)', [json]),
      redacted: () =>
        db().query(`INSERT INTO public.redaction_timing (v) VALUES (${SCHEMA}.redact_json($1::jsonb))`, [json]),
    });
    const ratio = (times.redacted ?? 0) / (times.plain ?? 1);
    // A measurement, not a warning: an annotation is kept with the test in every report.
    await annotate(
      `[redaction] ${engine}: 20,000 keys, insert ${times.plain?.toFixed(1)} ms, insert of redact_json ${times.redacted?.toFixed(1)} ms (${ratio.toFixed(2)}×)`,
    );
    expect(times.redacted).toBeLessThan(2_000);
    expect(ratio).toBeLessThanOrEqual(5);
  });

  it('fingerprints as fingerprint() in TypeScript does, with the key read from the table', async () => {
    const [row] = await db().query<{ key: Uint8Array }>(`SELECT key FROM ${SCHEMA}.fingerprint_key`);
    const key = row?.key ?? new Uint8Array();
    expect(key).toHaveLength(32);
    const cases = [
      ['ticket:t1:pin', '1234'],
      ['user:u1:passwordHash', 'scrypt$abc'],
      ['contact:é:pin', '🔑 ключ'],
      ['x', ''],
    ] as const;
    for (const [scope, value] of cases) {
      const [result] = await db().query<{ fp: string }>(`SELECT ${SCHEMA}.fingerprint($1, $2) AS fp`, [scope, value]);
      expect(result?.fp, scope).toBe(fingerprint(key, scope, value));
    }
  });

  it('keeps the fingerprint key when the install SQL runs again', async () => {
    const read = async () =>
      (await db().query<{ key: Uint8Array }>(`SELECT key FROM ${SCHEMA}.fingerprint_key`)).map((r) =>
        Buffer.from(r.key).toString('hex'),
      );
    const before = await read();
    await db().exec(install);
    expect(await read()).toEqual(before);
    expect(before).toHaveLength(1);
  });

  it('gives each deployment its own key', async () => {
    await db().exec(redactionSql({ schema: 'redaction_other' }));
    const [mine] = await db().query<{ key: Uint8Array }>(`SELECT key FROM ${SCHEMA}.fingerprint_key`);
    const [other] = await db().query<{ key: Uint8Array }>('SELECT key FROM redaction_other.fingerprint_key');
    expect(Buffer.from(other?.key ?? []).equals(Buffer.from(mine?.key ?? []))).toBe(false);
  });

  it('refuses fingerprint() and the key table to a role with nothing but USAGE on the schema', async () => {
    const role = `redaction_probe_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await db().exec(`CREATE ROLE ${role} NOLOGIN; GRANT USAGE ON SCHEMA ${SCHEMA} TO ${role};`);
    try {
      await db().exec(`SET ROLE ${role}`);
      await expect(db().query(`SELECT ${SCHEMA}.fingerprint('ticket:t1:pin', '1234')`)).rejects.toThrow(
        /permission denied for function fingerprint/,
      );
      await expect(db().query(`SELECT key FROM ${SCHEMA}.fingerprint_key`)).rejects.toThrow(
        /permission denied for table fingerprint_key/,
      );
      // The pure functions stay callable: they hold nothing.
      expect(await eachText(db(), 'redact_text', ['pin=1234'])).toEqual(['pin=[REDACTED]']);
    } finally {
      await db().exec(`RESET ROLE; REVOKE USAGE ON SCHEMA ${SCHEMA} FROM ${role}; DROP ROLE ${role};`);
    }
  });

  it('cannot be shadowed by the session: its own search_path and standard_conforming_strings do not matter', async () => {
    await db().exec(`
      CREATE SCHEMA IF NOT EXISTS shadow;
      CREATE OR REPLACE FUNCTION shadow.never(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT false';
      CREATE OR REPLACE FUNCTION shadow.regexp_replace(text, text, text, text) RETURNS text LANGUAGE sql AS 'SELECT $1';
      DROP OPERATOR IF EXISTS shadow.~ (text, text);
      CREATE OPERATOR shadow.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = shadow.never);`);
    try {
      await db().exec('SET search_path = shadow, pg_catalog, public; SET standard_conforming_strings = off;');
      const [shadowed] = await db().query<{ matches: boolean }>(`SELECT 'a' ~ 'a' AS matches`);
      expect(shadowed?.matches).toBe(false);
      const inputs = SECRET_TEXTS.map((c) => c.input);
      expect(await eachText(db(), 'redact_text', inputs)).toEqual(SECRET_TEXTS.map((c) => c.expected));
      expect(await eachJson(db(), 'redact_json', [{ apiKeys: ['k'], note: 'card 4111 1111 1111 1111' }])).toEqual([
        { apiKeys: '[REDACTED]', note: 'card [REDACTED]' },
      ]);
    } finally {
      await db().exec('RESET search_path; RESET standard_conforming_strings; DROP SCHEMA shadow CASCADE;');
    }
  });
});
