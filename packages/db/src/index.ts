export { openDatabase } from './client.ts';
export type { AuditedPrismaClient, AuditedTransactionClient, Database, DatabaseEngine, DatabaseOptions } from './client.ts';
export { auditConfig } from './audited.ts';
export { auditRegistry } from './audit-registry.ts';
export { DatabaseConfigError, redactUrl } from './errors.ts';
export { PrismaClient, Prisma } from './generated/prisma/client.ts';
export type * from './generated/prisma/client.ts';
export * from './generated/prisma/enums.ts';
