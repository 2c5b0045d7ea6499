/**
 * The one TypeScript description of what is audited, and its resolution against the Prisma schema's DMMF into
 * tables and columns. The trigger SQL (`sql.ts`) and the API's entity labels are both derived from it.
 */
import type * as DMMF from '@prisma/dmmf';
import { NAME_PATTERN } from '../catalog.ts';
import { isSensitiveField } from '../redact.ts';

export interface AuditModelConfig {
  /** The entity type written in entries, e.g. `ticket` (default: the model name in snake_case). */
  entityType?: string;
  /** The field(s) that name a record in the log: `'name'`, or `['number', 'subject']` (default: the first of name, title, subject, number). */
  label?: string | readonly string[];
  /** Formats the label fields' values; default: joined with a space. */
  formatLabel?: (values: Record<string, unknown>) => string;
  /** The field holding the record's organization (default `organizationId`; `id` for the organization itself). */
  organizationField?: string;
  /** More fields whose values are secrets, besides the default names (password, token, …, *encrypted*). */
  sensitive?: readonly string[];
  /** Fields never recorded (besides the id, the organization, `createdAt` and `@updatedAt` fields). */
  ignore?: readonly string[];
}

export interface AuditConfig {
  /** The model entries are written to (see the README for the fields it must have). */
  auditModel: string;
  /** Where the triggers look up the acting user's name and email, once per statement. */
  actorModel: { model: string; nameField: string; emailField: string };
  /**
   * Per-model settings. Every model with an organization field is audited unless it is set to `false` here; a model
   * without one is audited only if it has an entry here.
   */
  models: Record<string, AuditModelConfig | false>;
  /** Secret field names for every model, besides the defaults. */
  sensitive?: readonly string[];
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

/** How a column's value becomes JSON in `changes`. */
export type ColumnEncoding =
  | 'json-native' // strings, numbers, booleans, enums, lists: to_jsonb as is
  | 'text' // decimals, big integers, dates, times: their text form, exact
  | 'timestamp' // timestamp without time zone (Prisma's default DateTime): ISO 8601 in UTC
  | 'timestamptz' // timestamp with time zone: ISO 8601 in UTC
  | 'json' // Json: the value, secrets redacted at any depth
  | 'json-list' // Json[]: a JSON array of the values, secrets redacted at any depth
  | 'text-list' // Decimal[], BigInt[], DateTime[]: a JSON array of their exact text forms
  | 'binary' // Bytes: "[BINARY DATA]"
  | 'redacted'; // a sensitive field: "[REDACTED]"

export interface AuditedColumn {
  field: string;
  column: string;
  encoding: ColumnEncoding;
  /** `json` type columns (rare) need a cast to jsonb before comparison. */
  isJsonType: boolean;
}

export interface AuditedModel {
  model: string;
  table: string;
  entityType: string;
  idColumn: string;
  organizationColumn: string;
  organizationField: string;
  labelFields: readonly string[];
  formatLabel?: (values: Record<string, unknown>) => string;
  columns: AuditedColumn[];
}

export interface AuditTable {
  table: string;
  actorTypeEnum: string;
  /** Prisma field → column, for the fields the engine writes. */
  columns: Record<(typeof AUDIT_FIELDS)[number], string>;
}

export interface ResolvedAuditConfig {
  audit: AuditTable;
  /** The config's global secret names, also redacted inside Json values. */
  sensitive: readonly string[];
  actor: { table: string; idColumn: string; nameColumn: string; emailColumn: string };
  models: AuditedModel[];
}

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

function encodingOf(field: DMMF.Field, sensitive: boolean): ColumnEncoding {
  // Bytes first (lists too): an encrypted blob shows as binary data, which already says that nothing of it is shown.
  if (field.type === 'Bytes') return 'binary';
  if (sensitive) return 'redacted';
  // Lists are recorded as JSON arrays; elements that JSON cannot hold exactly become their text form.
  if (field.isList && field.type === 'Json') return 'json-list';
  if (field.isList && ['Decimal', 'BigInt', 'DateTime'].includes(field.type)) return 'text-list';
  if (field.kind === 'enum' || field.isList) return 'json-native';
  const native = Array.isArray(field.nativeType) ? String(field.nativeType[0]) : undefined;
  switch (field.type) {
    case 'Bytes':
      return 'binary';
    case 'Json':
      return 'json';
    case 'Decimal':
    case 'BigInt':
      return 'text';
    case 'DateTime':
      if (native === 'Date' || native === 'Time' || native === 'Timetz') return 'text';
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

/** Resolves `config` against the schema. Throws an AuditConfigError naming the model and field at fault. */
export function resolveAuditConfig(config: AuditConfig, dmmf: DMMF.Document): ResolvedAuditConfig {
  for (const name of Object.keys(config.models)) findModel(dmmf, name, 'audited model');

  const auditModel = findModel(dmmf, config.auditModel, 'audit model');
  const auditColumns = Object.fromEntries(
    AUDIT_FIELDS.map((field) => [field, columnOf(findField(auditModel, field, 'required by the audit engine'))]),
  ) as AuditTable['columns'];
  const actorTypeField = findField(auditModel, 'actorType', 'required by the audit engine');
  if (actorTypeField.kind !== 'enum') throw new AuditConfigError(`${auditModel.name}.actorType must be an enum with ${ACTOR_KINDS.join(', ')}.`);
  const actorTypeEnum = dmmf.datamodel.enums.find((candidate) => candidate.name === actorTypeField.type);
  const missingKinds = ACTOR_KINDS.filter((kind) => !actorTypeEnum?.values.some((value) => (value.dbName ?? value.name) === kind));
  if (missingKinds.length) {
    throw new AuditConfigError(`${auditModel.name}.actorType must be an enum with ${ACTOR_KINDS.join(', ')} (missing ${missingKinds.join(', ')}).`);
  }

  const actorModel = findModel(dmmf, config.actorModel.model, 'actor model');
  const actorId = actorModel.fields.find((field) => field.isId);
  if (!actorId) throw new AuditConfigError(`The actor model ${actorModel.name} needs an @id field.`);

  const models: AuditedModel[] = [];
  for (const model of dmmf.datamodel.models) {
    const settings = config.models[model.name];
    if (settings === false || model.name === config.auditModel) continue;
    const organizationField = settings?.organizationField ?? 'organizationId';
    const hasOrganization = model.fields.some((field) => field.name === organizationField && field.kind === 'scalar');
    if (!settings && !hasOrganization) continue;
    const where = `${model.name} in the audit config`;
    const organization = findField(model, organizationField, `organizationField of ${where}`);

    const ids = model.fields.filter((field) => field.isId);
    const id = ids[0];
    if (ids.length !== 1 || !id) {
      throw new AuditConfigError(`${model.name} needs a single-field @id to be audited (entries name records by id).`);
    }
    const entityType = settings?.entityType ?? snakeCase(model.name);
    if (!NAME_PATTERN.test(entityType)) {
      throw new AuditConfigError(`The entity type "${entityType}" of ${model.name} must be lower-case letters, digits and _.`);
    }
    const label = settings?.label ?? LABEL_CANDIDATES.find((name) => model.fields.some((field) => field.name === name));
    if (!label) throw new AuditConfigError(`${model.name} has no name, title, subject or number field: set its label.`);
    const labelFields = typeof label === 'string' ? [label] : label;
    for (const field of labelFields) findField(model, field, `label of ${where}`);

    const sensitive = [...(config.sensitive ?? []), ...(settings?.sensitive ?? [])];
    for (const field of settings?.sensitive ?? []) findField(model, field, `sensitive field of ${where}`);
    for (const field of settings?.ignore ?? []) findField(model, field, `ignored field of ${where}`);
    const ignored = new Set([id.name, organization.name, 'createdAt', ...(settings?.ignore ?? [])]);

    const columns = model.fields
      .filter((field) => field.kind !== 'object' && !field.isUpdatedAt && !ignored.has(field.name))
      .map(
        (field): AuditedColumn => ({
          field: field.name,
          column: columnOf(field),
          encoding: encodingOf(field, isSensitiveField(field.name, sensitive)),
          isJsonType: Array.isArray(field.nativeType) && field.nativeType[0] === 'Json',
        }),
      );

    models.push({
      model: model.name,
      table: tableOf(model),
      entityType,
      idColumn: columnOf(id),
      organizationColumn: columnOf(organization),
      organizationField: organization.name,
      labelFields,
      formatLabel: settings?.formatLabel,
      columns,
    });
  }

  const entityTypes = new Map<string, string>();
  for (const model of models) {
    const other = entityTypes.get(model.entityType);
    if (other) throw new AuditConfigError(`${other} and ${model.model} share the entity type "${model.entityType}".`);
    entityTypes.set(model.entityType, model.model);
  }

  return {
    sensitive: config.sensitive ?? [],
    audit: { table: tableOf(auditModel), actorTypeEnum: actorTypeEnum?.dbName ?? actorTypeField.type, columns: auditColumns },
    actor: {
      table: tableOf(actorModel),
      idColumn: columnOf(actorId),
      nameColumn: columnOf(findField(actorModel, config.actorModel.nameField, 'actor name')),
      emailColumn: columnOf(findField(actorModel, config.actorModel.emailField, 'actor email')),
    },
    models,
  };
}
