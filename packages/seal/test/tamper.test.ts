/**
 * The mutation test (decision 015): a sealed log, then random tamperings made with superuser rights, the triggers
 * bypassed (`session_replication_role = replica`). Every one must be detected, and the untouched log must verify
 * clean. `SEAL_MUTATIONS` and `SEAL_SEED` replay a run.
 *
 * On PGlite each tampering is applied in a transaction, verified in one thread and rolled back. On PostgreSQL it is
 * committed (the parallel verifier's workers read on their own connections, so they must see it), verified both in
 * one thread and in two workers, which must report the very same first broken link, and then undone by restoring
 * the log and its blocks from a snapshot taken before the first tampering.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { sealOrganization, verifyOrganization, VerifyPool } from '../src/index.ts';
import type { SignedBlock, SqlClient } from '../src/index.ts';
import { lastBlock, readBlocks } from '../src/store.ts';
import { daysAgo, insertEntries, random, sealKeys, singleConnection } from './support.ts';

const ORG = 'org_m';
const OTHER = 'org_n';
const BLOCK_SIZE = 64;

/** Field edits that always change the value (so a miss is the verifier's, never a no-op). */
const EDITS = [
  `action = action || 'x'`,
  `"entityType" = "entityType" || 'x'`,
  `"entityId" = "entityId" || 'x'`,
  `"actorType" = (CASE WHEN "actorType" = 'USER' THEN 'SYSTEM' ELSE 'USER' END)::"AuditActorType"`,
  `"actorUserId" = coalesce("actorUserId", '') || 'x'`,
  `"actorName" = coalesce("actorName", '') || 'x'`,
  `"actorEmail" = NULL`,
  `"ipAddress" = '192.0.2.66'`,
  `"userAgent" = coalesce("userAgent", '') || ' '`,
  `"requestId" = coalesce("requestId", '') || 'x'`,
  `changes = coalesce(changes, '{}') || '{"forged": {"before": 1, "after": 2}}'`,
  `changes = CASE WHEN changes IS NULL THEN '{}'::jsonb ELSE NULL END`,
  `metadata = jsonb_set(metadata, '{n}', '-1')`,
  `metadata = metadata || '{"tag": "seq "}'`,
  `"organizationId" = '${OTHER}'`,
];

const BLOCK_EDITS = [
  `"entryCount" = "entryCount" - 1`,
  `"merkleRoot" = set_byte("merkleRoot", 0, (get_byte("merkleRoot", 0) + 1) % 256)`,
  `"previousHash" = set_byte("previousHash", 31, (get_byte("previousHash", 31) + 1) % 256)`,
  `"chainedHash" = set_byte("chainedHash", 5, (get_byte("chainedHash", 5) + 1) % 256)`,
  `signature = set_byte(signature, 63, (get_byte(signature, 63) + 1) % 256)`,
  `"keyId" = '0000000000000000'`,
  `"sealedThrough" = "sealedThrough" + interval '1 microsecond'`,
  `"lastCreatedAt" = "lastCreatedAt" - interval '1 millisecond'`,
  `"firstEntryId" = "lastEntryId"`,
  `leaves = set_byte(leaves, 40, (get_byte(leaves, 40) + 1) % 256)`,
  `leaves = substring(leaves FROM 1 FOR length(leaves) - 32)`,
];

interface Tampering {
  name: string;
  statements: [string, unknown[]][];
}

interface Sealed {
  entries: { id: string; createdAt: string }[];
  blocks: number;
}

type Pick = <T>(items: readonly T[]) => T;

