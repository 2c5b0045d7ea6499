/**
 * What the audit log records: the one place that says which models are audited, under which entity type (one of the
 * catalog's), how a record is named in the log, and which fields hold secrets. `pnpm db:migrate --name <name>`
 * resolves it against schema.prisma into the capture triggers and the registry (`audit-registry.ts`), which is all
 * the runtime reads. Auditing a new model: add it to the schema, add its line here, run `pnpm db:migrate`.
 *
 * Every model with an `organizationId` is audited unless set to `false`; fields named like secrets (password, token,
 * apiKey, *encrypted*, …) are redacted without being listed here.
 */
import { defineAuditConfig } from '@auditlog/audit';

export const auditConfig = defineAuditConfig({
  auditModel: 'AuditLog',
  // The API's entry counts: maintained by a database function, read by the list; the app role only reads them.
  readOnly: [
    'AuditLogDailyCount',
    'AuditLogActorDailyCount',
    'AuditLogIpDailyCount',
    'AuditLogRequestDailyCount',
    'AuditLogRollup',
  ],
  // Tamper evidence: sealed blocks, signed checkpoints, retention (decision 015).
  seal: true,
  actorModel: { model: 'User', nameField: 'name', emailField: 'email' },
  models: {
    Organization: { entityType: 'organization', label: 'name', organizationField: 'id' },
    // Sign-in time changes on every login, which is recorded as a `login` entry of its own; a role change is a
    // permission change, recorded as such rather than as an ordinary update.
    User: { entityType: 'user', label: 'name', ignore: ['lastLoginAt'], actions: { role: 'permission_change' } },
    // Sign-ins and sign-outs are recorded as `login` / `logout` entries; sessions themselves are noise.
    Session: false,
    // What a key may do is a permission too.
    ApiKey: {
      entityType: 'api_key',
      label: 'name',
      sensitive: ['keyHash'],
      ignore: ['lastUsedAt'],
      actions: { scopes: 'permission_change' },
    },
    Client: { entityType: 'client', label: 'name' },
    Contact: { entityType: 'contact', label: 'name' },
    Ticket: { entityType: 'ticket', label: '#{number} {subject}' },
    Invoice: { entityType: 'invoice', label: 'number' },
    InvoiceLine: { entityType: 'invoice_line', label: 'description' },
    Quote: { entityType: 'quote', label: 'number' },
    Asset: { entityType: 'asset', label: 'name' },
    Integration: { entityType: 'integration', label: 'name' },
    Contract: { entityType: 'contract', label: 'name' },
    Project: { entityType: 'project', label: 'name' },
    Vendor: { entityType: 'vendor', label: 'name' },
    // The list query's counts of audit entries: derived data, not business records.
    AuditLogDailyCount: false,
    AuditLogActorDailyCount: false,
    AuditLogIpDailyCount: false,
    AuditLogRequestDailyCount: false,
    AuditLogRollup: false,
  },
});
