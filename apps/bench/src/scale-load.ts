/**
 * The scale loader: grows one organization's audit log (and, beside it, a tenth as many entries spread over other
 * organizations) to millions of entries with set-based SQL, one `INSERT … SELECT FROM generate_series` per chunk,
 * computed entirely in the server: nothing goes row by row through Prisma or over the wire.
 *
 * The entries look like a busy MSP's log over the last 13 months: traffic growing over the year (twice as dense now as
 * at the start), entries grouped in requests of four sharing a request id and a timestamp, weighted actions and entity
 * types, a few hundred users of very unequal activity (log-uniform: the busiest does about a tenth of everything),
 * integrations as system actors, anonymous failed sign-ins, each user mostly on their own home address and otherwise
 * on the office range or a carrier's, and records of very unequal history (the hottest ticket has tens of
 * thousands of entries, most have a handful). Values are drawn from a hash of the row number, so a load is reproducible.
 */
import { auditRegistry } from '@auditlog/db';
import { ACTIONS, ENTITY_TYPES } from './log-vocabulary.ts';

const DAY = 86_400_000;
/** How far back the entries go. */
export const SCALE_SPAN_DAYS = 395;
/** Entries per INSERT statement (one progress tick each). */
const CHUNK = 200_000;

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elif', 'Femi', 'Gus', 'Hana', 'Ivo', 'Jun'];
const LAST = ['Okafor', 'Chen', 'Silva', 'Novak', 'Haddad', 'Kowalski', 'Tanaka', 'Moreau', 'Berg', 'Costa'];
const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
];
const SYSTEMS = ['RMM sync', 'PSA import', 'Billing run', 'Backup monitor'];

/** Users of an organization of `entries` entries: a few hundred in the big one, a few dozen in the others. */
export const usersFor = (entries: number) => Math.max(5, Math.min(400, Math.round(entries / 25_000)));

/** The actor, address and record of the organization's busiest user, for the bench's filter cases. */
export const scaleFixture = {
  /** Users are numbered from 0 by activity: 0 is the busiest. */
  userId: (tag: string, index: number) => `bu_${tag}_${index}`,
  /** A user's home address (three quarters of their entries). */
  homeIp: (index: number) => `198.51.${index % 250}.${1 + ((index * 37) % 250)}`,
  /** The office range (a fifth of the users' entries). */
  officeCidr: '203.0.113.0/24',
  /** Records are numbered by heat: rec_0 is the record with the most entries of its type. */
  record: (index: number) => `rec_${index}`,
};

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;
const array = (values: readonly string[]) => `(ARRAY[${values.map(quote).join(',')}])`;

/** `(ARRAY[…])[…]` picking by weight from a uniform [0, 1). */
function weighted(values: readonly (readonly [string, number])[], uniform: string): string {
  const cells: string[] = [];
  for (const [value, weight] of values) for (let i = 0; i < weight; i++) cells.push(value);
  return `${array(cells)}[1 + floor(${uniform} * ${cells.length})::int]`;
}

/**
 * A create's or a delete's `changes` as the capture writes them for the record's type: every field of its label
 * among them (a create records every field a record has, a delete every field it had), so the log names a record
 * that is gone from its last create or delete, as it does in production, not from a walk through its whole history.
 * A ticket's number is its record number; other label fields are the type and the number ("Client 123").
 */
function labelChanges(side: 'before' | 'after'): string {
  const other = side === 'after' ? 'before' : 'after';
  const member = (field: string, value: string) =>
    `${quote(field)}, jsonb_build_object(${quote(side)}, ${value}, ${quote(other)}, NULL)`;
  const number = `substr(s."entityId", 5)::int`;
  const cases = ENTITY_TYPES.map(([type]) => {
    const model = auditRegistry.models.find((m) => m.entityType === type);
    const fields = Object.keys(model?.label.columns ?? { name: 'name' });
    const members = fields.map((field) =>
      field === 'subject'
        ? member(field, `'Printer offline'`)
        : member(field, type === 'ticket' && field === 'number' ? number : `${quote(`${type} `)} || ${number}`),
    );
    return `WHEN ${quote(type)} THEN jsonb_build_object(${members.join(', ')})`;
  });
  return `CASE s."entityType" ${cases.join(' ')} END`;
}

