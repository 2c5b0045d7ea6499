/**
 * The export's text as the database writes it (issue 13, item 9): each line byte for byte what formatting the stored
 * values in JavaScript gives (CSV: `csvCell`; NDJSON: JSON.stringify of each string, the Json as PostgreSQL prints
 * it), every entry once and newest first across pages (ties on the time broken by id), and a consumer that stops
 * pulling stops the reads one page ahead. Over HTTP: apps/server/test/audit-export.test.ts.
 */
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvCell, csvHeader, EXPORT_COLUMNS, exportChunks } from '../src/services/audit-export.ts';
import type { ExportReader } from '../src/services/audit-export.ts';
import type { TestOrganization } from '../src/testing.ts';
import { useTestApi } from './support/callers.ts';

/** Values whose escaping differs between formats or that a formatter gets wrong easily. */
const AWKWARD = [
  '=1+1',
  '-',
  '@x',
  '\tlead',
  '\rlead',
  '',
  'say "hi", then\nleave',
  'back\\slash and \u0001\u001f\u007f controls',
  'emoji 🧾, accents é, line separator \u2028 and \u2029',
  ' leading space',
];

type Row = Record<(typeof EXPORT_COLUMNS)[number], string | null>;

const csvLineOf = (row: Row) => `${EXPORT_COLUMNS.map((column) => csvCell(row[column])).join(',')}\r\n`;
const ndjsonLineOf = (row: Row) =>
  `{${EXPORT_COLUMNS.map((column) => {
    const value = row[column];
    const json =
      value === null ? 'null' : column === 'changes' || column === 'metadata' ? value : JSON.stringify(value);
    return `"${column}":${json}`;
  }).join(',')}}\n`;

async function collect(chunks: AsyncGenerator<string, void, undefined>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe.each(testEngines)('the export’s text on %s', { timeout: 60_000 }, (engine) => {
  const api = useTestApi(engine);
  let org: TestOrganization;
  let stored: Row[];

  beforeAll(async () => {
    const { prisma } = api();
    org = await api().createOrganization('Export text');
    for (const [i, value] of AWKWARD.entries()) {
      await prisma.$executeRaw`
        INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType",
          "actorUserId", "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", changes, metadata)
        VALUES (auditlog.next_id(now()), ${org.id}, now() - ${i} * interval '1 minute', 'update', 'ticket', ${value},
          'USER', ${`user-${i}`}, ${value}, ${i % 2 ? null : value}, ${`198.51.100.${i}`}, ${value}, ${`req-${i}`},
          ${JSON.stringify({ note: { before: value, after: null } })}::jsonb, ${i % 3 ? null : JSON.stringify({ v: value, n: i })}::jsonb)`;
    }
    // 25 entries sharing one millisecond, so that pages of 4 split a tie on the time and continue by id.
    await prisma.$executeRaw`
      INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
      SELECT gen_random_uuid(), ${org.id}, date_trunc('milliseconds', now()) - interval '1 hour', 'view', 'invoice',
        'tie-' || g, 'SYSTEM' FROM generate_series(1, 25) AS g`;
    stored = await prisma.$queryRaw<Row[]>`
      SELECT id::text AS id, to_char("createdAt" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
        action, "entityType", "entityId", "actorType"::text AS "actorType", "actorUserId", "actorName", "actorEmail",
        "ipAddress", "userAgent", "requestId", changes::text AS changes, metadata::text AS metadata
      FROM "AuditLog" WHERE "organizationId" = ${org.id} ORDER BY "createdAt" DESC, id DESC`;
  }, 60_000);

  it.each([1, 4, 5_000])('writes CSV byte for byte as csvCell would, in pages of %i', async (pageRows) => {
    const text = await collect(exportChunks(api().prisma, org.id, {}, 'csv', pageRows));
    expect(text).toBe(csvHeader() + stored.map(csvLineOf).join(''));
  });

  it.each([1, 4, 5_000])('writes NDJSON byte for byte as JSON.stringify would, in pages of %i', async (pageRows) => {
    const text = await collect(exportChunks(api().prisma, org.id, {}, 'ndjson', pageRows));
    expect(text).toBe(stored.map(ndjsonLineOf).join(''));
    const parsed = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { entityId: string; metadata: unknown });
    expect(parsed.map((entry) => entry.entityId)).toEqual(stored.map((row) => row.entityId));
  });

  it('reads one page ahead of a consumer that stops pulling, and no further', async () => {
    const { prisma } = api();
    let reads = 0;
    const counting: ExportReader = {
      $queryRaw: ((...args: Parameters<ExportReader['$queryRaw']>) => {
        reads++;
        return prisma.$queryRaw(...args);
      }) as ExportReader['$queryRaw'],
    };
    const chunks = exportChunks(counting, org.id, {}, 'ndjson', 2);
    const first = await chunks.next();
    expect(first.value).toBe(stored.slice(0, 2).map(ndjsonLineOf).join(''));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads, 'the page sent and the one read ahead').toBe(2);
    await chunks.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).toBe(3);
    await chunks.return();
    expect(reads, 'nothing read once the consumer stopped').toBe(3);
  });
});
