/**
 * The audit API's contract: what `list`, `get` and `record` take and return, imported by the routers (to validate)
 * and the services (for their types), so neither depends on the other. Dates travel as ISO 8601 strings (no
 * transformer), so any HTTP client can use the API; the types reach the web app and clients through `AppRouter`.
 */
import { isReservedAction, MAX_JSON_BYTES, NAME_PATTERN, recordEntrySchema, RESERVED_ACTIONS } from '@auditlog/audit';
import { parseIpFilter } from '@auditlog/audit/search';
import { z } from 'zod';

/** An instant PostgreSQL and JavaScript both represent: years 1970 to 9999. */
export function isSupportedInstant(value: string): boolean {
  const time = new Date(value).getTime();
  return time >= 0 && time < Date.UTC(10000, 0, 1);
}

const isoInstant = (what: string) =>
  z.iso
    .datetime({
      offset: true,
      message: `${what} must be an ISO 8601 date-time with a time zone, e.g. 2026-11-25T00:00:00Z`,
    })
    .refine(isSupportedInstant, `${what} must be between 1970 and 9999`);

const name = (what: string) =>
  z
    .string()
    .trim()
    .regex(NAME_PATTERN, `${what} must be lower-case letters, digits and underscores, e.g. "failed_login"`);

export const MAX_PAGE_SIZE = 100;

const recordId = (what: string) =>
  z.string().min(1, `${what} must not be empty`).max(191, `${what} is at most 191 characters`);

/**
 * Whose entries: a user (by id, or by email: the user of that email in the organization, else entries that carried
 * it), the system (any job or API key, or the one of that name), anonymous callers (failed sign-ins), or writes made
 * outside any audit context.
 */
export const actorFilterSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('user'),
      id: recordId('actor.id').optional(),
      email: z.string().trim().max(320).optional(),
    })
    .refine((actor) => (actor.id === undefined) !== (actor.email === undefined), {
      message: 'a user actor needs exactly one of id and email',
    }),
  z.object({ type: z.literal('system'), name: z.string().min(1).max(200).optional() }),
  z.object({ type: z.literal('anonymous') }),
  z.object({ type: z.literal('unattributed') }),
]);

/** One IP address or a CIDR range, validated and put in canonical form (`203.0.113.7/24` → `203.0.113.0/24`). */
export const ipFilterSchema = z
  .string()
  .max(64, 'ip is at most 64 characters')
  .transform((value, context) => {
    const parsed = parseIpFilter(value);
    if (parsed.ok) return parsed.value.text;
    context.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  });

export const recordRefSchema = z.object({ entityType: name('entityType'), entityId: recordId('entityId') });

/** The investigation's filters, beside the spec's: combinable with them and with each other. */
const investigationFilters = {
  actor: actorFilterSchema.optional(),
  ip: ipFilterSchema.optional(),
  /** With entityType: the entries of one record. */
  entityId: recordId('entityId').optional(),
  /** A record and every record that belongs to it (through the schema's relations), deleted or moved ones too. */
  within: recordRefSchema.optional(),
  requestId: z.string().min(1).max(200, 'requestId is at most 200 characters').optional(),
};

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
    ...investigationFilters,
  })
  .refine((input) => !input.startDate || !input.endDate || new Date(input.startDate) <= new Date(input.endDate), {
    message: 'startDate must not be after endDate',
    path: ['startDate'],
  })
  .refine((input) => input.entityId === undefined || input.entityType !== undefined, {
    message: 'entityId needs entityType (the record is a type and an id)',
    path: ['entityId'],
  });

export type ListInput = z.infer<typeof listInputSchema>;
export type ActorFilterInput = z.infer<typeof actorFilterSchema>;

/**
 * Who acted: a user (as they were named then), the system (a job, an integration, an API key), an anonymous caller
 * (an unauthenticated request, e.g. a failed sign-in), or nobody known: a write made outside any audit context.
 */