/** One random tampering of the sealed part of the log. */
function tampering(kind: number, pick: Pick, rand: () => number, sealed: Sealed): Tampering {
  const { entries, blocks } = sealed;
  const index = Math.floor(rand() * (entries.length - 1));
  const a = entries[index] as Sealed['entries'][0];
  const b = pick(entries.filter((e) => e.createdAt !== a.createdAt));
  const block = 1 + Math.floor(rand() * blocks);
  const other = 1 + ((block + Math.floor(rand() * (blocks - 1))) % blocks);
  const temp = '00000000-0000-7000-8000-000000000000';
  const kinds: (() => Tampering)[] = [
    () => ({
      name: `edit ${EDITS[kind % EDITS.length]} of ${a.id}`,
      statements: [[`UPDATE "AuditLog" SET ${EDITS[kind % EDITS.length]} WHERE id = $1`, [a.id]]],
    }),
    () => ({ name: `delete entry ${a.id}`, statements: [[`DELETE FROM "AuditLog" WHERE id = $1`, [a.id]]] }),
    () => ({
      name: `delete 5 entries from ${a.id}`,
      statements: [
        [
          `DELETE FROM "AuditLog" WHERE id IN (SELECT id FROM "AuditLog" WHERE "organizationId" = $1 AND ("createdAt", id) >= ($2::timestamptz, $3::uuid) ORDER BY "createdAt", id LIMIT 5)`,
          [ORG, a.createdAt, a.id],
        ],
      ],
    }),
    () => ({
      name: `insert an entry after ${a.id}`,
      statements: [
        [
          `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType") SELECT auditlog.next_id(t), $1, t, 'delete', 'invoice', 'forged', 'USER' FROM (SELECT $2::timestamptz + interval '1 millisecond' * $3 AS t) x`,
          [ORG, a.createdAt, Math.floor(rand() * 3)],
        ],
      ],
    }),
    () => ({
      name: `copy entry ${a.id} under a new id`,
      statements: [
        [
          `INSERT INTO "AuditLog" SELECT (left(id::text, 19) || 'ffff' || right(id::text, 12))::uuid, "organizationId", "createdAt", action, "entityType", "entityId", "actorType", "actorUserId", "actorName", "actorEmail", "ipAddress", "userAgent", "requestId", changes, metadata FROM "AuditLog" WHERE id = $1`,
          [a.id],
        ],
      ],
    }),
    () => ({
      name: `swap the ids of ${a.id} and ${b.id}`,
      statements: [
        [`UPDATE "AuditLog" SET id = $2 WHERE id = $1`, [a.id, temp]],
        [`UPDATE "AuditLog" SET id = $1 WHERE id = $2`, [a.id, b.id]],
        [`UPDATE "AuditLog" SET id = $2 WHERE id = $1`, [temp, b.id]],
      ],
    }),
    () => ({
      name: `swap the times of ${a.id} and ${b.id}`,
      statements: [
        [
          `UPDATE "AuditLog" SET "createdAt" = CASE WHEN id = $1 THEN $4::timestamptz ELSE $3::timestamptz END WHERE id IN ($1, $2)`,
          [a.id, b.id, a.createdAt, b.createdAt],
        ],
      ],
    }),
    () => ({
      name: `move ${a.id} by ${kind % 2 ? '+' : '-'}1 ms`,
      statements: [
        [
          `UPDATE "AuditLog" SET "createdAt" = "createdAt" + interval '1 millisecond' * $2 WHERE id = $1`,
          [a.id, kind % 2 ? 1 : -1],
        ],
      ],
    }),
    () => ({
      name: `truncate the tail from block ${block} (blocks and entries)`,
      statements: [
        [
          `DELETE FROM "AuditLog" WHERE "organizationId" = $1 AND "createdAt" >= (SELECT "firstCreatedAt" FROM auditlog."AuditSealBlock" WHERE "organizationId" = $1 AND sequence = $2)`,
          [ORG, block],
        ],
        [`DELETE FROM auditlog."AuditSealBlock" WHERE "organizationId" = $1 AND sequence >= $2`, [ORG, block]],
      ],
    }),
    () => ({
      name: `delete block ${block}`,
      statements: [
        [`DELETE FROM auditlog."AuditSealBlock" WHERE "organizationId" = $1 AND sequence = $2`, [ORG, block]],
      ],
    }),
    () => ({
      name: `swap blocks ${block} and ${other}`,
      statements: [
        [
          `UPDATE auditlog."AuditSealBlock" SET sequence = 100000 WHERE "organizationId" = $1 AND sequence = $2`,
          [ORG, block],
        ],
        [
          `UPDATE auditlog."AuditSealBlock" SET sequence = $2 WHERE "organizationId" = $1 AND sequence = $3`,
          [ORG, block, other],
        ],
        [
          `UPDATE auditlog."AuditSealBlock" SET sequence = $2 WHERE "organizationId" = $1 AND sequence = 100000`,
          [ORG, other],
        ],
      ],
    }),
    () => ({
      name: `replace block ${block} with another organization's block 1`,
      statements: [
        [`DELETE FROM auditlog."AuditSealBlock" WHERE "organizationId" = $1 AND sequence = $2`, [ORG, block]],
        [
          `INSERT INTO auditlog."AuditSealBlock" SELECT $1, $2, "firstEntryId", "lastEntryId", "firstCreatedAt", "lastCreatedAt", "entryCount", "sealedThrough", "merkleRoot", "previousHash", "chainedHash", signature, "keyId", leaves, "sealedAt" FROM auditlog."AuditSealBlock" WHERE "organizationId" = $3 AND sequence = 1`,
          [ORG, block, OTHER],
        ],
      ],
    }),
    () => ({
      name: `edit block ${block}: ${BLOCK_EDITS[kind % BLOCK_EDITS.length]}`,
      statements: [
        [
          `UPDATE auditlog."AuditSealBlock" SET ${BLOCK_EDITS[kind % BLOCK_EDITS.length]} WHERE "organizationId" = $1 AND sequence = $2`,
          [ORG, block],
        ],
      ],
    }),
  ];
  return pick(kinds)();
}

