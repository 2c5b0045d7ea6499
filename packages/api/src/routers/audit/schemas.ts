/**
 * The audit API's contract: what `list`, `get` and `record` take and return. Dates travel as ISO 8601 strings (no
 * transformer), so any HTTP client can use the API; the types reach the web app and clients through `AppRouter`.
 */
import { MAX_JSON_BYTES, NAME_PATTERN, recordEntrySchema } from '@auditlog/audit';
import { z } from 'zod';

/** An instant PostgreSQL and JavaScript both represent: years 1970 to 9999. */
export function isSupportedInstant(value: string): boolean {
  const time = new Date(value).getTime();
  return time >= 0 && time < Date.UTC(10000, 0, 1);
}

const isoInstant = (what: string) =>
  z.iso
    .datetime({ offset: true, message: `${what} must be an ISO 8601 date-time with a time zone, e.g. 2026-11-25T00:00:00Z` })
    .refine(isSupportedInstant, `${what} must be between 1970 and 9999`);

const name = (what: string) =>
  z.string().trim().regex(NAME_PATTERN, `${what} must be lower-case letters, digits and underscores, e.g. "failed_login"`);

export const MAX_PAGE_SIZE = 100;

export const listInputSchema = z
  .object({
    action: name('action').optional(),
    entityType: name('entityType').optional(),
    /** Earliest time to include. */
    startDate: isoInstant('startDate').optional(),
    /** Latest time to include (inclusive). */
    endDate: isoInstant('endDate').optional(),
    page: z.number().int().min(1, 'page starts at 1').max(1_000_000).default(1),
    pageSize: z.number().int().min(1).max(MAX_PAGE_SIZE, `pageSize is at most ${MAX_PAGE_SIZE}`).default(25),
    /** From a previous response's nextCursor or prevCursor; walks without reading the skipped rows. */
    cursor: z.string().max(512).optional(),
  })
  .refine((input) => !input.startDate || !input.endDate || new Date(input.startDate) <= new Date(input.endDate), {
    message: 'startDate must not be after endDate',
    path: ['startDate'],
  });

export type ListInput = z.infer<typeof listInputSchema>;

/**
 * Who acted: a user (as they were named then), the system (a job, an integration, an API key), an anonymous caller
 * (an unauthenticated request, e.g. a failed sign-in), or nobody known: a write made outside any audit context.
 */
export const actorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), id: z.string().nullable(), name: z.string(), email: z.string().nullable() }),
  z.object({ type: z.literal('system'), name: z.string().nullable() }),
  z.object({ type: z.literal('anonymous') }),
  z.object({
    type: z.literal('unattributed'),
    /** `no_context`: the application wrote outside any audit context; `malformed_context`: its context was unreadable. */
    reason: z.enum(['no_context', 'malformed_context']),
  }),
]);

export const entitySchema = z.object({
  type: z.string(),
  id: z.string(),
  /** The record's name or number, or a shortened id when it no longer exists. */
  label: z.string(),
  /** `false`: the record was deleted; `null`: not a record type of this app. */
  exists: z.boolean().nullable(),
});

export const entrySummarySchema = z.object({
  id: z.string(),
  /** ISO 8601, UTC. */
  createdAt: z.string(),
  action: z.string(),
  actor: actorSchema,
  entity: entitySchema,
  ipAddress: z.string().nullable(),
});

export const listOutputSchema = z.object({
  items: z.array(entrySummarySchema),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  pageCount: z.number().int(),
  nextCursor: z.string().nullable(),
  prevCursor: z.string().nullable(),
});

export const getInputSchema = z.object({ id: z.uuid('id must be an audit entry id (a UUID)') });

export const changeSchema = z.object({ before: z.unknown(), after: z.unknown() });

export const entryDetailSchema = entrySummarySchema.extend({
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  /** `{ field: { before, after } }`, only the fields that changed; secrets redacted. */
  changes: z.record(z.string(), changeSchema).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});

/** Actions only the system writes: row changes come from the database, sign-ins from the auth service. */
export const SYSTEM_ACTIONS = ['create', 'update', 'delete', 'login', 'logout', 'failed_login'] as const;

/** Custom actions only, so that no caller can fake a row change or a sign-in. */
export const recordInputSchema = recordEntrySchema.extend({
  action: recordEntrySchema.shape.action.refine((action) => !(SYSTEM_ACTIONS as readonly string[]).includes(action), {
    message: `${SYSTEM_ACTIONS.join(', ')} are recorded by the system itself; record other actions here (e.g. "export")`,
  }),
});

export const recordOutputSchema = z.object({ id: z.string(), createdAt: z.string() });

export { MAX_JSON_BYTES };
export type EntrySummary = z.infer<typeof entrySummarySchema>;
export type EntryDetail = z.infer<typeof entryDetailSchema>;
export type ListOutput = z.infer<typeof listOutputSchema>;