export const actorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), id: z.string().nullable(), name: z.string(), email: z.string().nullable() }),
  z.object({ type: z.literal('system'), name: z.string().nullable() }),
  /** Nobody verified (a failed sign-in): `attemptedEmail` is what the caller claimed to be, not who they are. */
  z.object({ type: z.literal('anonymous'), attemptedEmail: z.string().nullable() }),
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

export const changeSchema = z.object({
  before: z.unknown(),
  after: z.unknown(),
  /**
   * Keyed fingerprints of the sides that had a value, when the stored values cannot show the change (a secret, binary
   * data, a text whose differences were all redacted or truncated away): they tell that it changed, never what to.
   */
  fingerprint: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(),
});

/** The record a foreign key named, with its label as the log held it when the entry was written. */
export const referencedRecordSchema = z.object({
  id: z.string(),
  label: z.string(),
  /** As in `entity`: `true` exists now, `false` deleted since, `null` unknown to the log. */
  exists: z.boolean().nullable(),
  /**
   * `entry`: the label as of the entry, rebuilt from the record's own entries up to it (frozen at write time);
   * `now`: the log holds no snapshot of the record (made before auditing began), so this is its current label.
   */
  asOf: z.enum(['entry', 'now']),
});

/** A changed foreign key (`clientId`): the records on each side, named as they were then. */
export const referenceSchema = z.object({
  entityType: z.string(),
  before: referencedRecordSchema.nullable(),
  after: referencedRecordSchema.nullable(),
});

/** At most this many other entries of an entry's request come with it. */
export const MAX_SAME_REQUEST = 50;

/** Whether a sealed block holds the entry (decision 015); entries are sealed once their day is final. */
export const entrySealSchema = z.object({
  sealed: z.boolean(),
  block: z.number().int().nullable(),
  sealedAt: z.string().nullable(),
});

/** When the organization's log was last sealed, and what the last verification run found. */
export const sealStatusSchema = z.object({
  blocks: z.number().int(),
  sealedEntries: z.number().int(),
  lastSealedAt: z.string().nullable(),
  /** Every entry before this time is sealed. */
  sealedThrough: z.string().nullable(),
  lastVerification: z
    .object({ verifiedAt: z.string(), ok: z.boolean(), entries: z.number().int(), failure: z.string().nullable() })
    .nullable(),
  /** How long entries are kept (default 400 days), and whether a legal hold stops all removal. */
  retention: z.object({ days: z.number().int(), legalHold: z.boolean() }),
});

export const entryDetailSchema = entrySummarySchema.extend({
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  /** `{ field: { before, after } }`, only the fields that changed; secrets redacted. */
  changes: z.record(z.string(), changeSchema).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  seal: entrySealSchema,
  /** The changed foreign keys among `changes`, by field, with the records' labels as of the entry. */
  references: z.record(z.string(), referenceSchema),
  /**
   * The other entries written by the same request (same `requestId`), oldest first: their number and the first
   * MAX_SAME_REQUEST of them. Null when the entry has no request id.
   */
  sameRequest: z.object({ total: z.number().int(), items: z.array(entrySummarySchema) }).nullable(),
});

/** One record's entries, oldest first (with `includeRelated`, those of every record belonging to it too). */
export const historyInputSchema = recordRefSchema.extend({
  includeRelated: z.boolean().default(false),
  limit: z.number().int().min(1).max(500, 'limit is at most 500').default(200),
  /** From a previous response's nextCursor. */
  cursor: z.string().max(512).optional(),
});

export const historyEntrySchema = entrySummarySchema.extend({
  requestId: z.string().nullable(),
  changes: z.record(z.string(), changeSchema).nullable(),
  /** The changed foreign keys, named as of the entry (as `audit.get`'s). */
  references: z.record(z.string(), referenceSchema),
});

export const historyOutputSchema = z.object({
  /** The record, named live, or from its last snapshot when deleted. */
  record: entitySchema,
  items: z.array(historyEntrySchema),
  /** How many entries the history holds in all. */
  total: z.number().int(),
  nextCursor: z.string().nullable(),
});

