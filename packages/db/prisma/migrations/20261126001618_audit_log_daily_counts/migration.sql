-- CreateTable
CREATE TABLE "AuditLogDailyCount" (
    "organizationId" TEXT NOT NULL,
    "day" TIMESTAMPTZ(3) NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "AuditLogDailyCount_pkey" PRIMARY KEY ("organizationId","day","action","entityType")
);

-- CreateTable
CREATE TABLE "AuditLogRollup" (
    "organizationId" TEXT NOT NULL,
    "countedUntil" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AuditLogRollup_pkey" PRIMARY KEY ("organizationId")
);
