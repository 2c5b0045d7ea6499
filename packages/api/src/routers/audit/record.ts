import { ROLE_LABELS } from '@auditlog/auth';
import type { Refusal } from '@auditlog/auth';
import { TRPCError } from '@trpc/server';
import {
  recordInputSchema,
  recordManyInputSchema,
  recordManyOutputSchema,
  recordOutputSchema,
} from '../../contract/audit.ts';
import type { Identity } from '../../context.ts';
import { DomainError } from '../../errors.ts';
import { recordFolded } from '../../services/record-fold.ts';
import { throttled } from '../../trpc.ts';
import { auditWriterProcedure } from './access.ts';
import { recordableActionsFor } from './record-policy.ts';

type Writer = Exclude<Identity, { kind: 'anonymous' }>;

/** The actor the per-actor limit counts: the user (whatever their session) or the API key. */
const actorOf = (identity: Writer) =>
  identity.kind === 'user' ? `user:${identity.user.id}` : `api-key:${identity.apiKey.id}`;

/**
 * Refuses (FORBIDDEN, with what is allowed) an action the caller's role or key scopes do not allow (record-policy.ts);
 * `where` names the entry of a batch (`entries.3: `).
 */
function assertRecordable(identity: Writer, actions: readonly string[], batch = false): void {
  const allowed: readonly string[] = recordableActionsFor(
    identity.kind === 'user' ? { role: identity.user.role } : { scopes: identity.apiKey.scopes },
  );
  const index = actions.findIndex((action) => !allowed.includes(action));
  if (index === -1) return;
  const who = identity.kind === 'user' ? `Your role (${ROLE_LABELS[identity.user.role]})` : 'This API key';
  const where = batch ? `entries.${index}: ` : '';
  throw new TRPCError({
    code: 'FORBIDDEN',
    message: `${where}${who} may not record "${actions[index]}". Allowed: ${allowed.join(', ') || 'none'}.`,
  });
}

const isRefusal = (value: object): value is Refusal => 'retryAfterSeconds' in value;

/**
 * Records a custom action for the caller: one its role or key scopes allow (record-policy.ts), at most the configured
 * number of entries per actor and minute. The actor, organization, IP address and user agent come from the request,
 * never from the input. The calls of one batched request are written together (services/record-fold.ts).
 */
export const record = auditWriterProcedure
  .input(recordInputSchema)
  .output(recordOutputSchema)
  .mutation(async ({ ctx, input }) => {
    assertRecordable(ctx.identity, [input.action]);
    const result = await recordFolded(
      ctx.origin,
      { prisma: ctx.prisma, throttle: ctx.throttle, organizationId: ctx.organizationId, actor: actorOf(ctx.identity) },
      input,
    );
    if (isRefusal(result)) {
      const wait = result.retryAfterSeconds;
      throw new DomainError('TOO_MANY_REQUESTS', `Too many audit.record calls: try again in ${wait} second(s).`, wait);
    }
    return { id: result.id, createdAt: result.createdAt.toISOString() };
  });

/**
 * Records up to MAX_RECORD_MANY_ENTRIES custom entries in one statement, all or nothing: the same policy, limit and
 * redaction as `record`, each entry counted against the per-actor limit (a batch cannot slip past it), and any
 * problem named by the entry's index.
 */
export const recordMany = auditWriterProcedure
  .input(recordManyInputSchema)
  .output(recordManyOutputSchema)
  .mutation(async ({ ctx, input }) => {
    const { identity, throttle } = ctx;
    assertRecordable(
      identity,
      input.entries.map((entry) => entry.action),
      true,
    );
    const count = input.entries.length;
    const limit = throttle.record.limit;
    if (count > limit) {
      throw new DomainError(
        'BAD_REQUEST',
        `This call has ${count} entries; this actor may record at most ${limit} per ${throttle.record.windowSeconds} seconds (RECORD_RATE_LIMIT): send fewer per call.`,
      );
    }
    throttled(
      await throttle.admitRecord(actorOf(identity), count),
      (wait) =>
        `Too many audit entries: these ${count} would pass this actor's limit of ${limit} per ${throttle.record.windowSeconds} seconds; try again in ${wait} second(s).`,
    );
    // Through the client's $recordMany: the app's own secret field names (the audit config) are redacted too.
    const written = await ctx.prisma.$recordMany({
      organizationId: ctx.organizationId,
      entries: input.entries.map((entry) => ({ ...entry, changes: null })),
    });
    return {
      count: written.length,
      entries: written.map((entry) => ({ id: entry.id, createdAt: entry.createdAt.toISOString() })),
    };
  });
