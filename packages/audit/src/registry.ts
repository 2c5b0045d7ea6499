/**
 * The audit registry: what is audited, resolved once from the audit config and the Prisma schema and generated next
 * to the capture SQL (`pnpm db:migrate` writes both). The runtime reads it for entity labels and relations, and
 * checks the database against it: a capture trigger missing, disabled or stale, a column added by hand, a function
 * edited in place — each is named, so the server refuses to start on a database that would lose history.
 * Runtime-safe: no DMMF, no generator.
 */

export const REGISTRY_VERSION = 2;

/** A PostgreSQL identifier, quoted: the registry's table and column names go into SQL this way only. */
export const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** How a record is named in the log: `renderLabel(template, values)` over the columns of the fields it reads. */
export interface RegistryLabel {
  /** e.g. `#{number} {subject}`. */
  template: string;
  /** The column of each field the template reads, in the template's order. */
  columns: Readonly<Record<string, string>>;
}

export interface RegistryColumn {
  field: string;
  column: string;
  encoding: string;
}

/** A foreign key to another model: what the investigation view rolls entries up by (a ticket's client, say). */
export interface RegistryRelation {
  /** The scalar field holding the key, e.g. `clientId`. */
  field: string;
  column: string;
  targetModel: string;
  /** The target's entity type when it is audited too, else null. */
  targetEntityType: string | null;
}

export interface RegistryModel {
  model: string;
  table: string;
  entityType: string;
  idField: string;
  idColumn: string;
  /** The tenant column; null in a single-tenant app (`tenant: false`), whose entries have no organization. */
  organizationField: string | null;
  organizationColumn: string | null;
  label: RegistryLabel;
  columns: readonly RegistryColumn[];
  actions: Readonly<Record<string, string>>;
  relations: readonly RegistryRelation[];
  /** Every column of the table when the capture SQL was generated. */
  tableColumns: readonly string[];
  /** The capture triggers on the table. */
  triggers: readonly string[];
}

export interface AuditRegistry {
  version: typeof REGISTRY_VERSION;
  /** The hash of the capture SQL generated with this registry. */
  captureHash: string;
  schema: string;
  internalSchema: string;
  auditTable: string;
  /** md5 of the body of every function of the internal schema, by function name. */
  functions: Readonly<Record<string, string>>;
  /** The DDL watch's event triggers. */
  ddlWatch: readonly string[];
  models: readonly RegistryModel[];
}

export interface CaptureProblem {
  /** `error`: history could be lost or wrong; `warning`: a safeguard is missing. */
  severity: 'error' | 'warning';
  message: string;
}

/** The one method the check needs: Prisma's `$queryRawUnsafe`, on a client or in a transaction. */
export interface CatalogQueryClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

const REGENERATE =
  'regenerate and apply the capture SQL (`auditlog generate` into a new migration; in the audit-logs repository: pnpm db:migrate --name <name>, then pnpm db:deploy)';

/** A trigger and a column as the catalog lists them. */
interface InstalledTrigger {
  table: string;
  name: string;
  enabled: string;
}
interface InstalledColumn {
  table: string;
  column: string;
}

/** One audited model's triggers (present and enabled) and columns (each captured, none stale). */
function checkModelCapture(
  model: RegistryModel,
  schema: string,
  installed: { triggers: InstalledTrigger[]; columns: InstalledColumn[] },
  error: (message: string) => void,
): void {
  const { triggers, columns } = installed;
  const name = model.model === model.table ? model.model : `${model.model} (table ${model.table})`;
  const onTable = new Map(triggers.filter((t) => t.table === model.table).map((t) => [t.name, t.enabled]));
  for (const trigger of model.triggers) {
    const enabled = onTable.get(trigger);
    if (enabled === undefined)
      error(`${name}: trigger ${trigger} is missing, so its writes are not captured: ${REGENERATE}`);
    // 'O' fires in normal sessions, 'A' always; 'D' is disabled and 'R' fires only on replicas.
    else if (enabled !== 'O' && enabled !== 'A')
      error(
        `${name}: trigger ${trigger} is disabled, so its writes are not captured (ALTER TABLE … ENABLE TRIGGER ${trigger})`,
      );
  }
  const tableColumns = columns.filter((c) => c.table === model.table).map((c) => c.column);
  if (tableColumns.length === 0) {
    error(`${name}: the table does not exist in schema ${schema}`);
    return;
  }
  for (const column of tableColumns) {
    if (!model.tableColumns.includes(column))
      error(`${name}: column "${column}" is not captured (added after the capture SQL was generated): ${REGENERATE}`);
  }
  for (const column of model.tableColumns) {
    if (!tableColumns.includes(column))
      error(`${name}: column "${column}" no longer exists, so the capture functions are stale: ${REGENERATE}`);
  }
}

