/**
 * Carries the audit context to the capture triggers inside the SQL itself, with Prisma 7's `comments` plugins:
 * every query made inside a context ends with `/*audit='<base64url JSON>'*\/`, which the trigger reads with
 * `current_query()`. No extra round trip, no forced transaction, and it works for nested writes, interactive
 * transactions and raw SQL alike.
 *
 * base64url has no quote, slash or star, so no value can close the comment or the string around it whatever the user
 * agent holds; Prisma URL-encodes the value again (a no-op for base64url). The trigger decodes it with PostgreSQL's
 * own `decode()`, which is faster than URL-decoding in plpgsql.
 */
import type { SqlCommenterPlugin } from '@prisma/sqlcommenter';
import { currentAuditContext } from './context.ts';
import { cleanText } from './redact.ts';
import type { AuditContext } from './context.ts';

/** The comment key the triggers look for. */
export const AUDIT_COMMENT_KEY = 'audit';

/** Longest value kept per field: user agents can be kilobytes, and the comment shows in pg_stat_activity. */
const LIMITS = { userAgent: 512, ipAddress: 64, requestId: 128, name: 200, userId: 191 } as const;

/**
 * The most the encoded comment value may take, in bytes (base64url is ASCII, so also in characters). The trigger
 * reads twice this from the end of the statement (`CONTEXT_TAIL_CHARS`), so a context the library writes is always
 * found whole, whatever its names and user agent hold.
 */
export const MAX_ENCODED_CONTEXT_BYTES = 4096;
/** The JSON that base64url turns into at most MAX_ENCODED_CONTEXT_BYTES. */
const MAX_PAYLOAD_BYTES = (MAX_ENCODED_CONTEXT_BYTES / 4) * 3;

function clean(value: string | null | undefined, limit: number): string | undefined {
  // A lone surrogate makes Prisma's encoder throw, and jsonb refuses NUL: both are replaced or dropped. (A cut that
  // splits an emoji leaves half of it, which becomes U+FFFD.)
  const text = value ? cleanText(value.slice(0, limit)) : '';
  return text === '' ? undefined : text;
}

type Payload = Record<string, string | number | undefined>;
const tooLong = (json: string) => Buffer.byteLength(json, 'utf8') - MAX_PAYLOAD_BYTES;

/**
 * Shortens the user agent, then the email, then the name, until the JSON fits the budget: characters that JSON
 * escapes (control characters take six bytes) or that UTF-8 encodes in four could otherwise make it too long to be
 * read back, which would store the entry as unattributed. The ids, address and clock are never cut. Returns the JSON,
 * stringified once when it fits (every audited request encodes its context: the profile showed three stringifies).
 */
function fitBudget(payload: Payload): string {
  let json = JSON.stringify(payload);
  for (const field of ['ua', 'e', 'n'] as const) {
    const excess = tooLong(json);
    if (excess <= 0) return json;
    const value = payload[field];
    if (typeof value !== 'string') continue;
    // Every character takes at least one byte: dropping `excess` characters always removes enough of this field.
    const kept = cleanText(value.slice(0, Math.max(0, value.length - excess)));
    payload[field] = kept === '' ? undefined : kept;
    json = JSON.stringify(payload);
  }
  if (tooLong(json) > 0) throw new Error('The audit context is too large to encode (its ids exceed the budget).');
  return json;
}

/** The JSON the trigger parses: short keys, absent fields omitted, at most MAX_ENCODED_CONTEXT_BYTES once encoded. */
export function encodeAuditContext(context: AuditContext): string {
  const json = fitBudget({
    u: context.actor.type === 'user' ? clean(context.actor.userId, LIMITS.userId) : undefined,
    n: context.actor.type === 'user' ? clean(context.actor.name, LIMITS.name) : undefined,
    e: context.actor.type === 'user' ? clean(context.actor.email, LIMITS.name) : undefined,
    s: context.actor.type === 'system' ? (clean(context.actor.name, LIMITS.name) ?? '') : undefined,
    a: context.actor.type === 'anonymous' ? 1 : undefined,
    ip: clean(context.ipAddress, LIMITS.ipAddress),
    ua: clean(context.userAgent, LIMITS.userAgent),
    r: clean(context.requestId, LIMITS.requestId),
    at: context.at?.toISOString(),
  });
  return Buffer.from(json, 'utf8').toString('base64url');
}

const encoded = new WeakMap<AuditContext, string>();

/**
 * The plugin for `new PrismaClient({ comments: [auditComments()] })`. Queries outside any context get no comment,
 * and the triggers store their changes as unattributed.
 */
export function auditComments(): SqlCommenterPlugin {
  return () => {
    const value = currentEncodedContext();
    return value === undefined ? {} : { [AUDIT_COMMENT_KEY]: value };
  };
}

/** The current context, encoded once per context object. */
export function currentEncodedContext(): string | undefined {
  const context = currentAuditContext();
  if (!context) return undefined;
  let value = encoded.get(context);
  if (value === undefined) {
    value = encodeAuditContext(context);
    encoded.set(context, value);
  }
  return value;
}
