export { assertCaptureMatches, openDatabase } from './client.ts';
export type {
  AuditedPrismaClient,
  AuditedTransactionClient,
  Database,
  DatabaseConnection,
  DatabaseEngine,
  DatabaseOptions,
} from './client.ts';
export { dropDatabase, parsePostgresUrl, resolvePostgresConfig } from './adapters.ts';
export type { PostgresConfig } from './adapters.ts';
export { auditRegistry } from './audit-registry.ts';
export { env as databaseEnv } from './env.ts';
export { auditConfig } from './audited.ts';
export { assertPostgresUrl, connectionError, DatabaseConfigError, redactUrl } from './errors.ts';
export { PrismaClient, Prisma } from './generated/prisma/client.ts';
export type * from './generated/prisma/client.ts';
export * from './generated/prisma/enums.ts';
