/**
 * The audit config's resolution against the Prisma schema's DMMF into tables and columns. The capture SQL (`sql.ts`)
 * and the registry the runtime reads (`@auditlog/audit`'s `registry.ts`) are both derived from the resolved form, so
 * they can never disagree. The config itself (`AuditConfig`, `defineAuditConfig`) lives in `@auditlog/audit`.
 */
import type * as DMMF from '@prisma/dmmf';
import {
  isKnownEntityType,
  isSensitiveField,
  LabelTemplateError,
  labelTemplateOf,
  NAME_PATTERN,
  parseLabelTemplate,
  ROW_CHANGE_ACTIONS,
} from '@auditlog/audit';
import type { AuditConfig, AuditModelConfig, LabelTemplate, RegistryLabel, RegistryRelation } from '@auditlog/audit';

/** How a column's value becomes JSON in `changes`. */
export type ColumnEncoding =
  | 'string' // text: secrets inside the value redacted, long values truncated
  | 'json-native' // numbers, booleans, enums, and lists of them: to_json as is
  | 'exact-text' // decimals, big integers, times: their text form, exact
  | 'date' // @db.Date: YYYY-MM-DD, whatever the session's DateStyle
  | 'timestamp' // timestamp without time zone (Prisma's default DateTime): ISO 8601 in UTC
  | 'timestamptz' // timestamp with time zone: ISO 8601 in UTC
  | 'json' // Json: the value, secrets redacted at any depth
  | 'json-list' // Json[] and String[]: a JSON array, secrets redacted in every element
  | 'text-list' // Decimal[], BigInt[]: a JSON array of their exact text forms
  | 'timestamp-list' // DateTime[]: a JSON array of ISO 8601 strings
  | 'binary' // Bytes: "[BINARY DATA]"
  | 'redacted'; // a sensitive field: "[REDACTED]"

export interface AuditedColumn {
  field: string;
  column: string;
  encoding: ColumnEncoding;
  /** `json` type columns (rare) need a cast to jsonb before comparison. */
  isJsonType: boolean;
  /** Floats print according to `extra_float_digits`: their functions pin it. */
  isFloat: boolean;
  /** A list (`String[]`, `Int[]`, …): stored whole, capped in size. */
  isList: boolean;
}

/** A foreign key of an audited model to another model, as the registry carries it (for roll-ups). */
export type AuditedRelation = RegistryRelation;

export interface AuditedModel {
  model: string;
  table: string;
  entityType: string;
  idField: string;
  idColumn: string;
  /** The tenant column; null in a single-tenant app (`tenant: false`). */
  organizationColumn: string | null;
  organizationField: string | null;
  /** How a record is named in the log. */
  label: RegistryLabel;
  /** The recorded columns, in schema order. */
  columns: AuditedColumn[];
  /** Recorded columns whose change is an action of its own: field → action. */
  actions: Readonly<Record<string, string>>;
  relations: AuditedRelation[];
  /** Every column of the table, recorded or not: a column the database has beyond these is not captured. */
  tableColumns: readonly string[];
}

export interface AuditTable {
  table: string;
  actorTypeEnum: string;
  /**
   * Prisma field → column, for the fields the engine writes; `organizationId` is null in a single-tenant app, whose
   * entries leave it out (the column is absent, or optional and so NULL).
   */
  columns: Record<Exclude<(typeof AUDIT_FIELDS)[number], 'organizationId'>, string> & { organizationId: string | null };
}

export interface ResolvedAuditConfig {
  /** The app's schema and the engine's own. */
  schema: string;
  internalSchema: string;
  audit: AuditTable;
  /** The config's global secret names, also redacted inside Json values. */
  sensitive: readonly string[];
  actor: { table: string; idColumn: string; nameColumn: string; emailColumn: string };
  /** The model that holds organizations (the tenant of every entry), when one of the audited models is it. */
  tenant: { table: string; idColumn: string } | null;
  /** Tables of the config's `readOnly` models. */
  readOnlyTables: string[];
  models: AuditedModel[];
  /** Whether the seal (decision 015) and the daily counts it shares a horizon with are installed. */
  seal: boolean;
}

