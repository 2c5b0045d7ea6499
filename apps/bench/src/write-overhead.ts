/**
 * Write overhead of capture: the audited client (context comments + capture triggers) against plain Prisma on the
 * same tables with the triggers disabled. Runs alternate between the two so that drift (cache, table growth,
 * autovacuum) hits both alike; each cell is the median over runs of the per-run median (single writes) or the
 * per-run time (1,000-row writes).
 */
import { withAuditContext } from '@auditlog/audit';
import type { Database, Prisma } from '@auditlog/db';
import type { BenchDatabase, CaptureMode } from './databases.ts';
import { median, time } from './stats.ts';

export interface WriteResult {
  operation: string;
  plain: number;
  /** The default client: context appended by the driver adapter. */
  audited: number;
  /** The same through Prisma's `comments` plugin (the bench's own client: the runtime does not offer it). */
  auditedViaPlugin: number;
  /** Plain Prisma with a trigger that writes a constant audit row per affected row: the least any audit can cost. */
  floor: number;
}

const SINGLES = 200;
const BULK = 1_000;

type Side = 'plain' | 'floor' | 'audited' | 'plugin';
/** How a side runs a write: the audited sides inside a request's context. */
type Wrap = <T>(fn: () => Promise<T>) => Promise<T>;
/** Timings per side and operation. */
type Samples = Record<Side, Record<string, number[]>>;

/** What the timed writes need of a client, whichever way it sends the context (the audited and plugin clients). */
interface WriteClient {
  prisma: {
    ticket: {
      create(args: Prisma.TicketCreateArgs): Promise<{ id: string }>;
      update(args: Prisma.TicketUpdateArgs): Promise<unknown>;
      delete(args: Prisma.TicketDeleteArgs): Promise<unknown>;
      createMany(args: Prisma.TicketCreateManyArgs): Promise<unknown>;
      updateMany(args: Prisma.TicketUpdateManyArgs): Promise<unknown>;
      deleteMany(args: Prisma.TicketDeleteManyArgs): Promise<unknown>;
    };
  };
  close(): Promise<void>;
}

interface Fixture {
  organizationId: string;
  userId: string;
  nextNumber: number;
}

/** `count` creates, then updates and deletes of those rows, each timed on its own. */
async function singleWrites(db: WriteClient, fx: Fixture, wrap: Wrap, count: number) {
  const prisma = db.prisma;
  const created: string[] = [];
  const createTimes: number[] = [];
  for (let i = 0; i < count; i++) {
    const number = fx.nextNumber++;
    createTimes.push(
      await time(() =>
        wrap(async () => {
          const t = await prisma.ticket.create({
            data: { organizationId: fx.organizationId, number, subject: `Ticket ${number}`, priority: 'NORMAL' },
          });
          created.push(t.id);
        }),
      ),
    );
  }
  const updateTimes: number[] = [];
  for (const [i, id] of created.entries()) {
    updateTimes.push(
      await time(() =>
        wrap(() => prisma.ticket.update({ where: { id }, data: { status: 'OPEN', subject: `Updated ${i}` } })),
      ),
    );
  }
  const deleteTimes: number[] = [];
  for (const id of created) deleteTimes.push(await time(() => wrap(() => prisma.ticket.delete({ where: { id } }))));
  return { create: createTimes, update: updateTimes, delete: deleteTimes };
}

async function bulkWrites(db: WriteClient, fx: Fixture, wrap: Wrap) {
  const prisma = db.prisma;
  const marker = `bulk-${fx.nextNumber}`;
  const data = Array.from({ length: BULK }, (_, i) => ({
    organizationId: fx.organizationId,
    number: fx.nextNumber++,
    subject: `${marker} ${i}`,
    description: 'Created in bulk by the benchmark',
  }));
  const createMany = await time(() => wrap(() => prisma.ticket.createMany({ data })));
  const where = { organizationId: fx.organizationId, subject: { startsWith: marker } };
  const updateMany = await time(() =>
    wrap(() => prisma.ticket.updateMany({ where, data: { status: 'RESOLVED', priority: 'HIGH' } })),
  );
  const deleteMany = await time(() => wrap(() => prisma.ticket.deleteMany({ where })));
  return { createMany, updateMany, deleteMany };
}

const SIDES: Side[] = ['plain', 'floor', 'audited', 'plugin'];
const MODES: Record<Side, CaptureMode> = { plain: 'off', floor: 'floor', audited: 'capture', plugin: 'capture' };
const TABLES = ['Ticket'];
/** Single writes per side before the next side's turn. */
const CHUNK = 25;

