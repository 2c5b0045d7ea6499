/** What `pnpm audit:seal` and `pnpm audit:verify` do, as functions the CLI, the server and the tests share. */
import { recordVerification, organizationIdBySlug, organizationsToVerify } from './store.ts';
import type { SqlClient } from './sql.ts';
import { VerifyPool } from './parallel.ts';
import { verifyOrganization } from './verifier.ts';
import type { OrganizationVerification, VerifyFailure, VerifyOptions } from './verifier.ts';

/** The organizations `--org <slug>` names (an unknown slug is an error, not an empty success), or all. */
export async function organizationsFor(sql: SqlClient, slug: string | undefined): Promise<string[]> {
  if (!slug) return organizationsToVerify(sql);
  const id = await organizationIdBySlug(sql, slug);
  if (!id) throw new Error(`No organization has the slug "${slug}".`);
  return [id];
}

export function describeFailure(failure: VerifyFailure): string {
  const where = [
    `organization ${failure.organizationId}`,
    failure.block === null ? 'after the last block' : `block ${failure.block}`,
    ...(failure.entryId ? [`entry ${failure.entryId}`] : []),
  ].join(', ');
  const diff =
    failure.expected || failure.found
      ? `\n  expected: ${failure.expected ?? '—'}\n  found:    ${failure.found ?? '—'}`
      : '';
  return `${where}: ${failure.problem}${diff}`;
}

/** Verifies each organization, records each outcome (for the admin page), and returns them all. */
export async function verifyOrganizations(
  sql: SqlClient,
  organizationIds: readonly string[],
  options: VerifyOptions & { record?: boolean },
): Promise<OrganizationVerification[]> {
  const reports: OrganizationVerification[] = [];
  // One set of worker threads for all organizations, started only if one of them is large enough to need it.
  const connection = sql.workerConnection;
  const pool =
    options.pool ?? (connection && options.workers !== 1 ? new VerifyPool(connection, options.workers) : undefined);
  try {
    for (const organizationId of organizationIds)
      reports.push(await verifyAndRecord(sql, organizationId, { ...options, pool }));
  } finally {
    if (pool && !options.pool) await pool.close();
  }
  return reports;
}

async function verifyAndRecord(
  sql: SqlClient,
  organizationId: string,
  options: VerifyOptions & { record?: boolean },
): Promise<OrganizationVerification> {
  const report = await verifyOrganization(sql, organizationId, options);
  if (options.record === false) return report;
  const { entries, blocks, sealedThrough, failure } = report;
  await recordVerification(sql, {
    organizationId,
    ok: failure === null,
    entries,
    blocks,
    sealedThrough,
    failure: failure && describeFailure(failure),
  });
  return report;
}
