/**
 * What the admin sees of the seal (decision 015): when the log was last sealed and verified, and which block holds
 * an entry. These are the database's statements, not proofs: the proof is `pnpm audit:verify`, whose outcome is
 * what `lastVerification` reports. The runtime role may only read the seal tables.
 */
import type { AuditedPrismaClient } from '@auditlog/db';
import { auditRegistry, Prisma } from '@auditlog/db';
import type { EntrySeal, SealStatus } from '../contract/audit.ts';

/** An organization without a retention row keeps its entries this long (decision 015). */
const DEFAULT_RETENTION_DAYS = 400;

const internal = Prisma.raw(`"${auditRegistry.internalSchema.replaceAll('"', '""')}"`);

export async function getSealStatus(prisma: AuditedPrismaClient, organizationId: string): Promise<SealStatus> {
  const [blocks] = await prisma.$queryRaw<
    { blocks: bigint; entries: bigint | null; sealedAt: Date | null; sealedThrough: Date | null }[]
  >`SELECT count(*) AS blocks, sum("entryCount") AS entries, max("sealedAt") AS "sealedAt", max("sealedThrough") AS "sealedThrough"
    FROM ${internal}."AuditSealBlock" WHERE "organizationId" = ${organizationId}`;
  const [verification] = await prisma.$queryRaw<
    { verifiedAt: Date; ok: boolean; entries: bigint; failure: string | null }[]
  >`SELECT "verifiedAt", ok, entries, failure FROM ${internal}."AuditSealVerification"
    WHERE "organizationId" = ${organizationId} ORDER BY id DESC LIMIT 1`;
  const [retention] = await prisma.$queryRaw<{ days: number; legalHold: boolean }[]>`
    SELECT "retentionDays" AS days, "legalHold" FROM ${internal}."AuditRetention" WHERE "organizationId" = ${organizationId}`;
  return {
    retention: { days: retention?.days ?? DEFAULT_RETENTION_DAYS, legalHold: retention?.legalHold ?? false },
    blocks: Number(blocks?.blocks ?? 0),
    sealedEntries: Number(blocks?.entries ?? 0),
    lastSealedAt: blocks?.sealedAt?.toISOString() ?? null,
    sealedThrough: blocks?.sealedThrough?.toISOString() ?? null,
    lastVerification: verification
      ? {
          verifiedAt: verification.verifiedAt.toISOString(),
          ok: verification.ok,
          entries: Number(verification.entries),
          failure: verification.failure,
        }
      : null,
  };
}

/** The block whose range holds the entry, if one does. */
export async function getEntrySeal(
  prisma: AuditedPrismaClient,
  organizationId: string,
  entry: { id: string; createdAt: Date },
): Promise<EntrySeal> {
  const [block] = await prisma.$queryRaw<{ sequence: bigint; sealedAt: Date }[]>`
    SELECT sequence, "sealedAt" FROM ${internal}."AuditSealBlock"
    WHERE "organizationId" = ${organizationId}
      AND ("firstCreatedAt", "firstEntryId") <= (${entry.createdAt}::timestamptz, ${entry.id}::uuid)
      AND ("lastCreatedAt", "lastEntryId") >= (${entry.createdAt}::timestamptz, ${entry.id}::uuid)
    LIMIT 1`;
  return block
    ? { sealed: true, block: Number(block.sequence), sealedAt: block.sealedAt.toISOString() }
    : { sealed: false, block: null, sealedAt: null };
}