describe.each(testEngines)('tampering on %s', (engine) => {
  const db = useTestDatabase(engine);
  const { privateKey } = sealKeys();
  const publicKey = createPublicKey(privateKey);
  let sql: SqlClient;
  let checkpoints: SignedBlock[];
  const sealed: Sealed = { entries: [], blocks: 0 };

  beforeAll(async () => {
    sql = await singleConnection(db().handle);
    await insertEntries(sql, ORG, { count: 600, start: daysAgo(3), stepMs: 200_000 });
    await insertEntries(sql, ORG, { count: 40, start: daysAgo(2), stepMs: 0 }); // one millisecond, ordered by id alone
    await insertEntries(sql, OTHER, { count: 100, start: daysAgo(3), stepMs: 60_000 });
    await sealOrganization(sql, ORG, { privateKey, blockSize: BLOCK_SIZE });
    await sealOrganization(sql, OTHER, { privateKey, blockSize: BLOCK_SIZE });
    await insertEntries(sql, ORG, { count: 5, start: new Date(Date.now() - 20_000), stepMs: 1000 }); // not final yet
    sealed.entries = await sql.query(
      `SELECT id::text AS id, "createdAt"::text AS "createdAt" FROM "AuditLog" WHERE "organizationId" = $1 AND "createdAt" < $2 ORDER BY "createdAt", id`,
      [ORG, daysAgo(0).toISOString()],
    );
    sealed.blocks = (await readBlocks(sql, ORG)).length;
    checkpoints = [(await lastBlock(sql, ORG)) as SignedBlock, (await lastBlock(sql, OTHER)) as SignedBlock];
    if (engine === 'postgres') {
      await sql.query('CREATE TABLE tamper_log AS SELECT * FROM "AuditLog"');
      await sql.query('CREATE TABLE tamper_blocks AS SELECT * FROM auditlog."AuditSealBlock"');
    }
  });
  afterAll(() => sql.close());

  const pool = () => new VerifyPool((sql as Required<SqlClient>).workerConnection, 2);
  let workers: VerifyPool | null = null;
  const verify = () => verifyOrganization(sql, ORG, { publicKey, checkpoints, workers: 1 });
  const verifyInParallel = () => {
    workers ??= pool();
    return verifyOrganization(sql, ORG, { publicKey, checkpoints, workers: 2, pool: workers });
  };
  afterAll(() => workers?.close());

  /** Applies a tampering and returns the verifiers' reports on it; leaves the log as it was. */
  async function tamperAndVerify(change: Tampering) {
    if (engine !== 'postgres') {
      await sql.query('BEGIN');
      try {
        await sql.query('SET LOCAL session_replication_role = replica');
        for (const [statement, params] of change.statements) await sql.query(statement, params);
        return [await verify()];
      } finally {
        await sql.query('ROLLBACK');
      }
    }
    await sql.query('BEGIN');
    await sql.query('SET LOCAL session_replication_role = replica');
    for (const [statement, params] of change.statements) await sql.query(statement, params);
    await sql.query('COMMIT');
    try {
      return [await verify(), await verifyInParallel()];
    } finally {
      await sql.query('BEGIN');
      await sql.query('SET LOCAL session_replication_role = replica');
      await sql.query('DELETE FROM "AuditLog"');
      await sql.query('INSERT INTO "AuditLog" SELECT * FROM tamper_log');
      await sql.query('DELETE FROM auditlog."AuditSealBlock"');
      await sql.query('INSERT INTO auditlog."AuditSealBlock" SELECT * FROM tamper_blocks');
      await sql.query('COMMIT');
    }
  }

  it('verifies the untouched log clean', async () => {
    // Blocks never span two UTC months (the fixture's days cross a month's end on some dates of the year).
    const [months] = await sql.query<{ blocks: number }>(
      `SELECT sum(ceil(n / ${BLOCK_SIZE}.0))::int AS blocks FROM (SELECT count(*) AS n FROM "AuditLog"
       WHERE "organizationId" = $1 AND "createdAt" < $2 GROUP BY date_trunc('month', "createdAt", 'UTC')) m`,
      [ORG, daysAgo(0).toISOString()],
    );
    expect(sealed.blocks).toBe(months?.blocks);
    expect(sealed.blocks).toBeGreaterThanOrEqual(Math.ceil(640 / BLOCK_SIZE));
    expect((await verify()).failure).toBeNull();
    if (engine === 'postgres') expect(await verifyInParallel()).toEqual(await verify());
  });

  const count = Number(process.env.SEAL_MUTATIONS ?? (engine === 'postgres' ? 1000 : 300));
  it(`detects every one of ${count} random tamperings made with superuser rights`, { timeout: 600_000 }, async () => {
    const seed = Number(process.env.SEAL_SEED ?? Date.now() % 1_000_000);
    const rand = random(seed);
    const pick: Pick = (items) => items[Math.floor(rand() * items.length)] as (typeof items)[0];
    const missed: string[] = [];
    const kinds = new Map<string, number>();
    for (let n = 0; n < count; n++) {
      const change = tampering(n, pick, rand, sealed);
      const [single, parallel] = await tamperAndVerify(change);
      if (!single?.failure) missed.push(change.name);
      if (parallel && !parallel.failure) missed.push(`${change.name} (in parallel)`);
      // The very same report: the same first broken link, found after the same number of entries.
      if (parallel) expect(parallel, `seed ${seed}: ${change.name}`).toEqual(single);
      const kind = change.name.split(' ').slice(0, 2).join(' ');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    expect(missed, `seed ${seed}: tamperings not detected`).toEqual([]);
    expect(kinds.size).toBeGreaterThanOrEqual(12);
    expect((await verify()).failure).toBeNull();
    if (engine === 'postgres') expect((await verifyInParallel()).failure).toBeNull();
  });
});
