/**
 * The parallel verifier at its seams (decision 015): tamperings exactly where one worker's range ends and the next
 * begins are caught, and reported word for word as one pass reports them; with two tamperings, the earliest in list
 * order is the one reported. PGlite has no second connection to give a worker: it always verifies in one thread.
 * And key rotation: a chain signed by two keys verifies with both given, and names the first block whose key is not.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { keyIdOf, sealOrganization, SealRefusedError, verifyOrganization, VerifyPool } from '../src/index.ts';
import type { PublicKeys, SignedBlock, SqlClient } from '../src/index.ts';
import { signChainedHash } from '../src/checkpoint.ts';
import { splitRanges } from '../src/parallel.ts';
import { readBlocks } from '../src/store.ts';
import { daysAgo, insertEntries, sealKeys, singleConnection } from './support.ts';

const ORG = 'org_p';

describe.each(testEngines)('parallel verification on %s', (engine) => {
  const db = useTestDatabase(engine);
  const { privateKey } = sealKeys();
  const publicKey = createPublicKey(privateKey);
  let sql: SqlClient;
  let pool: VerifyPool | null = null;
  let blocks: SignedBlock[];

  beforeAll(async () => {
    sql = await singleConnection(db().handle);
    await insertEntries(sql, ORG, { count: 640, start: daysAgo(3), stepMs: 200_000 });
    await sealOrganization(sql, ORG, { privateKey, blockSize: 64 });
    blocks = await readBlocks(sql, ORG);
    await sql.query('CREATE TABLE snapshot_log AS SELECT * FROM "AuditLog"');
    await sql.query('CREATE TABLE snapshot_blocks AS SELECT * FROM auditlog."AuditSealBlock"');
  });
  afterAll(async () => {
    await pool?.close();
    await sql.close();
  });

  const single = (keys: PublicKeys = publicKey) => verifyOrganization(sql, ORG, { publicKey: keys, workers: 1 });
  const parallel = () => {
    if (!sql.workerConnection) throw new Error('no worker connection');
    pool ??= new VerifyPool(sql.workerConnection, 2);
    return verifyOrganization(sql, ORG, { publicKey, workers: 2, pool });
  };

  /** Commits `statements` with the triggers off (superuser rights), runs `check`, then restores the snapshot. */
  async function tampered<T>(statements: [string, unknown[]][], check: () => Promise<T>): Promise<T> {
    const replica = async (run: () => Promise<void>) => {
      await sql.query('BEGIN');
      await sql.query('SET LOCAL session_replication_role = replica');
      await run();
      await sql.query('COMMIT');
    };
    await replica(async () => {
      for (const [statement, params] of statements) await sql.query(statement, params);
    });
    try {
      return await check();
    } finally {
      await replica(async () => {
        await sql.query('DELETE FROM "AuditLog"');
        await sql.query('INSERT INTO "AuditLog" SELECT * FROM snapshot_log');
        await sql.query('DELETE FROM auditlog."AuditSealBlock"');
        await sql.query('INSERT INTO auditlog."AuditSealBlock" SELECT * FROM snapshot_blocks');
      });
    }
  }

  it.runIf(engine === 'postgres')(
    'catches every tampering at the seam between two ranges, as one pass does',
    async () => {
      const [first, second] = splitRanges(blocks, 2);
      const end = first?.at(-1) as SignedBlock; // the last block of the first worker's range
      const start = second?.[0] as SignedBlock; // the first block of the second's
      expect(start.sequence).toBe(end.sequence + 1);
      const cases: [string, [string, unknown[]][]][] = [
        ['delete the last entry of the range', [[`DELETE FROM "AuditLog" WHERE id = $1`, [end.lastEntryId]]]],
        ['delete the first entry of the next', [[`DELETE FROM "AuditLog" WHERE id = $1`, [start.firstEntryId]]]],
        [
          'insert an entry between the two',
          [
            [
              `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
             SELECT auditlog.next_id(t), $1, t, 'delete', 'invoice', 'forged', 'USER'
             FROM (SELECT $2::timestamptz + interval '1 millisecond' AS t) x`,
              [ORG, end.lastCreatedAt],
            ],
          ],
        ],
        [
          'move the last entry of the range 1 ms later',
          [
            [
              `UPDATE "AuditLog" SET "createdAt" = "createdAt" + interval '1 millisecond' WHERE id = $1`,
              [end.lastEntryId],
            ],
          ],
        ],
        [
          'move the first entry of the next 1 ms earlier',
          [
            [
              `UPDATE "AuditLog" SET "createdAt" = "createdAt" - interval '1 millisecond' WHERE id = $1`,
              [start.firstEntryId],
            ],
          ],
        ],
        [
          'edit the first entry of the next',
          [[`UPDATE "AuditLog" SET action = 'x' WHERE id = $1`, [start.firstEntryId]]],
        ],
        ['edit the last entry of the range', [[`UPDATE "AuditLog" SET action = 'x' WHERE id = $1`, [end.lastEntryId]]]],
      ];
      for (const [name, statements] of cases) {
        const [one, two] = await tampered(statements, async () => [await single(), await parallel()]);
        expect(one?.failure, name).not.toBeNull();
        expect([end.sequence, start.sequence], name).toContain(one?.failure?.block);
        expect(two, name).toEqual(one);
      }
      expect((await parallel()).failure).toBeNull();
    },
  );

  it.runIf(engine === 'postgres')('reports the earliest of two broken links, found by different workers', async () => {
    const early = blocks[1] as SignedBlock;
    const late = blocks[8] as SignedBlock;
    const report = await tampered(
      [
        [`UPDATE "AuditLog" SET action = 'x' WHERE id = $1`, [late.firstEntryId]],
        [`UPDATE "AuditLog" SET action = 'x' WHERE id = $1`, [early.lastEntryId]],
      ],
      parallel,
    );
    expect(report.failure).toMatchObject({ block: early.sequence, entryId: early.lastEntryId });
  });

  it.runIf(engine === 'pglite')(
    'verifies in one thread when asked for workers (no connection to give them)',
    async () => {
      expect(sql.workerConnection).toBeUndefined();
      const report = await verifyOrganization(sql, ORG, { publicKey, workers: 2 });
      expect(report).toEqual(await single());
      expect(report.failure).toBeNull();
    },
  );

  it('verifies a chain signed across a key rotation with both keys, and names the first block of a key not given', async () => {
    const next = sealKeys().privateKey;
    const rotated = blocks.slice(6);
    const resign = rotated.map((block): [string, unknown[]] => [
      `UPDATE auditlog."AuditSealBlock" SET signature = decode($3, 'hex'), "keyId" = $4 WHERE "organizationId" = $1 AND sequence = $2`,
      [ORG, block.sequence, signChainedHash(block.chainedHash, next), keyIdOf(next)],
    ]);
    await tampered(resign, async () => {
      const nextPublic = createPublicKey(next);
      expect((await single([publicKey, nextPublic])).failure).toBeNull();
      expect((await single(publicKey)).failure).toMatchObject({
        block: rotated[0]?.sequence,
        problem: `the block row was changed: it is signed by key ${keyIdOf(next)}, not by the public key given (${keyIdOf(publicKey)})`,
      });
      expect((await single(nextPublic)).failure).toMatchObject({ block: 1 });
      // The sealer extends the chain from the new key's block only with the new key, or when told the old one.
      await expect(sealOrganization(sql, ORG, { privateKey })).rejects.toThrow(SealRefusedError);
      await expect(sealOrganization(sql, ORG, { privateKey, previousPublicKeys: [nextPublic] })).resolves.toMatchObject(
        { blocks: 0 },
      );
    });
  });
});
