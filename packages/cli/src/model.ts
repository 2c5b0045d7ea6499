/**
 * `auditlog init`: the Prisma model the engine writes to, with every field it needs (`AUDIT_FIELDS`) and the actor
 * kinds (`ACTOR_KINDS`), for the adopter to paste into schema.prisma. Both lists come from the generator, so what this
 * prints is what `auditlog generate` then requires.
 */
import { ACTOR_KINDS, AUDIT_FIELDS } from '@auditlog/tooling/capture';

type AuditField = (typeof AUDIT_FIELDS)[number];

/** Each field's Prisma type and why it is there. */
const FIELDS: Record<AuditField, [type: string, comment: string]> = {
  id: ['String         @id @db.Uuid', 'UUIDv7, made in the database, so trigger-written rows have one too'],
  organizationId: ['String', 'the tenant of the entry: the changed row’s tenant column'],
  createdAt: ['DateTime       @default(now()) @db.Timestamptz(3)', 'the database’s clock'],
  action: ['String', 'create, update, delete, or a recorded action (login, export, …)'],
  entityType: ['String', 'the audited model’s entity type, e.g. task'],
  entityId: ['String', 'the changed row’s id'],
  actorType: ['AuditActorType', 'who acted: a user, the system, nobody verified, or unknown'],
  actorUserId: ['String?', ''],
  actorName: ['String?', 'a snapshot, taken when the entry was written'],
  actorEmail: ['String?', ''],
  ipAddress: ['String?', ''],
  userAgent: ['String?', ''],
  requestId: ['String?', ''],
  changes: ['Json?', '{ field: { before, after } } for the fields that changed, secrets redacted'],
  metadata: ['Json?', ''],
};

/**
 * The model to paste. A single-tenant app's (`tenant: false`) has no organizationId: its entries belong to no
 * organization, and the list reads newest first over the whole table.
 */
export function auditModelSchema(model = 'AuditLog', { singleTenant = false } = {}): string {
  const shape = singleTenant ? AUDIT_FIELDS.filter((field) => field !== 'organizationId') : AUDIT_FIELDS;
  const width = Math.max(...shape.map((field) => field.length)) + 1;
  const fields = shape.map((field) => {
    const [type, comment] = FIELDS[field];
    return `${comment ? `  /// ${comment}\n` : ''}  ${field.padEnd(width)}${type}`;
  });
  return [
    `/// Written only by the capture triggers and $record(); the database refuses UPDATE, DELETE and TRUNCATE on it.`,
    `model ${model} {`,
    ...fields,
    '',
    `  @@index([${singleTenant ? '' : 'organizationId, '}createdAt(sort: Desc), id(sort: Desc)])`,
    '}',
    '',
    'enum AuditActorType {',
    ...ACTOR_KINDS.map((kind) => `  ${kind}`),
    '}',
    '',
  ].join('\n');
}