/** One INSERT of rows `from..to` (1-based, inclusive) of the step that takes the organization from `base` to `top`. */
function chunkSql(organizationId: string, tag: string, seed: number, range: Range, anchor: Date): string {
  const users = usersFor(range.top);
  const span = SCALE_SPAN_DAYS * DAY;
  const start = anchor.getTime() - span;
  // A uniform [0, 1) per row and purpose, from the row number and the organization's seed.
  const u = (k: number) => `((hashint8(g * 16 + ${seed * 1000 + k}) & 2147483647)::float8 / 2147483648.0)`;
  // Requests of four entries share a timestamp; sqrt makes the density grow linearly over the span.
  const position = `greatest(0, least(1, ((g / 4) * 4 - ${range.base})::float8 / ${range.top - range.base}))`;
  return `
INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType",
  "actorUserId", "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", changes, metadata)
SELECT "${auditRegistry.internalSchema}".next_id(s.t), ${quote(organizationId)}, s.t, s.action, s."entityType",
  s."entityId", s.kind::"AuditActorType",
  CASE WHEN s.kind = 'USER' THEN 'bu_${tag}_' || s.who END,
  CASE s.kind WHEN 'USER' THEN ${array(FIRST)}[1 + s.who % 10] || ' ' || ${array(LAST)}[1 + (s.who / 10) % 10]
    WHEN 'SYSTEM' THEN ${array(SYSTEMS)}[1 + s.who % 4] END,
  CASE WHEN s.kind = 'USER' THEN lower(${array(FIRST)}[1 + s.who % 10] || '.' || ${array(LAST)}[1 + (s.who / 10) % 10])
    || s.who || '@${tag}.example' END,
  CASE s.kind
    WHEN 'USER' THEN CASE WHEN s.where_ < 0.75 THEN '198.51.' || (s.who % 250) || '.' || (1 + (s.who * 37) % 250)
      WHEN s.where_ < 0.95 THEN '203.0.113.' || (1 + floor(s.where_ * 4000)::int % 250)
      ELSE '100.64.' || (floor(s.where_ * 100000)::int % 256) || '.' || (1 + s.who % 250) END
    WHEN 'SYSTEM' THEN '10.20.0.' || (1 + s.who % 4)
    ELSE '45.' || (floor(s.where_ * 1000000)::int % 256) || '.' || (floor(s.where_ * 3000)::int % 256) || '.9' END,
  CASE s.kind WHEN 'USER' THEN ${array(BROWSERS)}[1 + s.who % 4] WHEN 'SYSTEM' THEN 'msp-agent/4.2'
    ELSE 'python-requests/2.32' END,
  md5('${tag}:' || (s.g / 4))::uuid::text,
  CASE s.action WHEN 'update' THEN '{"status":{"before":"OPEN","after":"RESOLVED"},"priority":{"before":"NORMAL","after":"HIGH"}}'::jsonb
    WHEN 'create' THEN ${labelChanges('after')}
    WHEN 'delete' THEN ${labelChanges('before')} END,
  CASE WHEN s.kind = 'ANONYMOUS' THEN jsonb_build_object('attemptedEmail', 'admin' || (s.who % 7) || '@${tag}.example') END
FROM (
  SELECT g, a.action,
    CASE WHEN a.action = 'failed_login' THEN 'user' ELSE ${weighted(ENTITY_TYPES, u(2))} END AS "entityType",
    'rec_' || floor(power(${u(3)}, 3) * 200000)::int AS "entityId",
    CASE WHEN a.action = 'failed_login' THEN 'ANONYMOUS' WHEN a.action = 'sync' OR ${u(4)} < 0.02 THEN 'SYSTEM'
      ELSE 'USER' END AS kind,
    floor(exp(${u(5)} * ln(${users + 1})))::int - 1 AS who,
    ${u(6)} AS where_,
    to_timestamp(${start / 1000} + ${span / 1000} * sqrt(${position})) AS t
  FROM generate_series(${range.from}, ${range.to}) AS g,
    LATERAL (SELECT ${weighted(ACTIONS, u(1))} AS action) AS a
) s`;
}

interface Range {
  /** The organization's size before the step and after it. */
  base: number;
  top: number;
  from: number;
  to: number;
}

export interface LoadTarget {
  organizationId: string;
  /** A short name for the organization's users, addresses and request ids. */
  tag: string;
  /** Entries it holds now, and should hold after the load. */
  from: number;
  to: number;
}

/** A one-line progress bar on stderr (redrawn in place on a terminal, every tenth otherwise). */
export function progressBar(label: string, total: number) {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  return (done: number) => {
    const fraction = total === 0 ? 1 : done / total;
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const left = rate > 0 ? (total - done) / rate : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const line = `  ${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} · ${Math.round(rate).toLocaleString('en-US')}/s · ${seconds.toFixed(0)} s, ${left.toFixed(0)} s left`;
    if (tty) process.stderr.write(`\r${line}${done >= total ? '\n' : ''}`);
    else if (Math.floor(fraction * 10) > lastTenth || done >= total) {
      lastTenth = Math.floor(fraction * 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

/**
 * Grows every target from its `from` to its `to` entries, chunk by chunk, with one progress bar over all of them.
 * `anchor` is the newest possible entry time (entries end an hour before it). Returns the seconds it took.
 */
export async function loadScale(
  sql: (text: string) => Promise<void>,
  targets: LoadTarget[],
  anchor: Date,
  label = 'loading',
): Promise<number> {
  // A table partitioned by month (decision on the table's shape) gets its past months first, so that the entries
  // go straight to their own partitions instead of the DEFAULT one; elsewhere there is no such function.
  const schema = auditRegistry.internalSchema;
  await sql(`DO $$ BEGIN
    IF to_regprocedure('"${schema}".create_partition(timestamptz)') IS NOT NULL THEN
      PERFORM "${schema}".create_partition(m) FROM generate_series(
        '${new Date(anchor.getTime() - (SCALE_SPAN_DAYS + 31) * DAY).toISOString()}'::timestamptz,
        '${anchor.toISOString()}'::timestamptz, interval '1 month') AS m;
    END IF;
  END $$`);
  const total = targets.reduce((sum, t) => sum + Math.max(0, t.to - t.from), 0);
  const tick = progressBar(label, total);
  const started = performance.now();
  let done = 0;
  tick(0);
  for (const [seed, target] of targets.entries()) {
    for (let from = target.from + 1; from <= target.to; from += CHUNK) {
      const to = Math.min(target.to, from + CHUNK - 1);
      const range = { base: target.from, top: target.to, from, to };
      await sql(chunkSql(target.organizationId, target.tag, seed + 1, range, new Date(anchor.getTime() - 3_600_000)));
      done += to - from + 1;
      tick(done);
    }
  }
  return (performance.now() - started) / 1000;
}
