-- Hand-written step (pnpm db:migrate --name facet_counts --step packages/db/prisma/steps/facet_counts.sql): the
-- per-facet daily counts (actor, IP address, request id) must cover the same days as "AuditLogDailyCount", and the
-- new tables start empty. Forgetting how far the counts go makes the next list of each organization count every
-- final day again, for all the count tables at once (decision 007: lazily, by the first reader).
DELETE FROM "AuditLogDailyCount";
DELETE FROM "AuditLogRollup";
