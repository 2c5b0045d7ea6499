/**
 * Small builders shared by the capture tests (of this package and of @auditlog/tooling): an organization with a user,
 * and the entries about some records.
 */
import type { AuditedPrismaClient } from '../client.ts';

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

export async function createOrganization(prisma: AuditedPrismaClient, name = unique('Org')) {
  const organization = await prisma.organization.create({ data: { name, slug: unique('org') } });
  const user = await prisma.user.create({
    data: {
      organizationId: organization.id,
      name: `Admin of ${name}`,
      email: `${unique('admin')}@example.test`,
      passwordHash: 'scrypt$not-a-real-hash',
      role: 'ADMIN',
    },
  });
  return { organization, user };
}

/** Entries about the given records, oldest first. */
export function entriesFor(prisma: AuditedPrismaClient, entityIds: string[]) {
  return prisma.auditLog.findMany({
    where: { entityId: { in: entityIds } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
}

export function countEntries(prisma: AuditedPrismaClient, entityIds: string[]) {
  return prisma.auditLog.count({ where: { entityId: { in: entityIds } } });
}
