-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'AUDITOR';

-- CreateTable
CREATE TABLE "AuditAccessMark" (
    "key" TEXT NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AuditAccessMark_pkey" PRIMARY KEY ("key","hour")
);
