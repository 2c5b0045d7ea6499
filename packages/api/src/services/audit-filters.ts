/**
 * The list's filters as SQL, written once: the list's page query, its exact count and the daily counts all filter
 * the same columns (the count tables have `action` and `entityType` too), so every filter added here reaches all three.
 * The investigation's filters (actor, IP, record, request, roll-up) are not in those daily counts
 * (`hasEntryOnlyFilters`): the actor, IP and request filters have per-facet daily counts of their own
 * (`audit-counts.ts`), the others are counted from the entries.
 */
import { Prisma } from '@auditlog/db';
import { IPV4_TEXT, IPV6_TEXT, parseIpFilter } from '@auditlog/audit/search';
import type { ListInput } from '../contract/audit.ts';

/** A place in list order: an entry's time and id. */
export interface ListPosition {
  at: Date;
  id: string;
}

/** A record whose entries belong to a roll-up, between two entries (inclusive; unbounded when absent). */
export interface RollupMember {
  entityType: string;
  entityId: string;
  from?: ListPosition | undefined;
  to?: ListPosition | undefined;
}

export type ResolvedActor =
  | { type: 'user'; ids: string[] }
  | { type: 'user-email'; email: string }
  | { type: 'system'; name?: string | undefined }
  | { type: 'anonymous' }
  | { type: 'unattributed' };

export interface AuditFilters {
  action?: string | undefined;
  entityType?: string | undefined;
  /** Inclusive bounds. */
  start?: Date | undefined;
  end?: Date | undefined;
  entityId?: string | undefined;
  actor?: ResolvedActor | undefined;
  /** Canonical, as the contract leaves it. */
  ip?: string | undefined;
  requestId?: string | undefined;
  /** The records of a roll-up (the root among them). */
  within?: RollupMember[] | undefined;
}

/** The filters that need no database lookup (actor emails and roll-ups are resolved by `resolveFilters`). */
export function filtersOf(input: ListInput): AuditFilters {
  return {
    action: input.action,
    entityType: input.entityType,
    start: input.startDate ? new Date(input.startDate) : undefined,
    end: input.endDate ? new Date(input.endDate) : undefined,
    entityId: input.entityId,
    ip: input.ip,
    requestId: input.requestId,
  };
}

/** Whether a filter the action and entity-type daily counts do not have is set. */
export const hasEntryOnlyFilters = (filters: AuditFilters) =>
  Boolean(
    filters.entityId !== undefined || filters.actor || filters.ip || filters.requestId !== undefined || filters.within,
  );

/** The organization and the filters on columns that entries and daily counts share. */
export function sharedConditions(organizationId: string, filters: AuditFilters): Prisma.Sql[] {
  const where = [Prisma.sql`"organizationId" = ${organizationId}`];
  if (filters.action) where.push(Prisma.sql`action = ${filters.action}`);
  if (filters.entityType) where.push(Prisma.sql`"entityType" = ${filters.entityType}`);
  return where;
}

function actorCondition(actor: ResolvedActor): Prisma.Sql {
  switch (actor.type) {
    case 'user':
      return actor.ids.length === 1
        ? Prisma.sql`"actorUserId" = ${actor.ids[0]} AND "actorType" = 'USER'`
        : Prisma.sql`"actorUserId" = ANY(${actor.ids}::text[]) AND "actorType" = 'USER'`;
    case 'user-email':
      return Prisma.sql`lower("actorEmail") = ${actor.email} AND "actorType" = 'USER'`;
    case 'system':
      return actor.name === undefined
        ? Prisma.sql`"actorType" = 'SYSTEM'`
        : Prisma.sql`"actorType" = 'SYSTEM' AND "actorName" = ${actor.name}`;
    case 'anonymous':
      return Prisma.sql`"actorType" = 'ANONYMOUS'`;
    case 'unattributed':
      return Prisma.sql`"actorType" = 'UNATTRIBUTED'`;
  }
}

// Stored addresses are normalized by the server, but anyone with the runtime role can write any text: only text that
// is an address in PostgreSQL's eyes is cast to inet, so a stray value can never fail the query.
function ipCondition(text: string): Prisma.Sql {
  const parsed = parseIpFilter(text);
  if (!parsed.ok) throw new Error(`unparsed IP filter ${text}`);
  const { version, prefix } = parsed.value;
  if (version === 4 && prefix === 32) return Prisma.sql`"ipAddress" = ${parsed.value.address}`;
  const shape = version === 4 ? IPV4_TEXT : IPV6_TEXT;
  return Prisma.sql`(CASE WHEN "ipAddress" ~ ${shape} THEN "ipAddress"::inet <<= ${parsed.value.text}::inet ELSE false END)`;
}

/** Entries of the roll-up's records: the unbounded ones by (type, id), the moved ones between their bounds. */
function withinCondition(members: RollupMember[]): Prisma.Sql {
  const whole = members.filter((member) => !member.from && !member.to);
  const parts: Prisma.Sql[] = [];
  if (whole.length) {
    parts.push(Prisma.sql`("entityType", "entityId") IN (SELECT * FROM unnest(${whole.map((m) => m.entityType)}::text[],
      ${whole.map((m) => m.entityId)}::text[]))`);
  }
  for (const member of members) {
    if (!member.from && !member.to) continue;
    const bounds = [Prisma.sql`"entityType" = ${member.entityType}`, Prisma.sql`"entityId" = ${member.entityId}`];
    if (member.from) bounds.push(Prisma.sql`("createdAt", id) >= (${member.from.at}, ${member.from.id}::uuid)`);
    if (member.to) bounds.push(Prisma.sql`("createdAt", id) <= (${member.to.at}, ${member.to.id}::uuid)`);
    parts.push(Prisma.sql`(${Prisma.join(bounds, ' AND ')})`);
  }
  return parts.length ? Prisma.sql`(${Prisma.join(parts, ' OR ')})` : Prisma.sql`false`;
}

/** Every filter, for the entries table. */
export function entryConditions(organizationId: string, filters: AuditFilters): Prisma.Sql[] {
  const where = sharedConditions(organizationId, filters);
  if (filters.start) where.push(Prisma.sql`"createdAt" >= ${filters.start}`);
  if (filters.end) where.push(Prisma.sql`"createdAt" <= ${filters.end}`);
  if (filters.entityId !== undefined) where.push(Prisma.sql`"entityId" = ${filters.entityId}`);
  if (filters.actor) where.push(actorCondition(filters.actor));
  if (filters.ip) where.push(ipCondition(filters.ip));
  if (filters.requestId !== undefined) where.push(Prisma.sql`"requestId" = ${filters.requestId}`);
  if (filters.within) where.push(withinCondition(filters.within));
  return where;
}

export const allOf = (conditions: Prisma.Sql[]) => Prisma.join(conditions, ' AND ');
