/**
 * The vocabulary of audit entries, defined once: every known action and entity type with its label, who writes it,
 * whether it has a badge of its own, and which of them the page's filter menus offer (the spec's subsets). The engine,
 * the API, the sign-in service and the web page all derive from these two tables. Open to values it does not know
 * (they get a label derived from the raw name). Browser-safe: no Node or Prisma imports.
 */

/**
 * Who writes an action:
 * - `capture`: the database's capture triggers, for row changes (never `record()`);
 * - `database`: the database's DDL watch;
 * - `auth`: the sign-in service;
 * - `config`: the capture triggers, for fields the audit config maps to it (a role change);
 * - `app`: anyone allowed to, through `record()` / `audit.record`.
 */
export type ActionSource = 'capture' | 'database' | 'auth' | 'config' | 'app';

interface ActionDefinition {
  label: string;
  source: ActionSource;
  /** Shown with its own badge and icon; other actions get the neutral badge. */
  badge: boolean;
  /** Offered in the page's Action Type menu (the spec's subset). */
  filter: boolean;
}

const ACTIONS = {
  create: { label: 'Create', source: 'capture', badge: true, filter: true },
  update: { label: 'Update', source: 'capture', badge: true, filter: true },
  delete: { label: 'Delete', source: 'capture', badge: true, filter: true },
  login: { label: 'Login', source: 'auth', badge: true, filter: true },
  logout: { label: 'Logout', source: 'auth', badge: true, filter: true },
  failed_login: { label: 'Failed login', source: 'auth', badge: false, filter: false },
  view: { label: 'View', source: 'app', badge: true, filter: false },
  sync: { label: 'Sync', source: 'app', badge: true, filter: false },
  export: { label: 'Export', source: 'app', badge: false, filter: false },
  import: { label: 'Import', source: 'app', badge: false, filter: false },
  archive: { label: 'Archive', source: 'app', badge: false, filter: false },
  restore: { label: 'Restore', source: 'app', badge: false, filter: false },
  access: { label: 'Access', source: 'app', badge: false, filter: false },
  permission_change: { label: 'Permission change', source: 'config', badge: false, filter: false },
  schema_change: { label: 'Schema change', source: 'database', badge: false, filter: false },
} as const satisfies Record<string, ActionDefinition>;

export type KnownAction = keyof typeof ACTIONS;

type ActionsWhere<P extends Partial<ActionDefinition>> = {
  [A in KnownAction]: (typeof ACTIONS)[A] extends P ? A : never;
}[KnownAction];

const actionsWhere = <P extends Partial<ActionDefinition>>(wanted: P) =>
  (Object.keys(ACTIONS) as KnownAction[]).filter((action) =>
    Object.entries(wanted).every(([key, value]) => ACTIONS[action][key as keyof ActionDefinition] === value),
  ) as ActionsWhere<P>[];

export const KNOWN_ACTIONS: readonly KnownAction[] = Object.keys(ACTIONS) as KnownAction[];

/** Actions the capture triggers write for row changes; `record()` refuses them. */
export const ROW_CHANGE_ACTIONS = actionsWhere({ source: 'capture' });

/** DDL that can change what is captured (a trigger disabled, a column added), written by the database's DDL watch. */
export const SCHEMA_CHANGE_ACTION = 'schema_change' satisfies ActionsWhere<{ source: 'database' }>;

/** The sign-in service's actions. */
export const SIGN_IN_ACTIONS = {
  login: 'login',
  logout: 'logout',
  failed: 'failed_login',
} as const satisfies Record<string, ActionsWhere<{ source: 'auth' }>>;

/** What only the system writes (capture, the DDL watch, the sign-in service, the config's field mappings): never an API caller. */
export const RESERVED_ACTIONS = KNOWN_ACTIONS.filter((action) => ACTIONS[action].source !== 'app') as Exclude<
  KnownAction,
  ActionsWhere<{ source: 'app' }>