/** The models the seal's SQL keeps the daily counts in (decision 007), by name. */
const SEAL_COUNT_MODELS = [
  'AuditLogDailyCount',
  'AuditLogActorDailyCount',
  'AuditLogIpDailyCount',
  'AuditLogRequestDailyCount',
  'AuditLogRollup',
] as const;

/** The fields the audit model must have, whatever it is called. */
export const AUDIT_FIELDS = [
  'id',
  'organizationId',
  'createdAt',
  'action',
  'entityType',
  'entityId',
  'actorType',
  'actorUserId',
  'actorName',
  'actorEmail',
  'ipAddress',
  'userAgent',
  'requestId',
  'changes',
  'metadata',
] as const;

/** The values the audit model's actorType enum must have: the kinds of actor the triggers and `record()` write. */
export const ACTOR_KINDS = ['USER', 'SYSTEM', 'UNATTRIBUTED', 'ANONYMOUS'] as const;

const LABEL_CANDIDATES = ['name', 'title', 'subject', 'number'];

export class AuditConfigError extends Error {
  override name = 'AuditConfigError';
}

function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function columnOf(field: DMMF.Field): string {
  return field.dbName ?? field.name;
}

function tableOf(model: DMMF.Model): string {
  return model.dbName ?? model.name;
}

function nativeTypeOf(field: DMMF.Field): string | undefined {
  return Array.isArray(field.nativeType) ? String(field.nativeType[0]) : undefined;
}

function encodingOf(field: DMMF.Field, sensitive: boolean): ColumnEncoding {
  // Bytes first (lists too): an encrypted blob shows as binary data, which already says that nothing of it is shown.
  if (field.type === 'Bytes') return 'binary';
  if (sensitive) return 'redacted';
  const native = nativeTypeOf(field);
  if (field.isList) {
    if (field.type === 'Json' || field.type === 'String') return 'json-list';
    if (field.type === 'Decimal' || field.type === 'BigInt') return 'text-list';
    if (field.type === 'DateTime')
      return native === 'Date' || native === 'Time' || native === 'Timetz' ? 'text-list' : 'timestamp-list';
    return 'json-native';
  }
  if (field.kind === 'enum') return 'json-native';
  switch (field.type) {
    case 'String':
      return 'string';
    case 'Json':
      return 'json';
    case 'Decimal':
    case 'BigInt':
      return 'exact-text';
    case 'DateTime':
      if (native === 'Date') return 'date';
      if (native === 'Time' || native === 'Timetz') return 'exact-text';
      return native === 'Timestamptz' ? 'timestamptz' : 'timestamp';
    default:
      return 'json-native';
  }
}

function findModel(dmmf: DMMF.Document, name: string, role: string): DMMF.Model {
  const model = dmmf.datamodel.models.find((candidate) => candidate.name === name);
  if (!model) throw new AuditConfigError(`The ${role} "${name}" is not a model of schema.prisma.`);
  return model;
}

function findField(model: DMMF.Model, name: string, role: string): DMMF.Field {
  const field = model.fields.find((candidate) => candidate.name === name && candidate.kind !== 'object');
  if (!field) throw new AuditConfigError(`${model.name} has no scalar field "${name}" (${role}).`);
  return field;
}

function checkName(name: string, what: string): string {
  if (!NAME_PATTERN.test(name))
    throw new AuditConfigError(`${what} "${name}" must be lower-case letters, digits and _.`);
  return name;
}

