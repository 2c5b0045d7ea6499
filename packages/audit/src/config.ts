/**
 * The one TypeScript description of what is audited, as the application writes it (`defineAuditConfig`). The
 * runtime reads it for `record()`'s redaction; the tooling (`@auditlog/tooling`) resolves it against the Prisma
 * schema into the capture SQL and the registry.
 */
export interface AuditModelConfig {
  /**
   * The entity type written in entries, e.g. `ticket` (default: the model name in snake_case). It must be one of the
   * catalog's entity types (`catalog.ts`), which give it its label and say whether the filter menu offers it.
   */
  entityType?: string;
  /**
   * How a record is named in the log: a field (`'name'`), fields joined with spaces (`['firstName', 'lastName']`) or
   * a template (`'#{number} {subject}'`). Default: the first of name, title, subject, number. Data, not a function,
   * so that it reaches the generated registry whole.
   */
  label?: string | readonly string[];
  /**
   * The field holding the record's organization (default `organizationId`; `id` for the organization itself).
   * Not allowed when the config says `tenant: false`.
   */
  organizationField?: string;
  /** More fields whose values are secrets, besides the default names (password, token, …, *encrypted*). */
  sensitive?: readonly string[];
  /** Fields never recorded (besides the id, the organization and `@updatedAt` fields). */
  ignore?: readonly string[];
  /**
   * Fields whose change is an action of its own rather than an `update`: `{ role: 'permission_change' }`. An update
   * that changes such a field writes one entry with that action (holding those fields' changes) and, if other
   * fields changed too, one `update` entry with the rest.
   */
  actions?: Readonly<Record<string, string>>;
}

export interface AuditConfig {
  /** The model entries are written to (see the README for the fields it must have). */
  auditModel: string;
  /** Where the triggers look up the acting user's name and email, once per statement. */
  actorModel: { model: string; nameField: string; emailField: string };
  /**
   * `false`: a single-tenant app. Audited models need no tenant column, entries have no organization (the audit
   * model's `organizationId` is left out, or optional and NULL), there are no moves between organizations, and only
   * the models listed in `models` are audited. Default `true`: every entry belongs to the organization in its row's
   * tenant column.
   */
  tenant?: boolean;
  /**
   * `true`: install tamper evidence (decision 015) — the seal's tables and functions, and the daily entry counts
   * they share their finality rule with. It needs the `AuditLogDailyCount` and `AuditLogRollup` models of this
   * project's schema and a tenant column, so it is off unless asked for (another app's capture then has none of it).
   */
  seal?: boolean;
  /**
   * Per-model settings. Every model with an organization field is audited unless it is set to `false` here; a model
   * without one (every model, when `tenant` is false) is audited only if it has an entry here.
   */
  models: Record<string, AuditModelConfig | false>;
  /**
   * Entity types of the application's own, besides the catalog's (`catalog.ts`): `{ task: { label: 'Task' } }`. An
   * app outside this repository declares its vocabulary here; an entity type in neither is refused.
   */
  entityTypes?: Readonly<Record<string, { label: string }>>;
  /** Secret field names for every model, besides the defaults. */
  sensitive?: readonly string[];
  /** The PostgreSQL schema of the app's tables (default `public`, Prisma's default). */
  schema?: string;
  /**
   * The schema that holds the engine's own functions, sequence and private tables (default `auditlog`). It belongs
   * to the owner role; the application's runtime role may only call `record()` there.
   */
  internalSchema?: string;
  /**
   * Models the application's runtime role may read but never write: derived data that the database's own functions
   * maintain (the API's entry counts, say). The audit model is always one of them.
   */
  readOnly?: readonly string[];
}

/** Every extra secret field name the config declares, global and per model (for `record()`'s redaction). */
export function sensitiveFieldNames(config: AuditConfig): string[] {
  const perModel = Object.values(config.models).flatMap((model) => (model ? (model.sensitive ?? []) : []));
  return [...new Set([...(config.sensitive ?? []), ...perModel])];
}

/** Identity function that checks `config` against the type; keeps literal types for the API's label lookups. */
export function defineAuditConfig<const C extends AuditConfig>(config: C): C {
  return config;
}
