/**
 * Write overhead of capture: the audited client (context comments + capture triggers) against plain Prisma on the
 * same tables with the triggers disabled. Runs alternate between the two so that drift (cache, table growth,
 * autovacuum) hits both alike; each cell is the median over runs of the per-run median (single writes) or the
 * per-run time (1,000-row writes).
 */
import { withAuditContext } from '@auditlog/audit';
import type { Prisma } from '@auditlog/db';
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
async function singleWrites(
  db: WriteClient,
  fx: Fixture,
  wrap: <T>(fn: () => Promise<T>) => Promise<T>,
  count: number,
) {
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

async function bulkWrites(db: WriteClient, fx: Fixture, wrap: <T>(fn: () => Promise<T>) => Promise<T>) {
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
    const fx: Fixture = { organizationId: org.id, userId: user.id, nextNumber: 1 };
    // What a request's context holds: the session's user, where the request came from.
    const context = {
      userId: user.id,
      name: user.name,
      email: user.email,
      ipAddress: '203.0.113.10',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      requestId: 'c0ffee00-0000-4000-8000-000000000000',
    };
    const audit = <T>(fn: () => Promise<T>) => withAuditContext(context, fn);
    const none = <T>(fn: () => Promise<T>) => fn();
    const wraps: Record<Side, <T>(fn: () => Promise<T>) => Promise<T>> = {
      plain: none,
      floor: none,
      audited: audit,
      plugin: audit,
    };
    const samples: Record<Side, Record<string, number[]>> = { plain: {}, floor: {}, audited: {}, plugin: {} };
    const modes: Record<Side, CaptureMode> = { plain: 'off', floor: 'floor', audited: 'capture', plugin: 'capture' };
    const tables = ['Ticket'];

    // Single writes: the sides take turns every CHUNK operations, so that drift on a shared machine (other processes,
    // checkpoints, autovacuum) reaches them alike; each run's median per side is one sample.
    const sides: Side[] = ['plain', 'floor', 'audited', 'plugin'];
    const CHUNK = 25;
    for (let run = -1; run < runs; run++) {
      const times: Record<Side, Record<string, number[]>> = { plain: {}, floor: {}, audited: {}, plugin: {} };
      for (let chunk = 0; chunk < SINGLES / CHUNK; chunk++) {
        const shift = (((run + chunk) % sides.length) + sides.length) % sides.length;
        for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) {
          await bench.setCapture(modes[side], tables);
          const single = await singleWrites(clients[side], fx, wraps[side], CHUNK);
          for (const [operation, values] of Object.entries(single)) (times[side][operation] ??= []).push(...values);
        }
      }
      // 1,000-row writes: one of each per side and run, the order rotating.
      const shift = ((run % sides.length) + sides.length) % sides.length;
      for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) {
        await bench.setCapture(modes[side], tables);
        const bulk = await bulkWrites(clients[side], fx, wraps[side]);
        if (run < 0) continue; // warm-up
        for (const [operation, value] of Object.entries(bulk)) (samples[side][operation] ??= []).push(value);
        for (const [operation, values] of Object.entries(times[side]))
          (samples[side][operation] ??= []).push(median(values));
      }
      if (run >= 0) log(`  ${bench.label}: write run ${run + 1}/${runs}`);
    }
    await bench.setCapture('capture', tables);
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
  } finally {
    for (const client of new Set(Object.values(clients))) await client.close();
  }
}