/** The audited models of `config`, with their entity types, before their columns are resolved. */
function auditedModels(config: AuditConfig, dmmf: DMMF.Document) {
  const selected: { model: DMMF.Model; settings: AuditModelConfig | undefined; entityType: string }[] = [];
  for (const model of dmmf.datamodel.models) {
    const settings = config.models[model.name];
    if (settings === false || model.name === config.auditModel) continue;
    const organizationField = settings?.organizationField ?? 'organizationId';
    const hasOrganization =
      config.tenant !== false &&
      model.fields.some((field) => field.name === organizationField && field.kind === 'scalar');
    if (!settings && !hasOrganization) continue;
    const entityType = checkName(settings?.entityType ?? snakeCase(model.name), `The entity type of ${model.name}:`);
    // One vocabulary: an entity type outside the catalog would have no label and be offered by no filter, and a typo
    // (`tiket`) would split one kind of record under two names in the log.
    if (!isKnownEntityType(entityType) && !Object.hasOwn(config.entityTypes ?? {}, entityType)) {
      const given = settings?.entityType ? 'its entityType' : `the entity type derived from its name`;
      throw new AuditConfigError(
        `${model.name} in the audit config: ${given} "${entityType}" is not in the catalog's entity types: add it to ENTITY_TYPES in packages/audit/src/catalog.ts (with its label) or to the config's entityTypes, or set ${model.name}: false.`,
      );
    }
    selected.push({ model, settings, entityType });
  }
  return selected;
}

/**
 * The model's label template, each field checked: a column of the model, one plain value (not Json, bytes or a
 * list, which would not read as a name), and not a secret (the list shows labels live, unredacted).
 */
function resolveLabel(
  model: DMMF.Model,
  settings: AuditModelConfig | undefined,
  sensitive: readonly string[],
): RegistryLabel {
  const where = `label of ${model.name} in the audit config`;
  const given = settings?.label ?? LABEL_CANDIDATES.find((name) => model.fields.some((field) => field.name === name));
  if (given === undefined)
    throw new AuditConfigError(`${model.name} has no name, title, subject or number field: set its label.`);
  let label: LabelTemplate;
  try {
    label = parseLabelTemplate(labelTemplateOf(given));
  } catch (error) {
    if (error instanceof LabelTemplateError) throw new AuditConfigError(`${model.name}: ${error.message}.`);
    throw error;
  }
  const columns: Record<string, string> = {};
  for (const name of label.fields) {
    const field = findField(model, name, where);
    columns[name] = columnOf(field);
    if (field.isList || field.type === 'Json' || field.type === 'Bytes') {
      throw new AuditConfigError(
        `${model.name}.${name} (${field.type}${field.isList ? '[]' : ''}) cannot name records: a label field holds one text, number, enum or date.`,
      );
    }
    if (isSensitiveField(name, sensitive)) {
      throw new AuditConfigError(
        `${model.name}.${name} holds a secret (redacted in entries), so it cannot name records in the list: choose another label field.`,
      );
    }
  }
  return { template: label.template, columns };
}

/** The actions a change of some fields is recorded as: each on a recorded field, none a row change. */
function resolveActions(
  model: DMMF.Model,
  settings: AuditModelConfig | undefined,
  columns: AuditedColumn[],
  where: string,
): Record<string, string> {
  const actions: Record<string, string> = {};
  for (const [field, action] of Object.entries(settings?.actions ?? {})) {
    findField(model, field, `action field of ${where}`);
    if (!columns.some((column) => column.field === field)) {
      throw new AuditConfigError(
        `${model.name}.${field} has an action but is not recorded (ignored, the id or the organization).`,
      );
    }
    checkName(action, `The action of ${model.name}.${field}:`);
    if ((ROW_CHANGE_ACTIONS as readonly string[]).includes(action)) {
      throw new AuditConfigError(
        `${model.name}.${field}: "${action}" is a row change; name an action of its own, e.g. permission_change.`,
      );
    }
    actions[field] = action;
  }
  return actions;
}

/**
 * The model's tenant column: its organizationField (default organizationId), or none in a single-tenant app, where
 * setting one is a contradiction and refused.
 */
