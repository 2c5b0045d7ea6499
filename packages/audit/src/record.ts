/**
 * Custom entries for actions that are not row changes (login, export, sync, …). Written by the same SQL function the
 * triggers' helpers live beside, so they get the same context, clock and id scheme; redacted here, in TypeScript,
 * before anything leaves the process.
 */
import { z } from 'zod';
import { NAME_PATTERN, REDACTED } from './catalog.ts';
import type { AuditChanges } from './catalog.ts';
import { capJson, cleanText, isBinary, isSensitiveField, redactSensitive, redactValue } from './redact.ts';
import { quoteIdent } from './registry.ts';

/** Largest `changes` or `metadata`, as JSON: an entry is a record of an event, not a place to store documents. */
export const MAX_JSON_BYTES = 64 * 1024;

/** Size as stored: bigints count as the strings they become; a value that cannot be JSON (a cycle) is too large. */
function jsonBytes(value: unknown): number {
  try {
    const json = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
    return Buffer.byteLength(json ?? '', 'utf8');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
const withinLimit = (value: unknown) => value === null || value === undefined || jsonBytes(value) <= MAX_JSON_BYTES;
const tooLarge = `must be at most ${MAX_JSON_BYTES / 1024} KB as JSON`;

const name = (what: string) =>
  z
    .string()
    .trim()
    .regex(
      NAME_PATTERN,
      `${what} must be lower-case letters, digits and underscores, starting with a letter (e.g. "failed_login")`,
    );

/** What a caller says about a custom entry; who, when and from where come from the context, never from here. */
export const recordEntrySchema = z.object({
  action: name('The action'),
  entityType: name('The entity type'),
  entityId: z
    .string()
    .trim()
    .min(1, 'The entity id is required')
    .max(191)
    .refine((id) => !id.includes('\u0000'), 'The entity id must not contain NUL characters')
    .transform(cleanText),
  changes: z
    .record(z.string().min(1).max(128), z.object({ before: z.unknown(), after: z.unknown() }))
    .nullish()
    .refine(withinLimit, `changes ${tooLarge}`),
  metadata: z.record(z.string(), z.unknown()).nullish().refine(withinLimit, `metadata ${tooLarge}`),
});

/**
 * `organizationId` is the entry's organization, or null in a single-tenant app (`tenant: false`), whose entries have
 * none. The database holds the app's shape: its record() refuses null in a multi-tenant app and a value in a
 * single-tenant one.
 */
export type RecordEntryInput = z.input<typeof recordEntrySchema> & { organizationId: string | null };

export interface RecordedEntry {
  id: string;
  createdAt: Date;
}

/** The one method `record()` needs: a raw query, on a client or inside a transaction. */
export interface RawQueryClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/**
 * `{ password: { before, after } }` → both sides `[REDACTED]`; other fields redacted at any depth inside, and each
 * side capped at 8 KiB like a column's value (`redactValue`).
 */
export function redactChanges(changes: AuditChanges, sensitive: readonly string[] = []): AuditChanges {
  const result: AuditChanges = {};
  for (const [field, { before, after }] of Object.entries(changes)) {
    const secret = isSensitiveField(field, sensitive);
    const side = (value: unknown) =>
      value === null || value === undefined
        ? null
        : secret && !isBinary(value)
          ? REDACTED
          : redactValue(value, sensitive);
    result[field] = { before: side(before), after: side(after) };
  }
  return result;
}

/** Metadata redacted at any depth, each of its values capped at 8 KiB (it stays an object, as the API shows it). */
export function redactMetadata(
  metadata: Record<string, unknown>,
  sensitive: readonly string[] = [],
): Record<string, unknown> {
  const redacted = redactSensitive(metadata, sensitive) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(redacted).map(([key, value]) => [key, capJson(value)]));
}

/** An entry `record()` refuses to write (an invalid or reserved action, …): the caller's to fix (BAD_REQUEST). */
export class AuditRecordError extends Error {
  override name = 'AuditRecordError';
  readonly code = 'BAD_REQUEST';
}

/**
 * Writes a custom entry through `client` (a Prisma client or an interactive transaction: the entry then commits or
 * rolls back with it). The actor, IP, user agent and time come from the audit context.
 */
export interface RecordOptions {
  /** Secret field names besides the defaults (the audit config's). */
  sensitive?: readonly string[];
  /** The engine's schema in the database (the audit config's `internalSchema`, default `auditlog`). */
  internalSchema?: string;
}

export async function record(
  client: RawQueryClient,
  input: RecordEntryInput,
  options: RecordOptions = {},
): Promise<RecordedEntry> {
  const parsed = recordEntrySchema.safeParse(input);
  if (!parsed.success) {
    throw new AuditRecordError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; '),
    );
  }
  // Plain JavaScript callers may leave it out: that is a mistake, not a single-tenant app's explicit null.
  const given: unknown = input.organizationId;
  const organizationId = given === null ? null : typeof given === 'string' ? given.trim() : '';
  if (organizationId === '')
    throw new AuditRecordError(
      'organizationId: an entry belongs to an organization (null in a single-tenant app, tenant: false)',
    );
  const { action, entityType, entityId, changes, metadata } = parsed.data;
  const changesJson = changes ? JSON.stringify(redactChanges(changes, options.sensitive)) : null;
  const metadataJson = metadata ? JSON.stringify(redactMetadata(metadata, options.sensitive)) : null;
  const schema = quoteIdent(options.internalSchema ?? 'auditlog');
  const rows = await client.$queryRawUnsafe<{ id: string; created_at: Date }[]>(
    `SELECT id::text, created_at FROM ${schema}.record($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
    organizationId,
    action,
    entityType,
    entityId,
    changesJson,
    metadataJson,
  );
  const row = rows[0];
  // Not the caller's fault: a database without the audit functions.
  if (!row) throw new Error('record() returned no row: are the audit migrations applied?');
  return { id: row.id, createdAt: row.created_at };
}

/** The most entries one `recordMany()` call takes (the database's record_many() takes as many). */
export const MAX_RECORD_MANY = 1000;

/** A batch of custom entries of one organization (null in a single-tenant app). */
export interface RecordManyInput {
  organizationId: string | null;
  entries: readonly z.input<typeof recordEntrySchema>[];
}

/** `entries.3.action: The action must be …`: each problem named by the entry's index, as the API reports it. */
function batchProblems(entries: readonly unknown[]): {
  data: z.output<typeof recordEntrySchema>[];
  problems: string[];
} {
  const data: z.output<typeof recordEntrySchema>[] = [];
  const problems: string[] = [];
  entries.forEach((entry, index) => {
    const parsed = recordEntrySchema.safeParse(entry);
    if (parsed.success) data.push(parsed.data);
    else
      for (const issue of parsed.error.issues)
        problems.push(`entries.${[index, ...issue.path].join('.')}: ${issue.message}`);
  });
  return { data, problems };
}

/**
 * Writes many custom entries in one statement (`record_many()`: the same checks as `record()`, one INSERT), all or
 * nothing, redacted here like `record()`'s. Returns the entries in the order given; their ids follow that order.
 */
export async function recordMany(
  client: RawQueryClient,
  input: RecordManyInput,
  options: RecordOptions = {},
): Promise<RecordedEntry[]> {
  const entries: unknown = input.entries;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_RECORD_MANY)
    throw new AuditRecordError(`entries: between 1 and ${MAX_RECORD_MANY} entries per call`);
  const { data, problems } = batchProblems(entries);
  if (problems.length) throw new AuditRecordError(problems.slice(0, 20).join('; '));
  const given: unknown = input.organizationId;
  const organizationId = given === null ? null : typeof given === 'string' ? given.trim() : '';
  if (organizationId === '')
    throw new AuditRecordError(
      'organizationId: entries belong to an organization (null in a single-tenant app, tenant: false)',
    );
  const json = JSON.stringify(
    data.map(({ action, entityType, entityId, changes, metadata }) => ({
      action,
      entityType,
      entityId,
      changes: changes ? redactChanges(changes, options.sensitive) : null,
      metadata: metadata ? redactMetadata(metadata, options.sensitive) : null,
    })),
  );
  const schema = quoteIdent(options.internalSchema ?? 'auditlog');
  const rows = await client.$queryRawUnsafe<{ id: string; created_at: Date }[]>(
    `SELECT id::text, created_at FROM ${schema}.record_many($1, $2::jsonb)`,
    organizationId,
    json,
  );
  if (rows.length !== data.length)
    throw new Error(`record_many() wrote ${rows.length} of ${data.length} entries: are the audit migrations applied?`);
  return rows.map((row) => ({ id: row.id, createdAt: row.created_at }));
}
