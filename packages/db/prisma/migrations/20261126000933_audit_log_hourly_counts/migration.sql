-- CreateTable
CREATE TABLE "AuditLogHourlyCount" (
    "organizationId" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "count" INTEGER NOT NULL,

    CONSTRAINT "AuditLogHourlyCount_pkey" PRIMARY KEY ("organizationId","hour","action","entityType")
);

-- CreateTable
CREATE TABLE "AuditLogRollup" (
    "organizationId" TEXT NOT NULL,
    "countedUntil" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AuditLogRollup_pkey" PRIMARY KEY ("organizationId")
);
