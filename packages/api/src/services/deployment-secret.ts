/**
 * Secrets of one deployment (the cursor signing key): from the configuration when it gives one, otherwise made at
 * first start and kept in the database, so every server process of the deployment agrees and a restart keeps them.
 * Never a constant in the code: a key everyone can read signs nothing.
 */
import { randomBytes } from 'node:crypto';
import type { AuditedPrismaClient } from '@auditlog/db';

/** The secret named `name`: made (32 random bytes) by whichever process asks first, read by all others. */
export async function deploymentSecret(prisma: AuditedPrismaClient, name: string): Promise<Buffer> {
  const fresh = randomBytes(32).toString('base64url');
  await prisma.$executeRaw`INSERT INTO "DeploymentSecret" (name, value) VALUES (${name}, ${fresh}) ON CONFLICT (name) DO NOTHING`;
  const row = await prisma.deploymentSecret.findUniqueOrThrow({ where: { name } });
  return Buffer.from(row.value, 'base64url');
}

export const CURSOR_KEY_NAME = 'cursor-signing-key';
