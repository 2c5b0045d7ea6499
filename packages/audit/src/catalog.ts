/**
 * The vocabulary of audit entries: known actions and entity types with their labels. Shared by the engine, the API
 * and the web page; open to values it does not know (they get a label derived from the raw name).
 * Browser-safe: no Node or Prisma imports.
 */

export const KNOWN_ACTIONS = [
  'create',
  'update',
  'delete',
  'login',
  'logout',
  'failed_login',
  'view',
  'sync',
  'export',
  'import',
  'archive',
  'restore',
  'access',
  'permission_change',
  'schema_change',
] as const;

export type KnownAction = (typeof KNOWN_ACTIONS)[number];

/** Actions the capture triggers write for row changes; `record()` refuses them. */
export const ROW_CHANGE_ACTIONS = ['create', 'update', 'delete'] as const satisfies readonly KnownAction[];

/** DDL that can change what is captured (a trigger disabled, a column added), written by the database's DDL watch. */
export const SCHEMA_CHANGE_ACTION = 'schema_change' satisfies KnownAction;

const ACTION_LABELS: Record<KnownAction, string> = {
  create: 'Create',
  update: 'Update',
  delete: 'Delete',
  login: 'Login',
  logout: 'Logout',
  failed_login: 'Failed login',
  view: 'View',
  sync: 'Sync',
  export: 'Export',
  import: 'Import',
  archive: 'Archive',
  restore: 'Restore',
  access: 'Access',
  permission_change: 'Permission change',
  schema_change: 'Schema change',
};

export const KNOWN_ENTITY_TYPES = [
  'client',
  'contact',
  'ticket',
  'invoice',
  'invoice_line',
  'asset',
  'user',
  'organization',
  'integration',
  'contract',
  'project',
  'document',
  'domain',
  'certificate',
  'credential',
  'software',
  'vendor',
  'location',
  'network',
  'product',
  'tag',
  'rack',
  'quote',
  'opportunity',
  'api_key',
  'database',
] as const;

export type KnownEntityType = (typeof KNOWN_ENTITY_TYPES)[number];

const ENTITY_LABELS: Partial<Record<KnownEntityType, string>> = {
  invoice_line: 'Invoice line',
  api_key: 'API key',
};

/**
 * An action or entity type name: lower-case letters, digits and underscores, starting with a letter, at most 64
 * characters. Keeps the vocabulary greppable and the labels derivable.
 */
export const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** `permission_change` → "Permission change". */
function humanize(name: string): string {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : name;
}

export function isKnownAction(action: string): action is KnownAction {
  return (KNOWN_ACTIONS as readonly string[]).includes(action);
}

export function actionLabel(action: string): string {
  return isKnownAction(action) ? ACTION_LABELS[action] : humanize(action);
}

export function entityTypeLabel(entityType: string): string {
  const known = (KNOWN_ENTITY_TYPES as readonly string[]).includes(entityType)
    ? ENTITY_LABELS[entityType as KnownEntityType]
    : undefined;
  return known ?? humanize(entityType);
}

/** The placeholders that stand where a secret or a binary value was. */
export const REDACTED = '[REDACTED]';
export const BINARY_DATA = '[BINARY DATA]';

/** `{ field: { before, after } }`: only fields whose value changed; `before` is null on create, `after` on delete. */
export type AuditChanges = Record<string, { before: unknown; after: unknown }>;
