-- The app's tables, as `prisma migrate dev` writes them for schema.prisma (written here by hand: the test runs
-- offline, where Prisma's schema-engine binary cannot be downloaded).
CREATE TYPE "AuditActorType" AS ENUM ('USER', 'SYSTEM', 'UNATTRIBUTED', 'ANONYMOUS');

CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

CREATE TABLE "Project" (
    "id" SERIAL NOT NULL,
    "organizationId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Task" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "projectId" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "done" BOOLEAN NOT NULL DEFAULT false,
    "apiToken" TEXT,
    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "Task" ADD CONSTRAINT "Task_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "activity_entries" (
    "id" UUID NOT NULL,
    "organizationId" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "action" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "actorType" "AuditActorType" NOT NULL,
    "actorUserId" TEXT,
    "actorName" TEXT,
    "actorEmail" TEXT,
    "ipAddress" TEXT,
    "userAgent" TEXT,
    "requestId" TEXT,
    "changes" JSONB,
    "metadata" JSONB,
    CONSTRAINT "activity_entries_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "activity_entries_organizationId_createdAt_id_idx" ON "activity_entries"("organizationId", "createdAt" DESC, "id" DESC);