function tenantField(
  model: DMMF.Model,
  settings: AuditModelConfig | undefined,
  config: AuditConfig,
): DMMF.Field | null {
  if (config.tenant === false) {
    if (settings?.organizationField !== undefined) {
      throw new AuditConfigError(
        `${model.name} in the audit config sets organizationField, but the config says tenant: false (a single-tenant app has no tenant column): remove one of them.`,
      );
    }
    return null;
  }
  const name = settings?.organizationField ?? 'organizationId';
  const field = model.fields.find((candidate) => candidate.name === name && candidate.kind === 'scalar');
  if (!field) {
    throw new AuditConfigError(
      `${model.name} has no scalar field "${name}" (organizationField of ${model.name} in the audit config): every audited model needs its tenant column; name it with organizationField, or set tenant: false for a single-tenant app.`,
    );
  }
  return field;
}

function resolveModel(
  model: DMMF.Model,
  settings: AuditModelConfig | undefined,
  entityType: string,
  context: { config: AuditConfig; dmmf: DMMF.Document; entityTypes: ReadonlyMap<string, string> },
): AuditedModel {
  const where = `${model.name} in the audit config`;
  const organization = tenantField(model, settings, context.config);
  const ids = model.fields.filter((field) => field.isId);
  const id = ids[0];
  if (ids.length !== 1 || !id) {
    throw new AuditConfigError(`${model.name} needs a single-field @id to be audited (entries name records by id).`);
  }
  const sensitive = [...(context.config.sensitive ?? []), ...(settings?.sensitive ?? [])];
  const label = resolveLabel(model, settings, sensitive);
  for (const field of settings?.sensitive ?? []) findField(model, field, `sensitive field of ${where}`);
  for (const field of settings?.ignore ?? []) findField(model, field, `ignored field of ${where}`);
  // The id names the record and the organization column says where the entry goes: a change of either is written
  // as a key change or a move, never as a field of `changes`. createdAt is an ordinary field: rewriting it is news.
  const ignored = new Set([id.name, ...(organization ? [organization.name] : []), ...(settings?.ignore ?? [])]);

  const scalars = model.fields.filter((field) => field.kind !== 'object');
  const columns = scalars
    .filter((field) => !field.isUpdatedAt && !ignored.has(field.name))
    .map((field): AuditedColumn => ({
      field: field.name,
      column: columnOf(field),
      encoding: encodingOf(field, isSensitiveField(field.name, sensitive)),
      isJsonType: nativeTypeOf(field) === 'Json',
      isFloat: field.type === 'Float',
      isList: field.isList,
    }));

  const actions = resolveActions(model, settings, columns, where);

  const relations = model.fields.flatMap((field): AuditedRelation[] => {
    const from = field.relationFromFields ?? [];
    const keyName = from[0];
    if (field.kind !== 'object' || from.length !== 1 || !keyName) return [];
    const key = findField(model, keyName, `relation ${field.name}`);
    return [
      {
        field: key.name,
        column: columnOf(key),
        targetModel: field.type,
        targetEntityType: context.entityTypes.get(field.type) ?? null,
      },
    ];
  });

  return {
    model: model.name,
    table: tableOf(model),
    entityType,
    idField: id.name,
    idColumn: columnOf(id),
    organizationColumn: organization ? columnOf(organization) : null,
    organizationField: organization?.name ?? null,
    label,
    columns,
    actions,
    relations,
    tableColumns: scalars.map(columnOf),
  };
}

/**
 * The audit model's columns. A single-tenant app's entries have no organization: its audit model may leave
 * organizationId out, or keep it optional (NULL in every entry, ready for a second tenant); a required one would fail
 * every write.
 */
function auditTableColumns(auditModel: DMMF.Model, multiTenant: boolean): AuditTable['columns'] {
  const columns = Object.fromEntries(
    AUDIT_FIELDS.filter((field) => multiTenant || field !== 'organizationId').map((field) => [
      field,
      columnOf(findField(auditModel, field, 'required by the audit engine')),
    ]),
  ) as Omit<AuditTable['columns'], 'organizationId'>;
  if (multiTenant) return columns as AuditTable['columns'];
  const organization = auditModel.fields.find((field) => field.name === 'organizationId');
  if (organization?.isRequired && !organization.hasDefaultValue) {
    throw new AuditConfigError(
      `${auditModel.name}.organizationId is required, but a single-tenant app (tenant: false) writes entries without an organization: remove the field or make it optional (String?).`,
    );
  }
  return { ...columns, organizationId: null };
}