/** The sides in turn, starting at the `shift`-th (any integer, the warm-up's -1 included). */
function rotated(shift: number): Side[] {
  const start = ((shift % SIDES.length) + SIDES.length) % SIDES.length;
  return [...SIDES.slice(start), ...SIDES.slice(0, start)];
}

/** The organization and user the writes belong to, and how each side runs a write (the audited ones in a context). */
async function createFixture(plain: Database): Promise<{ fx: Fixture; wraps: Record<Side, Wrap> }> {
  const org = await plain.prisma.organization.create({ data: { name: 'Bench', slug: `bench-${Date.now()}` } });
  const user = await plain.prisma.user.create({
    data: {
      organizationId: org.id,
      name: 'Bench Admin',
      email: `bench-${Date.now()}@example.test`,
      passwordHash: 'x',
      role: 'ADMIN',
    },
  });
  // What a request's context holds: the session's user, where the request came from.
  const context = {
    userId: user.id,
    name: user.name,
    email: user.email,
    ipAddress: '203.0.113.10',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    requestId: 'c0ffee00-0000-4000-8000-000000000000',
  };
  const audit: Wrap = (fn) => withAuditContext(context, fn);
  const none: Wrap = (fn) => fn();
  return {
    fx: { organizationId: org.id, userId: user.id, nextNumber: 1 },
    wraps: { plain: none, floor: none, audited: audit, plugin: audit },
  };
}

/**
 * One run: single writes with the sides taking turns every CHUNK operations, so that drift on a shared machine (other
 * processes, checkpoints, autovacuum) reaches them alike, then one 1,000-row write of each kind per side, the order
 * rotating. Each side's median single write and its bulk times are one sample each, unless the run is the warm-up.
 */
async function measureRun(
  bench: BenchDatabase,
  sides: { clients: Record<Side, WriteClient>; wraps: Record<Side, Wrap> },
  fx: Fixture,
  run: number,
  samples: Samples,
): Promise<void> {
  const times: Samples = { plain: {}, floor: {}, audited: {}, plugin: {} };
  for (let chunk = 0; chunk < SINGLES / CHUNK; chunk++) {
    for (const side of rotated(run + chunk)) {
      await bench.setCapture(MODES[side], TABLES);
      const single = await singleWrites(sides.clients[side], fx, sides.wraps[side], CHUNK);
      for (const [operation, values] of Object.entries(single)) (times[side][operation] ??= []).push(...values);
    }
  }
  for (const side of rotated(run)) {
    await bench.setCapture(MODES[side], TABLES);
    const bulk = await bulkWrites(sides.clients[side], fx, sides.wraps[side]);
    if (run < 0) continue; // warm-up
    for (const [operation, value] of Object.entries(bulk)) (samples[side][operation] ??= []).push(value);
    for (const [operation, values] of Object.entries(times[side]))
      (samples[side][operation] ??= []).push(median(values));
  }
}

/** The median over runs of each operation, per side, in the table's order. */
function summarize(samples: Samples): WriteResult[] {
  const labels: Record<string, string> = {
    create: 'single create',
    update: 'single update',
    delete: 'single delete',
    createMany: `createMany ${BULK.toLocaleString('en-US')} rows`,
    updateMany: `updateMany ${BULK.toLocaleString('en-US')} rows`,
    deleteMany: `deleteMany ${BULK.toLocaleString('en-US')} rows`,
  };
  return Object.entries(labels).map(([key, operation]) => ({
    operation,
    plain: median(samples.plain[key] ?? []),
    audited: median(samples.audited[key] ?? []),
    auditedViaPlugin: median(samples.plugin[key] ?? []),
    floor: median(samples.floor[key] ?? []),
  }));
}

export async function measureWriteOverhead(
  bench: BenchDatabase,
  runs: number,
  log: (line: string) => void,
): Promise<WriteResult[]> {
  const plain = await bench.open({ audit: false });
  const audited = await bench.open();
  const viaPlugin = await bench.openViaCommentsPlugin();
  const clients: Record<Side, WriteClient> = { plain, floor: plain, audited, plugin: viaPlugin };
  try {
    const { fx, wraps } = await createFixture(plain);
    const samples: Samples = { plain: {}, floor: {}, audited: {}, plugin: {} };
    for (let run = -1; run < runs; run++) {
      await measureRun(bench, { clients, wraps }, fx, run, samples);
      if (run >= 0) log(`  ${bench.label}: write run ${run + 1}/${runs}`);
    }
    await bench.setCapture('capture', TABLES);
    return summarize(samples);
  } finally {
    for (const client of new Set(Object.values(clients))) await client.close();
  }
}