>[];

export function isReservedAction(action: string): boolean {
  return (RESERVED_ACTIONS as readonly string[]).includes(action);
}

/** Actions an API caller may record, depending on their role or key scopes. */
export type RecordableAction = ActionsWhere<{ source: 'app' }>;

/** Actions with their own badge and icon. */
export const BADGED_ACTIONS = actionsWhere({ badge: true });
export type BadgedAction = ActionsWhere<{ badge: true }>;

/** The page's Action Type menu, in this order. */
export const FILTER_ACTIONS = actionsWhere({ filter: true });

interface EntityTypeDefinition {
  label: string;
  /** Offered in the page's Entity Type menu (the spec's subset). */
  filter: boolean;
}

const ENTITY_TYPES = {
  client: { label: 'Client', filter: true },
  contact: { label: 'Contact', filter: true },
  ticket: { label: 'Ticket', filter: true },
  invoice: { label: 'Invoice', filter: true },
  asset: { label: 'Asset', filter: true },
  user: { label: 'User', filter: true },
  organization: { label: 'Organization', filter: true },
  integration: { label: 'Integration', filter: true },
  invoice_line: { label: 'Invoice line', filter: false },
  contract: { label: 'Contract', filter: false },
  project: { label: 'Project', filter: false },
  document: { label: 'Document', filter: false },
  domain: { label: 'Domain', filter: false },
  certificate: { label: 'Certificate', filter: false },
  credential: { label: 'Credential', filter: false },
  software: { label: 'Software', filter: false },
  vendor: { label: 'Vendor', filter: false },
  location: { label: 'Location', filter: false },
  network: { label: 'Network', filter: false },
  product: { label: 'Product', filter: false },
  tag: { label: 'Tag', filter: false },
  rack: { label: 'Rack', filter: false },
  quote: { label: 'Quote', filter: false },
  opportunity: { label: 'Opportunity', filter: false },
  api_key: { label: 'API key', filter: false },
  database: { label: 'Database', filter: false },
  /** The log itself: what `access` (a read) and `export` entries name, under the organization's id. */
  audit_log: { label: 'Audit log', filter: false },
} as const satisfies Record<string, EntityTypeDefinition>;

export type KnownEntityType = keyof typeof ENTITY_TYPES;

export const KNOWN_ENTITY_TYPES: readonly KnownEntityType[] = Object.keys(ENTITY_TYPES) as KnownEntityType[];

/** The page's Entity Type menu, in this order. */
export const FILTER_ENTITY_TYPES = KNOWN_ENTITY_TYPES.filter((type) => ENTITY_TYPES[type].filter);

/** The entity type of the sign-in service's entries (the user who signed in). */
export const USER_ENTITY_TYPE = 'user' satisfies KnownEntityType;

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

const own = <T extends object>(table: T, key: string): key is Extract<keyof T, string> => Object.hasOwn(table, key);

export function isKnownAction(action: string): action is KnownAction {
  return own(ACTIONS, action);
}

export function isKnownEntityType(entityType: string): entityType is KnownEntityType {
  return own(ENTITY_TYPES, entityType);
}

export function isBadgedAction(action: string): action is BadgedAction {
  return isKnownAction(action) && ACTIONS[action].badge;
}

export function actionLabel(action: string): string {
  return isKnownAction(action) ? ACTIONS[action].label : humanize(action);
}

export function entityTypeLabel(entityType: string): string {
  return isKnownEntityType(entityType) ? ENTITY_TYPES[entityType].label : humanize(entityType);
}

/** The placeholders that stand where a secret or a binary value was. */
export const REDACTED = '[REDACTED]';
export const BINARY_DATA = '[BINARY DATA]';

/** `{ field: { before, after } }`: only fields whose value changed; `before` is null on create, `after` on delete. */
export type AuditChanges = Record<string, { before: unknown; after: unknown }>;
