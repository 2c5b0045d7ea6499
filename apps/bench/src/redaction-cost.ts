/**
 * What the redaction functions cost per value in SQL when there is nothing to redact (the common case: every text
 * column of every audited write goes through it) and when there is: µs per call, as the difference between a
 * query evaluating the expression N times and the same query returning the bare value, medians of interleaved
 * rounds.
 */
import { redactionSql, auditTextSql, auditJsonSql, secretValuePrefilterSql } from '@auditlog/tooling/capture';
import type { BenchDatabase } from './databases.ts';
import { median, time } from './stats.ts';

const SCHEMA = 'bench_redaction';
const CALLS = 20_000;

const VALUES = {
  '40-character text': 'Printer on floor 3 is offline again.....',
  '2 kB description': 'Customer reports printer jams when duplex printing, '.repeat(40),
  'text with a secret': 'VPN login: postgres://svc:Sup3rS3cret@db.internal/app',
  '200 B settings Json': JSON.stringify({
    host: 'imap.example.test',
    port: 993,
    folder: 'INBOX',
    tls: true,
    poll: 300,
    labels: ['a', 'b'],
  }),
  'settings Json with a password': JSON.stringify({
    host: 'imap.example.test',
    port: 993,
    password: 'hunter2',
    tls: true,
  }),
} as const;

type ValueName = keyof typeof VALUES;

interface Case {
  expression: string;
  value: ValueName;
  /** `text` or `jsonb`: which column of the values table the expression reads. */
  column: 't' | 'j';
}

// The value read through the row number, so it is evaluated for every row instead of once for the values table.
const textRef = '(CASE WHEN g.i > 0 THEN b.t END)';
const jsonRef = '(CASE WHEN g.i > 0 THEN b.j END)';
const CASES: Case[] = [
  ...(['40-character text', '2 kB description', 'text with a secret'] as const).flatMap((value) => [
    { expression: secretValuePrefilterSql(textRef), value, column: 't' as const },
    { expression: auditTextSql(SCHEMA, textRef), value, column: 't' as const },
    { expression: `${SCHEMA}.redact_text(${textRef})`, value, column: 't' as const },
  ]),
  ...(['200 B settings Json', 'settings Json with a password'] as const).map((value) => ({
    expression: auditJsonSql(SCHEMA, jsonRef),
    value,
    column: 'j' as const,
  })),
];

export interface RedactionCost {
  value: ValueName;
  expression: string;
  microseconds: number;
}

/** A short label for an expression: what the capture SQL would put in a column's place. */
export function expressionLabel(expression: string): string {
  if (expression.startsWith('CASE WHEN')) return 'auditTextSql (inline prefilter, audit_text only on a hit)';
  if (expression.includes('.redact_text(')) return 'redact_text() called';
  if (expression.includes('.audit_json(')) return 'audit_json() called';
  return 'prefilter alone (one regex)';
}

export async function measureRedactionCost(
  bench: BenchDatabase,
  rounds: number,
  log: (line: string) => void,
): Promise<RedactionCost[]> {
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  await bench.sql(redactionSql({ schema: SCHEMA }));
  await bench.sql(`CREATE TABLE bench_redaction_values (name text PRIMARY KEY, t text, j jsonb);
    ALTER TABLE bench_redaction_values ALTER t SET STORAGE PLAIN, ALTER j SET STORAGE PLAIN;
    INSERT INTO bench_redaction_values VALUES ${Object.entries(VALUES)
      .map(
        ([name, text]) =>
          `(${literal(name)}, ${literal(text)}, ${literal(text.startsWith('{') ? text : JSON.stringify(text))}::jsonb)`,
      )
      .join(', ')};`);
  const query = (expression: string, value: ValueName) =>
    `SELECT count(*) FROM generate_series(1, ${CALLS}) AS g(i), bench_redaction_values AS b WHERE b.name = ${literal(value)} AND (${expression}) IS NOT NULL`;
  const runs = [
    ...CASES.map((c) => ({ key: `${c.value}\u0000${c.expression}`, sql: query(c.expression, c.value) })),
    ...Object.keys(VALUES).flatMap((value) => [
      { key: `${value}\u0000t`, sql: query(textRef, value as ValueName) },
      { key: `${value}\u0000j`, sql: query(jsonRef, value as ValueName) },
    ]),
  ];
  const times = new Map<string, number[]>(runs.map((run) => [run.key, []]));
  for (const run of runs) await bench.sql(run.sql); // compile the regular expressions, warm the caches
  for (let round = 0; round < rounds; round++) {
    log(`  redaction cost: round ${round + 1} of ${rounds}`);
    for (const run of runs) times.get(run.key)?.push(await time(() => bench.sql(run.sql)));
  }
  const at = (key: string) => median(times.get(key) ?? []);
  return CASES.map((c) => ({
    value: c.value,
    expression: c.expression,
    microseconds: ((at(`${c.value}\u0000${c.expression}`) - at(`${c.value}\u0000${c.column}`)) * 1000) / CALLS,
  }));
}

export function redactionCostTable(label: string, results: RedactionCost[]): string {
  return [
    `### Redaction cost per value, ${label}`,
    '',
    `µs per call: ${CALLS.toLocaleString('en-US')} evaluations in one query, minus the same query returning the bare value; medians of interleaved rounds.`,
    '',
    '| value | expression | µs per call |',
    '|---|---|---:|',
    ...results.map((r) => `| ${r.value} | ${expressionLabel(r.expression)} | ${r.microseconds.toFixed(2)} |`),
  ].join('\n');
}