/** The seal is asked for: it chains each organization's entries and keeps its counts in the project's two tables. */
function resolveSeal(config: AuditConfig, dmmf: DMMF.Document): boolean {
  if (config.seal !== true) return false;
  if (config.tenant === false) {
    throw new AuditConfigError(
      "The audit config sets seal: true and tenant: false: the seal chains each organization's entries, so it needs a tenant column.",
    );
  }
  for (const name of SEAL_COUNT_MODELS) findModel(dmmf, name, 'model the seal keeps its counts in (seal: true)');
  return true;
}

/** Resolves `config` against the schema. Throws an AuditConfigError naming the model and field at fault. */
export function resolveAuditConfig(config: AuditConfig, dmmf: DMMF.Document): ResolvedAuditConfig {
  for (const name of Object.keys(config.models)) findModel(dmmf, name, 'audited model');
  const seal = resolveSeal(config, dmmf);

  const auditModel = findModel(dmmf, config.auditModel, 'audit model');
  const auditColumns = auditTableColumns(auditModel, config.tenant !== false);
  const actorTypeField = findField(auditModel, 'actorType', 'required by the audit engine');
  if (actorTypeField.kind !== 'enum')
    throw new AuditConfigError(`${auditModel.name}.actorType must be an enum with ${ACTOR_KINDS.join(', ')}.`);
  const actorTypeEnum = dmmf.datamodel.enums.find((candidate) => candidate.name === actorTypeField.type);
  const missingKinds = ACTOR_KINDS.filter(
    (kind) => !actorTypeEnum?.values.some((value) => (value.dbName ?? value.name) === kind),
  );
  if (missingKinds.length) {
    throw new AuditConfigError(
      `${auditModel.name}.actorType must be an enum with ${ACTOR_KINDS.join(', ')} (missing ${missingKinds.join(', ')}).`,
    );
  }

  const actorModel = findModel(dmmf, config.actorModel.model, 'actor model');
  const actorId = actorModel.fields.find((field) => field.isId);
  if (!actorId) throw new AuditConfigError(`The actor model ${actorModel.name} needs an @id field.`);

  const selected = auditedModels(config, dmmf);
  const entityTypes = new Map<string, string>();
  const modelOfEntityType = new Map<string, string>();
  for (const { model, entityType } of selected) {
    const other = modelOfEntityType.get(entityType);
    if (other) throw new AuditConfigError(`${other} and ${model.name} share the entity type "${entityType}".`);
    modelOfEntityType.set(entityType, model.name);
    entityTypes.set(model.name, entityType);
  }
  const models = selected.map(({ model, settings, entityType }) =>
    resolveModel(model, settings, entityType, { config, dmmf, entityTypes }),
  );
  const tenantModel = models.find(
    (model) => model.organizationColumn !== null && model.organizationColumn === model.idColumn,
  );

  return {
    schema: config.schema ?? 'public',
    internalSchema: config.internalSchema ?? 'auditlog',
    sensitive: config.sensitive ?? [],
    audit: {
      table: tableOf(auditModel),
      actorTypeEnum: actorTypeEnum?.dbName ?? actorTypeField.type,
      columns: auditColumns,
    },
    actor: {
      table: tableOf(actorModel),
      idColumn: columnOf(actorId),
      nameColumn: columnOf(findField(actorModel, config.actorModel.nameField, 'actor name')),
      emailColumn: columnOf(findField(actorModel, config.actorModel.emailField, 'actor email')),
    },
    tenant: tenantModel ? { table: tenantModel.table, idColumn: tenantModel.idColumn } : null,
    readOnlyTables: (config.readOnly ?? []).map((name) => tableOf(findModel(dmmf, name, 'read-only model'))),
    models,
    seal,
  };
}
