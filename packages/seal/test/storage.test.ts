/**
 * The seal's tables (decision 015): append-only for everyone, read-only for the runtime role, written only through
 * append_seal_block(), which refuses a block that does not continue the chain or covers entries that are not final.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { buildBlock, sealOrganization, sqlClientFor } from '../src/index.ts';
import type { SqlClient } from '../src/index.ts';
import { appendBlock, lastBlock, readEntries } from '../src/store.ts';
import { daysAgo, insertEntries, sealKeys } from './support.ts';

const APPEND =
  'auditlog.append_seal_block(text, bigint, uuid, uuid, timestamptz, timestamptz, integer, timestamptz, bytea, bytea, bytea, bytea, text, bytea)';

describe.each(testEngines)('seal storage on %s', (engine) => {
  const db = useTestDatabase(engine);
  const { privateKey } = sealKeys();
  const role = `auditlog_runtime_${randomUUID().slice(0, 8)}`;
  let sql: SqlClient;

  beforeAll(async () => {
    sql = sqlClientFor(db());
    await sql.query(`CREATE ROLE "${role}"`);
    await sql.query(`SELECT auditlog.grant_runtime($1)`, [role]);
    await insertEntries(sql, 'org_s', { count: 50, start: daysAgo(2), stepMs: 1000 });
    await sealOrganization(sql, 'org_s', { privateKey, blockSize: 20 });
  });
  afterAll(async () => {
    await sql.query(`DELETE FROM auditlog.runtime_roles WHERE role_name = $1`, [role]);
    await sql.query(`DROP OWNED BY "${role}"`);
    await sql.query(`DROP ROLE "${role}"`);
    await sql.close();
  });

  const error = (promise: Promise<unknown>) =>
    promise.then(
      () => 'succeeded',
      (e: unknown) => String(e),
    );

  it.each([
    ['UPDATE a block', `UPDATE auditlog."AuditSealBlock" SET "entryCount" = 1`],
    ['DELETE a block', `DELETE FROM auditlog."AuditSealBlock"`],
    ['TRUNCATE the blocks', `TRUNCATE auditlog."AuditSealBlock"`],
    ['DELETE a verification', `DELETE FROM auditlog."AuditSealVerification"`],
  ])('refuses to %s, even to the owner (append-only)', async (_name, statement) => {
    expect(await error(sql.query(statement))).toMatch(/append-only/);
  });

  it('gives the runtime role SELECT on the seal tables and append_seal_block(), never INSERT, UPDATE, DELETE or pruning', async () => {
    const [row] = await sql.query<Record<string, boolean>>(
      `SELECT has_table_privilege($1, 'auditlog."AuditSealBlock"', 'SELECT') AS "select",
              has_table_privilege($1, 'auditlog."AuditSealBlock"', 'INSERT') AS "insert",
              has_table_privilege($1, 'auditlog."AuditSealBlock"', 'UPDATE') AS "update",
              has_table_privilege($1, 'auditlog."AuditSealBlock"', 'DELETE') AS "delete",
              has_table_privilege($1, 'auditlog."AuditSealVerification"', 'INSERT') AS "insertVerification",
              has_function_privilege($1, '${APPEND}', 'EXECUTE') AS "append",
              has_function_privilege($1, 'auditlog.prune_months(text, timestamptz, bigint, text, text, text)', 'EXECUTE') AS "prune",
              has_function_privilege($1, 'auditlog.set_retention(text, integer, boolean)', 'EXECUTE') AS "retention"`,
      [role],
    );
    expect(row).toEqual({
      select: true,
      insert: false,
      update: false,
      delete: false,
      insertVerification: false,
      append: true,
      prune: false,
      retention: false,
    });
  });

  it('seals only final days, in blocks of the size asked', async () => {
    const [row] = await sql.query<{ blocks: number; entries: number; through: string }>(
      `SELECT count(*)::int AS blocks, sum("entryCount")::int AS entries, max("sealedThrough")::text AS through
       FROM auditlog."AuditSealBlock" WHERE "organizationId" = 'org_s'`,
    );
    expect(row).toMatchObject({ blocks: 3, entries: 50 });
    await insertEntries(sql, 'org_s', { count: 3, start: new Date(Date.now() - 10_000), stepMs: 10 });
    expect(await sealOrganization(sql, 'org_s', { privateKey })).toMatchObject({ blocks: 0, entries: 0 });
  });

  it('refuses a block that does not continue the chain', async () => {
    const previous = await lastBlock(sql, 'org_s');
    await insertEntries(sql, 'org_s', { count: 2, start: daysAgo(1), stepMs: 1000 });
    const entries = await readEntries(sql, 'org_s', { after: null, before: null, limit: 2 });
    const replay = buildBlock(previous, entries, daysAgo(0).toISOString(), privateKey);
    expect(await error(appendBlock(sql, replay.block, replay.leaves))).toMatch(/not final or already sealed/);
    const fork = buildBlock(
      { ...(previous as NonNullable<typeof previous>), sequence: 1 },
      entries,
      daysAgo(0).toISOString(),
      privateKey,
    );
    expect(await error(appendBlock(sql, fork.block, fork.leaves))).toMatch(/does not continue the chain/);
  });

  it('refuses a block that leaves an entry out or reaches past the finality horizon', async () => {
    const previous = await lastBlock(sql, 'org_s');
    const after = previous && { createdAt: previous.lastCreatedAt, id: previous.lastEntryId };
    const pending = await readEntries(sql, 'org_s', { after, before: null, limit: 10 });
    const skipping = buildBlock(previous, pending.slice(1, 2), daysAgo(0).toISOString(), privateKey);
    expect(await error(appendBlock(sql, skipping.block, skipping.leaves))).toMatch(
      /names 1 entries, the table holds 2/,
    );
    const early = buildBlock(previous, pending, new Date().toISOString(), privateKey);
    expect(await error(appendBlock(sql, early.block, early.leaves))).toMatch(/not final/);
  });
});
