-- Hand-written step (pnpm db:migrate --name audit_partitions --step packages/db/prisma/steps/audit_partitions.sql):
-- "AuditLog" becomes a table partitioned by month of "createdAt". Prisma's diff cannot say this; it is taken after
-- this step and adds the primary key and indexes of schema.prisma. The rows are kept: they go to the DEFAULT
-- partition here, and auditlog.maintain_partitions() (in the capture SQL below) moves them into their months.
ALTER TABLE "AuditLog" RENAME TO "AuditLog_unpartitioned";
ALTER TABLE "AuditLog_unpartitioned" DROP CONSTRAINT "AuditLog_pkey";
DROP INDEX "AuditLog_organizationId_createdAt_id_idx";
DROP INDEX "AuditLog_organizationId_action_createdAt_id_idx";
DROP INDEX "AuditLog_organizationId_entityType_createdAt_id_idx";
CREATE TABLE "AuditLog" (LIKE "AuditLog_unpartitioned" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
  PARTITION BY RANGE ("createdAt");
CREATE SCHEMA IF NOT EXISTS "auditlog";
-- The safety net: an entry dated in a month that has no partition yet lands here, never fails its business write.
CREATE TABLE "auditlog"."AuditLog_default" PARTITION OF "AuditLog" DEFAULT;
INSERT INTO "AuditLog" SELECT * FROM "AuditLog_unpartitioned";
DROP TABLE "AuditLog_unpartitioned";