/**
 * Compares what is installed in the database with `registry`. An empty result means capture is exactly what the
 * registry describes; errors mean some write would go unrecorded or be recorded wrongly.
 */
export async function checkInstalledCapture(
  client: CatalogQueryClient,
  registry: AuditRegistry,
): Promise<CaptureProblem[]> {
  const problems: CaptureProblem[] = [];
  const error = (message: string) => problems.push({ severity: 'error', message });
  const { schema, internalSchema } = registry;

  const [installedTable] = await client.$queryRawUnsafe<{ present: boolean }[]>(
    `SELECT to_regclass(format('%I.installed', $1::text)) IS NOT NULL AS present`,
    internalSchema,
  );
  if (!installedTable?.present) {
    error(
      `the capture SQL is not installed (no ${internalSchema}.installed table): apply the migrations (pnpm db:deploy)`,
    );
    return problems;
  }
  const [installed] = await client.$queryRawUnsafe<{ hash: string }[]>(
    `SELECT hash FROM ${quoteIdent(internalSchema)}.installed ORDER BY installed_at DESC, ctid DESC LIMIT 1`,
  );
  if (installed?.hash !== registry.captureHash) {
    error(
      `the installed capture SQL is ${installed?.hash ?? 'unknown'}, the registry expects ${registry.captureHash}: ${REGENERATE}`,
    );
  }

  const functions = await client.$queryRawUnsafe<{ name: string; md5: string }[]>(
    `SELECT p.proname AS name, md5(p.prosrc) AS md5 FROM pg_catalog.pg_proc p
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1`,
    internalSchema,
  );
  const installedFunctions = new Map(functions.map((fn) => [fn.name, fn.md5]));
  for (const [name, hash] of Object.entries(registry.functions)) {
    const found = installedFunctions.get(name);
    if (found === undefined) error(`function ${internalSchema}.${name} is missing: ${REGENERATE}`);
    else if (found !== hash)
      error(`function ${internalSchema}.${name} differs from the registry (edited in place, or stale): ${REGENERATE}`);
  }

  const triggers = await client.$queryRawUnsafe<InstalledTrigger[]>(
    `SELECT c.relname AS table, t.tgname AS name, t.tgenabled::text AS enabled
     FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND NOT t.tgisinternal AND t.tgname LIKE 'audit\\_%'`,
    schema,
  );
  const columns = await client.$queryRawUnsafe<InstalledColumn[]>(
    `SELECT c.relname AS table, a.attname AS column
     FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`,
    schema,
  );

  const audited = new Map(registry.models.map((model) => [model.table, model]));
  for (const model of registry.models) checkModelCapture(model, schema, { triggers, columns }, error);
  for (const trigger of triggers) {
    if (trigger.name.startsWith('audit_capture_') && !audited.has(trigger.table)) {
      error(`${trigger.table}: trigger ${trigger.name} captures a table the registry does not audit: ${REGENERATE}`);
    }
  }
  const appendOnly = triggers.find((t) => t.table === registry.auditTable && t.name === 'audit_append_only');
  if (!appendOnly || (appendOnly.enabled !== 'O' && appendOnly.enabled !== 'A')) {
    error(
      `${registry.auditTable}: the append-only trigger is missing or disabled, so entries could be changed: ${REGENERATE}`,
    );
  }

  const watch = await client.$queryRawUnsafe<{ name: string; enabled: string }[]>(
    `SELECT evtname AS name, evtenabled::text AS enabled FROM pg_catalog.pg_event_trigger WHERE evtname = ANY ($1::text[])`,
    [...registry.ddlWatch],
  );
  for (const name of registry.ddlWatch) {
    const found = watch.find((w) => w.name === name);
    if (!found || found.enabled === 'D') {
      problems.push({
        severity: 'warning',
        message: `the DDL watch (event trigger ${name}) is not installed or disabled, so schema changes are not recorded: a superuser can run SELECT ${internalSchema}.install_ddl_watch();`,
      });
    }
  }
  return problems;
}

/** Thrown at start-up when the database's capture does not match the registry. */
export class CaptureDriftError extends Error {
  override name = 'CaptureDriftError';
  constructor(
    readonly problems: CaptureProblem[],
    where: string,
  ) {
    const errors = problems.filter((problem) => problem.severity === 'error');
    super(
      `The audit capture installed in ${where} does not match this build (${errors.length} problem(s)):\n${errors.map((p) => `  - ${p.message}`).join('\n')}`,
    );
  }
}
