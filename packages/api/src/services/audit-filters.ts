/**
 * The list's filters as SQL, written once: the list's page query, its exact count and the daily counts all filter
 * the same columns (the count tables have `action` and `entityType` too), so every filter added here reaches all three.
 */
import { Prisma } from '@auditlog/db';
import type { ListInput } from '../contract/audit.ts';

export interface AuditFilters {
  action?: string | undefined;
  entityType?: string | undefined;
  /** Inclusive bounds. */
  start?: Date | undefined;
  end?: Date | undefined;
}

export function filtersOf(input: ListInput): AuditFilters {
  return {
    action: input.action,
    entityType: input.entityType,
    start: input.startDate ? new Date(input.startDate) : undefined,
    end: input.endDate ? new Date(input.endDate) : undefined,
  };
}

/** The organization and the filters on columns that entries and daily counts share. */
export function sharedConditions(organizationId: string, filters: AuditFilters): Prisma.Sql[] {
  const where = [Prisma.sql`"organizationId" = ${organizationId}`];
  if (filters.action) where.push(Prisma.sql`action = ${filters.action}`);
  if (filters.entityType) where.push(Prisma.sql`"entityType" = ${filters.entityType}`);
  return where;
}

/** Every filter, for the entries table. */
export function entryConditions(organizationId: string, filters: AuditFilters): Prisma.Sql[] {
  const where = sharedConditions(organizationId, filters);
  if (filters.start) where.push(Prisma.sql`"createdAt" >= ${filters.start}`);
  if (filters.end) where.push(Prisma.sql`"createdAt" <= ${filters.end}`);
  return where;
}

export const allOf = (conditions: Prisma.Sql[]) => Prisma.join(conditions, ' AND ');
