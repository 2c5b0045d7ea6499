/**
 * pnpm --filter @auditlog/bench sim:shards — a small simulation of docs/scaling.md's sharded layout, without Citus
 * (not installable here): two PostgreSQL databases stand for two worker nodes, and the application routes each
 * organization to one by a hash of its id, as Citus routes by the distribution column. Each organization's business
 * rows are written through the audited Prisma client on its shard, so the capture trigger writes their audit rows
 * there; then, per shard, it checks that the audit rows are only of the organizations routed to it, lists each
 * organization's log with `listAuditEntries` (exact total, page 1 and a cursor walk to the end), and verifies it.
 *
 *   BENCH_DATABASE_URL   the server (default the local one); two fresh databases are made and dropped
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import pg from 'pg';
import { listAuditEntries } from '@auditlog/api';
import { openDatabase } from '@auditlog/db';
import type { Database } from '@auditlog/db';
import { sqlClientFor, verifyOrganization } from '@auditlog/seal';
import { openMigratedDatabase } from '@auditlog/tooling';

const serverUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SHARDS = 2;
const ORGANIZATIONS = 6;
const TICKETS = 40;
const key = new Uint8Array(32).fill(7);

/** The shard of an organization: a hash of the distribution column, modulo the shard count (Citus hashes too). */
const shardOf = (organizationId: string) =>
  createHash('sha256').update(organizationId).digest().readUInt32BE(0) % SHARDS;

async function makeShards(): Promise<{ urls: string[]; drop: () => Promise<void> }> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const names = Array.from({ length: SHARDS }, (_, i) => `auditlog_shard_${i}_${Date.now().toString(36)}`);
  const urls: string[] = [];
  for (const name of names) {
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    urls.push(url.href);
    await (await openMigratedDatabase({ url: url.href })).close();
  }
  return {
    urls,
    async drop() {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** One organization's business rows, written on its shard: tickets created, half updated, a quarter deleted. */
async function writeOrganization(db: Database, organizationId: string): Promise<number> {
  const prisma = db.prisma;
  await prisma.organization.create({ data: { id: organizationId, name: organizationId, slug: organizationId } });
  for (let n = 1; n <= TICKETS; n++)
    await prisma.ticket.create({ data: { organizationId, number: n, subject: `Ticket ${n}` } });
  await prisma.ticket.updateMany({
    where: { organizationId, number: { lte: TICKETS / 2 } },
    data: { subject: 'Updated' },
  });
  await prisma.ticket.deleteMany({ where: { organizationId, number: { gt: (TICKETS * 3) / 4 } } });
  return TICKETS + TICKETS / 2 + TICKETS / 4;
}

/** Every entry of the organization through the list API: the exact total, then a cursor walk to the last page. */
async function listAll(db: Database, organizationId: string): Promise<{ total: number; walked: number }> {
  let page = await listAuditEntries(db.prisma, organizationId, { page: 1, pageSize: 25 }, key);
  let walked = page.items.length;
  while (page.nextCursor) {
    page = await listAuditEntries(db.prisma, organizationId, { page: 1, pageSize: 25, cursor: page.nextCursor }, key);
    walked += page.items.length;
  }
  return { total: page.total, walked };
}

async function main(): Promise<void> {
  const shards = await makeShards();
  const dbs = await Promise.all(shards.urls.map((url) => openDatabase({ url })));
  const { privateKey } = generateKeyPairSync('ed25519');
  let failures = 0;
  try {
    const organizations = Array.from({ length: ORGANIZATIONS }, (_, i) => `org_shard_${i}`);
    const expected = new Map<string, number>();
    for (const organizationId of organizations)
      expected.set(organizationId, await writeOrganization(dbs[shardOf(organizationId)] as Database, organizationId));
    console.log('| organization | shard | audit rows on its shard | on the other | list total | walked | verify |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const organizationId of organizations) {
      const home = shardOf(organizationId);
      const counts = await Promise.all(
        dbs.map((db) => db.prisma.auditLog.count({ where: { organizationId, entityType: { not: 'schema' } } })),
      );
      const db = dbs[home] as Database;
      const listed = await listAll(db, organizationId);
      const sql = sqlClientFor(db);
      const report = await verifyOrganization(sql, organizationId, { publicKey: privateKey });
      await sql.close();
      const here = counts[home] ?? 0;
      const elsewhere = counts.reduce((sum, n) => sum + n, 0) - here;
      const ok = here >= (expected.get(organizationId) ?? 0) && elsewhere === 0 && listed.total === here;
      if (!ok || listed.walked !== listed.total || report.failure) failures += 1;
      const verified = report.failure
        ? `✗ ${report.failure.problem}`
        : `✓ ${report.entries} entries (${report.pending} not yet final)`;
      console.log(
        `| ${organizationId} | ${home} | ${here} | ${elsewhere} | ${listed.total} | ${listed.walked} | ${verified} |`,
      );
    }
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
    await shards.drop();
  }
  if (failures > 0) throw new Error(`${failures} organizations broke the shard layout's promises (table above).`);
}

await main();