export const actorsInputSchema = z
  .object({ query: z.string().trim().max(200).optional(), limit: z.number().int().min(1).max(100).default(50) })
  .default({ limit: 50 });

/** Who can be picked in the actor filter: the organization's users, its API keys, and the kinds without a person. */
export const actorsOutputSchema = z.object({
  users: z.array(
    z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string(), deactivated: z.boolean() }),
  ),
  apiKeys: z.array(z.object({ id: z.string(), name: z.string(), revoked: z.boolean() })),
});

/** The largest metadata `audit.record` takes, as JSON, and how deeply it may nest. */
export const MAX_RECORD_METADATA_BYTES = 8 * 1024;
export const MAX_RECORD_METADATA_DEPTH = 4;

/** How deeply `value` nests, counted without recursion and only up to `limit + 1` (a 20,000-deep array is cheap). */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop() ?? [null, 0];
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

const metadataBytes = (value: unknown) => {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

/**
 * A custom entry, as a caller may describe it: what happened to which record, and bounded metadata. Never
 * before/after `changes`: those come from the database, and a caller's would be made up. The actor, organization,
 * IP and user agent come from the request (other keys are dropped). Which actions a caller may record is
 * `routers/audit/record-policy.ts`'s to say.
 */
export const recordInputSchema = z.object({
  action: recordEntrySchema.shape.action.refine((action) => !isReservedAction(action), {
    message: `${RESERVED_ACTIONS.join(', ')} are recorded by the system itself; record other actions here (e.g. "export")`,
  }),
  entityType: recordEntrySchema.shape.entityType,
  entityId: recordEntrySchema.shape.entityId,
  changes: z
    .never({
      error:
        'changes are not accepted: before/after values come from the database itself. Describe the event in metadata.',
    })
    .optional(),
  metadata: z
    .record(z.string().max(128, 'metadata keys are at most 128 characters'), z.unknown())
    .nullish()
    .refine((value) => value == null || nestingDepth(value, MAX_RECORD_METADATA_DEPTH) <= MAX_RECORD_METADATA_DEPTH, {
      message: `metadata nests at most ${MAX_RECORD_METADATA_DEPTH} levels deep`,
      abort: true,
    })
    .refine((value) => value == null || metadataBytes(value) <= MAX_RECORD_METADATA_BYTES, {
      message: `metadata must be at most ${MAX_RECORD_METADATA_BYTES / 1024} KB as JSON`,
    }),
});

export const recordOutputSchema = z.object({ id: z.string(), createdAt: z.string() });

/** The most entries one `audit.recordMany` call takes (each counts against the per-actor limit). */
export const MAX_RECORD_MANY_ENTRIES = 500;

/**
 * Many custom entries in one call, each as `audit.record` takes it; a problem is named by the entry's index
 * (`entries.3.action: …`). Written all or nothing, in one statement.
 */
export const recordManyInputSchema = z.object({
  entries: z
    .array(recordInputSchema, { error: 'entries must be a list of entries, each as audit.record takes it' })
    .min(1, 'entries must hold at least one entry')
    .max(MAX_RECORD_MANY_ENTRIES, `entries holds at most ${MAX_RECORD_MANY_ENTRIES} entries per call: split the batch`),
});

/** The entries written, in the order given. */
export const recordManyOutputSchema = z.object({ count: z.number().int(), entries: z.array(recordOutputSchema) });

export { MAX_JSON_BYTES };
export type EntrySummary = z.infer<typeof entrySummarySchema>;
export type EntryDetail = z.infer<typeof entryDetailSchema>;
export type EntrySeal = z.infer<typeof entrySealSchema>;
export type EntryReference = z.infer<typeof referenceSchema>;
export type SealStatus = z.infer<typeof sealStatusSchema>;
export type ListOutput = z.infer<typeof listOutputSchema>;
export type HistoryInput = z.infer<typeof historyInputSchema>;
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type HistoryOutput = z.infer<typeof historyOutputSchema>;
export type ActorsOutput = z.infer<typeof actorsOutputSchema>;
