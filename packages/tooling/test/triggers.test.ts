import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { auditConfig } from '@auditlog/db';
import { BINARY_DATA, KNOWN_ENTITY_TYPES, REDACTED } from '@auditlog/audit/catalog';
import {
  AUDIT_SQL_MARKER,
  AuditConfigError,
  captureFunctionName,
  dmmfFromSchema,
  dmmfFromSchemaFile,
  functionBodies,
  generateAuditSql,
  rekeyFunctionName,
  resolveAuditConfig,
  TRIGGERS,
} from '../src/capture/index.ts';
import type { AuditConfig } from '@auditlog/audit';
import type { AuditedModel, ResolvedAuditConfig } from '../src/capture/index.ts';

const schemaPath = fileURLToPath(new URL('../../db/prisma/schema.prisma', import.meta.url));
const schemaText = await readFile(schemaPath, 'utf8');
const dmmf = await dmmfFromSchemaFile(schemaPath);
const resolved = resolveAuditConfig(auditConfig, dmmf);

function modelOf(config: ResolvedAuditConfig, name: string): AuditedModel {
  const model = config.models.find((candidate) => candidate.model === name);
  if (!model) throw new Error(`${name} is not audited`);
  return model;
}

function encodingOf(config: ResolvedAuditConfig, model: string, field: string): string {
  const column = modelOf(config, model).columns.find((candidate) => candidate.field === field);
  if (!column) throw new Error(`${model}.${field} is not an audited column`);
  return column.encoding;
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** `toContain` without printing the whole generated SQL when it fails. */
function expectToContain(text: string, part: string | RegExp): void {
  const found = typeof part === 'string' ? text.includes(part) : part.test(text);
  expect(found, `expected the SQL to contain ${String(part)}`).toBe(true);
}

/**
 * The references to `column` on the row aliases n and o that read its value: every use except a null test and a
 * comparison of the old and new values.
 */
function valueReads(source: string, column: string): string[] {
  const ref = `[no]\\."${column}"`;
  const comparisons = new RegExp(`${ref} IS (?:NOT )?(?:NULL|DISTINCT FROM ${ref})`, 'g');
  return withoutFingerprints(source).replace(comparisons, '').match(new RegExp(ref, 'g')) ?? [];
}

/**
 * `source` without its calls of the functions that only fingerprint a secret (an HMAC of a value shows nothing of
 * it); what those functions do with the value is tested on their own bodies.
 */
function withoutFingerprints(source: string): string {
  let rest = source;
  for (const name of ['fingerprint', 'secret_change', 'secret_snapshot'])
    rest = withoutCalls(rest, `"auditlog"."${name}"(`);
  return rest;
}

function withoutCalls(source: string, call: string): string {
  let rest = source;
  for (let at = rest.indexOf(call); at >= 0; at = rest.indexOf(call)) {
    let depth = 0;
    let end = at + call.length - 1;
    for (; end < rest.length; end++) {
      if (rest[end] === '(') depth++;
      else if (rest[end] === ')' && --depth === 0) break;
    }
    rest = rest.slice(0, at) + 'FINGERPRINT' + rest.slice(end + 1);
  }
  return rest;
}

/** The message of the AuditConfigError that `fn` throws; fails if it throws nothing or something else. */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuditConfigError);
    expect((error as AuditConfigError).name).toBe('AuditConfigError');
    return (error as AuditConfigError).message;
  }
  throw new Error('expected an AuditConfigError, nothing was thrown');
}

/** `schema` with `line` added as the first field of `model`; fails if the model is not found. */
function withField(schema: string, model: string, line: string): string {
  const opening = `model ${model} {\n`;
  expect(schema).toContain(opening);
  return schema.replace(opening, `${opening}  ${line}\n`);
}

/** The smallest schema the engine accepts (audit model and actor model), plus `models`. */
function miniSchema(models: string): string {
  return `datasource db {
  provider = "postgresql"
}

enum AuditActorType {
  USER
  SYSTEM
  UNATTRIBUTED
  ANONYMOUS
}

model AuditLog {
  id             String         @id @db.Uuid
  organizationId String
  createdAt      DateTime       @default(now()) @db.Timestamptz(3)
  action         String
  entityType     String
  entityId       String
  actorType      AuditActorType
  actorUserId    String?
  actorName      String?
  actorEmail     String?
  ipAddress      String?
  userAgent      String?
  requestId      String?
  changes        Json?
  metadata       Json?
}

model User {
  id             String @id
  organizationId String
  name           String
  email          String
}

${models}
`;
}

const miniConfig: AuditConfig = {
  auditModel: 'AuditLog',
  actorModel: { model: 'User', nameField: 'name', emailField: 'email' },
  models: {},
};

const auditedModelNames = [
  'Organization',
  'User',
  'ApiKey',
  'Client',
  'Contact',
  'Ticket',
  'Invoice',
  'InvoiceLine',
  'Quote',
  'Asset',
  'Integration',
  'Contract',
  'Project',
  'Vendor',
];

describe('resolveAuditConfig with the real config and schema', () => {
  it('audits every model with an organizationId except Session, the audit table and its counts, plus Organization', () => {
    const withOrganization = dmmf.datamodel.models
      .filter((model) => model.fields.some((field) => field.name === 'organizationId' && field.kind === 'scalar'))
      .map((model) => model.name);
    expect(withOrganization).toContain('AuditLog');
    const excluded = [
      'AuditLog',
      'Session',
      'AuditLogDailyCount',
      'AuditLogActorDailyCount',
      'AuditLogIpDailyCount',
      'AuditLogRequestDailyCount',
      'AuditLogRollup',
    ];
    const expected = ['Organization', ...withOrganization.filter((name) => !excluded.includes(name))];

    expect(resolved.models.map((model) => model.model).sort()).toEqual([...expected].sort());
    expect(resolved.models.map((model) => model.model)).toEqual(auditedModelNames);
  });

  it('audits the Organization by its own id', () => {
    const organization = modelOf(resolved, 'Organization');
    expect(organization.organizationField).toBe('id');
    expect(organization.organizationColumn).toBe('id');
    expect(organization.idColumn).toBe('id');
    expect(organization.columns.map((column) => column.field)).toEqual(['name', 'slug', 'createdAt']);
  });

  it('uses the entity types of the config, all of them known to the catalog', () => {
    expect(Object.fromEntries(resolved.models.map((model) => [model.model, model.entityType]))).toEqual({
      Organization: 'organization',
      User: 'user',
      ApiKey: 'api_key',
      Client: 'client',
      Contact: 'contact',
      Ticket: 'ticket',
      Invoice: 'invoice',
      InvoiceLine: 'invoice_line',
      Quote: 'quote',
      Asset: 'asset',
      Integration: 'integration',
      Contract: 'contract',
      Project: 'project',
      Vendor: 'vendor',
    });
    for (const model of resolved.models) expect(KNOWN_ENTITY_TYPES, model.model).toContain(model.entityType);
  });

  it('never records the id, the organization or @updatedAt fields as fields (key changes and moves are entries of their own)', () => {
    for (const model of resolved.models) {
      const fields = model.columns.map((column) => column.field);
      for (const excluded of ['id', 'organizationId', 'updatedAt']) expect(fields, model.model).not.toContain(excluded);
      expect(fields, model.model).toContain('createdAt');
      const source = dmmf.datamodel.models.find((candidate) => candidate.name === model.model);
      const updatedAt = source?.fields.filter((field) => field.isUpdatedAt).map((field) => field.name) ?? [];
      for (const field of updatedAt) expect(fields, model.model).not.toContain(field);
    }
  });

  it('never records relation fields', () => {
    for (const model of resolved.models) {
      const source = dmmf.datamodel.models.find((candidate) => candidate.name === model.model);
      const relations = source?.fields.filter((field) => field.kind === 'object').map((field) => field.name) ?? [];
      expect(relations.length, model.model).toBeGreaterThan(0);
      for (const relation of relations)
        expect(
          model.columns.map((column) => column.field),
          `${model.model}.${relation}`,
        ).not.toContain(relation);
    }
  });

  it('leaves out ignored fields: User.lastLoginAt and ApiKey.lastUsedAt', () => {
    expect(modelOf(resolved, 'User').columns.map((column) => column.field)).toEqual([
      'name',
      'email',
      'role',
      'passwordHash',
      'mfaSecret',
      'deactivatedAt',
      'createdAt',
    ]);
    expect(modelOf(resolved, 'ApiKey').columns.map((column) => column.field)).toEqual([
      'name',
      'prefix',
      'keyHash',
      'scopes',
      'expiresAt',
      'revokedAt',
      'createdAt',
    ]);
  });

  it('maps Vendor.accountNumber to the column account_number but keeps the field name', () => {
    const accountNumber = modelOf(resolved, 'Vendor').columns.find((column) => column.column === 'account_number');
    expect(accountNumber).toEqual({
      field: 'accountNumber',
      column: 'account_number',
      encoding: 'string',
      isJsonType: false,
      isFloat: false,
      isList: false,
    });
    for (const model of resolved.models) {
      for (const column of model.columns)
        if (column !== accountNumber) expect(column.column, `${model.model}.${column.field}`).toBe(column.field);
    }
  });

  it.each([
    ['Invoice', 'total', 'exact-text', 'Decimal'],
    ['InvoiceLine', 'quantity', 'exact-text', 'Decimal'],
    ['Asset', 'purchaseCost', 'exact-text', 'Decimal?'],
    ['Asset', 'diskBytes', 'exact-text', 'BigInt'],
    ['Ticket', 'dueAt', 'timestamp', 'DateTime'],
    ['User', 'deactivatedAt', 'timestamp', 'DateTime?'],
    ['Contract', 'startsOn', 'date', 'DateTime @db.Date'],
    ['Project', 'dueOn', 'date', 'DateTime? @db.Date'],
    ['Client', 'billingAddress', 'json', 'Json'],
    ['Asset', 'specs', 'json', 'Json'],
    ['Integration', 'settings', 'json', 'Json'],
    ['Integration', 'encryptedCredentials', 'binary', 'Bytes, even though its name is sensitive'],
    ['User', 'passwordHash', 'redacted', 'a default sensitive name'],
    ['User', 'mfaSecret', 'redacted', 'a default sensitive name'],
    ['ApiKey', 'keyHash', 'redacted', 'listed as sensitive in the config'],
    ['Ticket', 'status', 'json-native', 'an enum'],
    ['Ticket', 'number', 'json-native', 'Int'],
    ['Contact', 'isPrimary', 'json-native', 'Boolean'],
    ['ApiKey', 'scopes', 'json-list', 'String[]: secrets inside elements are redacted'],
    ['Invoice', 'currency', 'string', 'String @db.Char(3)'],
    ['Ticket', 'subject', 'string', 'String'],
  ])('encodes %s.%s as %s (%s)', (model, field, encoding) => {
    expect(encodingOf(resolved, model, field)).toBe(encoding);
  });

  it('marks no column as a json type: Json is jsonb by default', () => {
    for (const model of resolved.models)
      for (const column of model.columns) expect(column.isJsonType, `${model.model}.${column.field}`).toBe(false);
  });

  it('takes labels from the config as templates: a field name, or a template with its fields', () => {
    expect(modelOf(resolved, 'Ticket').label).toEqual({
      template: '#{number} {subject}',
      columns: { number: 'number', subject: 'subject' },
    });
    expect(modelOf(resolved, 'InvoiceLine').label).toEqual({
      template: '{description}',
      columns: { description: 'description' },
    });
  });

  it('resolves the audit table and the actor lookup', () => {
    expect(resolved.audit.table).toBe('AuditLog');
    expect(resolved.audit.actorTypeEnum).toBe('AuditActorType');
    expect(resolved.audit.columns.organizationId).toBe('organizationId');
    expect(resolved.actor).toEqual({ table: 'User', idColumn: 'id', nameColumn: 'name', emailColumn: 'email' });
  });
});

describe('resolveAuditConfig defaults, on small schemas', () => {
  it('audits a model with organizationId by default, with a snake_case entity type and the first label candidate', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model InvoiceLine {
  id             String @id
  organizationId String
  title          String
  number         Int
  hours          Int
}`),
    );
    const line = modelOf(resolveAuditConfig(miniConfig, dmmfOf), 'InvoiceLine');
    expect(line.entityType).toBe('invoice_line');
    expect(line.label).toEqual({ template: '{title}', columns: { title: 'title' } });
    expect(line.columns.map((column) => column.field)).toEqual(['title', 'number', 'hours']);
  });

  it('skips a model with organizationId that the config sets to false, and a model without one that it does not list', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Document {
  id             String @id
  organizationId String
  name           String
}

model Country {
  id   String @id
  name String
}`),
    );
    expect(resolveAuditConfig(miniConfig, dmmfOf).models.map((model) => model.model)).toEqual(['User', 'Document']);
    expect(
      resolveAuditConfig({ ...miniConfig, models: { Document: false } }, dmmfOf).models.map((model) => model.model),
    ).toEqual(['User']);
  });

  it('encodes timestamptz, time, @db.Json and plain Bytes columns', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Certificate {
  id             String   @id
  organizationId String
  name           String
  startsAt       DateTime @db.Timestamptz(3)
  localTime      DateTime @db.Time
  payload        Json     @db.Json
  attachment     Bytes?
}`),
    );
    const event = modelOf(resolveAuditConfig(miniConfig, dmmfOf), 'Certificate');
    expect(event.columns).toEqual([
      { field: 'name', column: 'name', encoding: 'string', isJsonType: false, isFloat: false, isList: false },
      {
        field: 'startsAt',
        column: 'startsAt',
        encoding: 'timestamptz',
        isJsonType: false,
        isFloat: false,
        isList: false,
      },
      {
        field: 'localTime',
        column: 'localTime',
        encoding: 'exact-text',
        isJsonType: false,
        isFloat: false,
        isList: false,
      },
      { field: 'payload', column: 'payload', encoding: 'json', isJsonType: true, isFloat: false, isList: false },
      {
        field: 'attachment',
        column: 'attachment',
        encoding: 'binary',
        isJsonType: false,
        isFloat: false,
        isList: false,
      },
    ]);
  });

  it('records list fields as JSON arrays, ISO strings for instants, and Bytes lists as binary data', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Certificate {
  id             String     @id
  organizationId String
  name           String
  tags           String[]
  occurrences    DateTime[]
  payloads       Json[]
  blobs          Bytes[]
}`),
    );
    const config = resolveAuditConfig(miniConfig, dmmfOf);
    expect(encodingOf(config, 'Certificate', 'tags')).toBe('json-list');
    expect(encodingOf(config, 'Certificate', 'occurrences')).toBe('timestamp-list');
    expect(encodingOf(config, 'Certificate', 'payloads')).toBe('json-list');
    expect(encodingOf(config, 'Certificate', 'blobs')).toBe('binary');
    const source =
      functionBodies(generateAuditSql(config).sql, 'auditlog').get(
        captureFunctionName(modelOf(config, 'Certificate')),
      ) ?? '';
    expectToContain(source, '"auditlog"."iso_timestamps"(n."occurrences"::timestamp[])');
    // Secrets inside the elements of a Json[] or a String[] are redacted too.
    expectToContain(source, '"auditlog"."audit_json"(to_jsonb(n."payloads"))');
    expectToContain(source, '"auditlog"."audit_json"(to_jsonb(n."tags"))');
    expect(valueReads(source, 'blobs')).toEqual([]);
  });

  it('redacts names listed in the top-level sensitive list in every model', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Contact {
  id             String @id
  organizationId String
  name           String
  nickname       String?
}`),
    );
    const config = resolveAuditConfig({ ...miniConfig, sensitive: ['nickname'] }, dmmfOf);
    expect(encodingOf(config, 'Contact', 'nickname')).toBe('redacted');
    expect(encodingOf(resolveAuditConfig(miniConfig, dmmfOf), 'Contact', 'nickname')).toBe('string');
  });
});

describe('resolveAuditConfig: semantic actions, relations and the tenant', () => {
  it('maps a field to its action, and keeps it among the recorded columns', () => {
    expect(modelOf(resolved, 'User').actions).toEqual({ role: 'permission_change' });
    expect(modelOf(resolved, 'ApiKey').actions).toEqual({ scopes: 'permission_change' });
    expect(modelOf(resolved, 'Ticket').actions).toEqual({});
  });

  it('refuses an action on a field that is not recorded, an unknown field, a row-change action or a bad name', () => {
    const withActions = (actions: Record<string, string>): AuditConfig => ({
      ...auditConfig,
      models: { ...auditConfig.models, User: { entityType: 'user', label: 'name', ignore: ['lastLoginAt'], actions } },
    });
    expect(configError(() => resolveAuditConfig(withActions({ lastLoginAt: 'signed_in' }), dmmf))).toBe(
      'User.lastLoginAt has an action but is not recorded (ignored, the id or the organization).',
    );
    expect(configError(() => resolveAuditConfig(withActions({ rank: 'permission_change' }), dmmf))).toBe(
      'User has no scalar field "rank" (action field of User in the audit config).',
    );
    expect(configError(() => resolveAuditConfig(withActions({ role: 'update' }), dmmf))).toBe(
      'User.role: "update" is a row change; name an action of its own, e.g. permission_change.',
    );
    expect(configError(() => resolveAuditConfig(withActions({ role: 'Permission Change' }), dmmf))).toBe(
      'The action of User.role: "Permission Change" must be lower-case letters, digits and _.',
    );
  });

  it('finds the relations of each model from the schema, with the entity type of an audited target', () => {
    expect(modelOf(resolved, 'Ticket').relations).toEqual([
      {
        field: 'organizationId',
        column: 'organizationId',
        targetModel: 'Organization',
        targetEntityType: 'organization',
      },
      { field: 'clientId', column: 'clientId', targetModel: 'Client', targetEntityType: 'client' },
      { field: 'contactId', column: 'contactId', targetModel: 'Contact', targetEntityType: 'contact' },
      { field: 'assigneeId', column: 'assigneeId', targetModel: 'User', targetEntityType: 'user' },
    ]);
  });

  it('knows the tenant table and the read-only tables, and lists every column of each table', () => {
    expect(resolved.tenant).toEqual({ table: 'Organization', idColumn: 'id' });
    expect(resolved.readOnlyTables).toEqual([
      'AuditLogDailyCount',
      'AuditLogActorDailyCount',
      'AuditLogIpDailyCount',
      'AuditLogRequestDailyCount',
      'AuditLogRollup',
    ]);
    expect(modelOf(resolved, 'Vendor').tableColumns).toEqual([
      'id',
      'organizationId',
      'name',
      'website',
      'account_number',
      'supportEmail',
      'supportPhone',
      'createdAt',
      'updatedAt',
    ]);
  });
});

describe('AuditConfigError', () => {
  // A model renamed in the schema but not in the config would lose its settings (its secrets, its entity type).
  it('names an unknown model of the config', () => {
    const config: AuditConfig = { ...auditConfig, models: { ...auditConfig.models, Widget: { label: 'name' } } };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'The audited model "Widget" is not a model of schema.prisma.',
    );
  });

  it('names an unknown model even when the config sets it to false', () => {
    const config: AuditConfig = { ...auditConfig, models: { ...auditConfig.models, Sessions: false } };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toMatch(/"Sessions" is not a model/);
  });

  it('names an unknown label field and the model', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Ticket: { entityType: 'ticket', label: ['number', 'title'] } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'Ticket has no scalar field "title" (label of Ticket in the audit config).',
    );
  });

  it('refuses a relation as a label field', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Contact: { entityType: 'contact', label: 'client' } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'Contact has no scalar field "client" (label of Contact in the audit config).',
    );
  });

  // A typo in an entity type would file the model's entries under a name no filter offers and no label knows.
  it('names the model and an entity type the catalog does not know', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Ticket: { entityType: 'tiket', label: 'subject' } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'Ticket in the audit config: its entityType "tiket" is not in the catalog\'s entity types: add it to ENTITY_TYPES in packages/audit/src/catalog.ts (with its label) or to the config\'s entityTypes, or set Ticket: false.',
    );
  });

  // The seal's SQL reads this project's count tables: another app's capture must not install functions that cannot run.
  it('installs the seal only when the config asks for it, and refuses it without a tenant column', () => {
    const withSeal = generateAuditSql(resolveAuditConfig(auditConfig, dmmf)).sql;
    const withoutSeal = generateAuditSql(resolveAuditConfig({ ...auditConfig, seal: false }, dmmf)).sql;
    for (const name of ['"AuditSealBlock"', 'append_seal_block', 'final_before', '"AuditLogDailyCount"']) {
      expect(withSeal, `seal: true installs ${name}`).toContain(name);
      expect(withoutSeal, `no seal: nothing of ${name}`).not.toContain(name);
    }
    expect(configError(() => resolveAuditConfig({ ...auditConfig, tenant: false, seal: true }, dmmf))).toMatch(
      /seal: true and tenant: false/,
    );
  });

  // The default rule audits a new model with an organizationId on its own; its derived type must be known too.
  it('names a model audited by the default rule whose derived entity type the catalog does not know', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model SlaPolicy {
  id             String @id
  organizationId String
  title          String
}`),
    );
    expect(configError(() => resolveAuditConfig(miniConfig, dmmfOf))).toMatch(
      /^SlaPolicy in the audit config: the entity type derived from its name "sla_policy" is not in the catalog/,
    );
    expect(resolveAuditConfig({ ...miniConfig, models: { SlaPolicy: false } }, dmmfOf).models).toHaveLength(1);
  });

  // A label template with a typo would name every record of the model by its id only, silently.
  it.each([
    ['#{number} {subjct}', 'Ticket has no scalar field "subjct" (label of Ticket in the audit config).'],
    ['#{number {subject}', 'Ticket: the label template "#{number {subject}" has a brace without its pair.'],
    ['{number} {}', 'Ticket: the label template "{number} {}" has a bad field "{}".'],
    ['Ticket', 'Ticket has no scalar field "Ticket" (label of Ticket in the audit config).'],
    ['Support ticket {', 'Ticket: the label template "Support ticket {" has a brace without its pair.'],
  ])('names the model and the bad label %j', (label, message) => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Ticket: { entityType: 'ticket', label } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(message);
  });

  it('refuses a label template without a field (every record would have the same name)', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Ticket: { entityType: 'ticket', label: [] } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe('Ticket: the label template "" names no field.');
  });

  // The list shows labels live and unredacted: a secret as a label would print it for every reader of the log.
  it("refuses a secret as a label field, by the default names and by the config's own", () => {
    const byName: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, ApiKey: { entityType: 'api_key', label: '{name} {keyHash}' } },
    };
    expect(configError(() => resolveAuditConfig(byName, dmmf))).toBe(
      'ApiKey.keyHash holds a secret (redacted in entries), so it cannot name records in the list: choose another label field.',
    );
    const byConfig: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Vendor: { entityType: 'vendor', label: 'website', sensitive: ['website'] } },
    };
    expect(configError(() => resolveAuditConfig(byConfig, dmmf))).toBe(
      'Vendor.website holds a secret (redacted in entries), so it cannot name records in the list: choose another label field.',
    );
  });

  // A Json, bytes or list label would render as "[object Object]", binary noise or a comma list in the list.
  it('refuses a Json, Bytes or list field as a label field', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Document {
  id             String   @id
  organizationId String
  name           String
  meta           Json
  body           Bytes
  tags           String[]
}`),
    );
    const withLabel = (label: string): AuditConfig => ({ ...miniConfig, models: { Document: { label } } });
    expect(configError(() => resolveAuditConfig(withLabel('meta'), dmmfOf))).toBe(
      'Document.meta (Json) cannot name records: a label field holds one text, number, enum or date.',
    );
    expect(configError(() => resolveAuditConfig(withLabel('{name} {body}'), dmmfOf))).toBe(
      'Document.body (Bytes) cannot name records: a label field holds one text, number, enum or date.',
    );
    expect(configError(() => resolveAuditConfig(withLabel('tags'), dmmfOf))).toBe(
      'Document.tags (String[]) cannot name records: a label field holds one text, number, enum or date.',
    );
  });

  it('names an unknown sensitive field and the model', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, ApiKey: { entityType: 'api_key', label: 'name', sensitive: ['keyHsh'] } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'ApiKey has no scalar field "keyHsh" (sensitive field of ApiKey in the audit config).',
    );
  });

  it('names an unknown ignored field and the model', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, User: { entityType: 'user', label: 'name', ignore: ['lastLogin'] } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'User has no scalar field "lastLogin" (ignored field of User in the audit config).',
    );
  });

  it('names a listed model that has no organization field', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Session: { entityType: 'credential', label: 'id' } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'Session has no scalar field "organizationId" (organizationField of Session in the audit config): every audited model needs its tenant column; name it with organizationField, or set tenant: false for a single-tenant app.',
    );
  });

  it('refuses a model with a composite @@id', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Tag {
  organizationId String
  userId         String
  name           String

  @@id([organizationId, userId])
}`),
    );
    expect(configError(() => resolveAuditConfig(miniConfig, dmmfOf))).toBe(
      'Tag needs a single-field @id to be audited (entries name records by id).',
    );
    expect(
      resolveAuditConfig({ ...miniConfig, models: { Tag: false } }, dmmfOf).models.map((model) => model.model),
    ).toEqual(['User']);
  });

  it('names both models that share an entity type', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Contact: { entityType: 'client', label: 'name' } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      'Client and Contact share the entity type "client".',
    );
  });

  it.each(['support-ticket', 'Ticket', '1ticket', 'ticket type', ''])('refuses the entity type %j', (entityType) => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Ticket: { entityType, label: 'subject' } },
    };
    expect(configError(() => resolveAuditConfig(config, dmmf))).toBe(
      `The entity type of Ticket: "${entityType}" must be lower-case letters, digits and _.`,
    );
  });

  it('asks for a label when a model has no name, title, subject or number', () => {
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Rack {
  id             String @id
  organizationId String
  value          Float
}`),
    );
    expect(configError(() => resolveAuditConfig(miniConfig, dmmfOf))).toBe(
      'Rack has no name, title, subject or number field: set its label.',
    );
    expect(
      modelOf(resolveAuditConfig({ ...miniConfig, models: { Rack: { label: 'value' } } }, dmmfOf), 'Rack').label,
    ).toEqual({ template: '{value}', columns: { value: 'value' } });
  });

  it('names an unknown audit model or actor model', () => {
    expect(configError(() => resolveAuditConfig({ ...auditConfig, auditModel: 'AuditEntry' }, dmmf))).toBe(
      'The audit model "AuditEntry" is not a model of schema.prisma.',
    );
    expect(
      configError(() =>
        resolveAuditConfig({ ...auditConfig, actorModel: { ...auditConfig.actorModel, model: 'Member' } }, dmmf),
      ),
    ).toBe('The actor model "Member" is not a model of schema.prisma.');
  });

  it('names a field missing from the audit model and an unknown actor name field', () => {
    const withoutRequestId = dmmfFromSchema(miniSchema('').replace(/^ {2}requestId .*$/m, ''));
    expect(configError(() => resolveAuditConfig(miniConfig, withoutRequestId))).toBe(
      'AuditLog has no scalar field "requestId" (required by the audit engine).',
    );
    expect(
      configError(() =>
        resolveAuditConfig({ ...auditConfig, actorModel: { ...auditConfig.actorModel, nameField: 'fullName' } }, dmmf),
      ),
    ).toBe('User has no scalar field "fullName" (actor name).');
  });

  it('refuses an audit model whose actorType is not an enum', () => {
    const dmmfOf = dmmfFromSchema(miniSchema('').replace(/actorType {6}AuditActorType/, 'actorType      String'));
    expect(configError(() => resolveAuditConfig(miniConfig, dmmfOf))).toBe(
      'AuditLog.actorType must be an enum with USER, SYSTEM, UNATTRIBUTED, ANONYMOUS.',
    );
  });
});

describe('generateAuditSql', () => {
  const generated = generateAuditSql(resolved);
  /** The stored body of a function of the internal schema, as PostgreSQL keeps it. */
  const bodyOf = (config: ResolvedAuditConfig, name: string) => {
    const body = functionBodies(generateAuditSql(config).sql, config.internalSchema).get(name);
    if (body === undefined) throw new Error(`no function ${name} in the generated SQL`);
    return body;
  };
  const captureOf = (name: string) => bodyOf(resolved, captureFunctionName(modelOf(resolved, name)));

  it('is deterministic: the same config and schema give the same SQL and hash', async () => {
    const again = generateAuditSql(resolveAuditConfig(auditConfig, await dmmfFromSchemaFile(schemaPath)));
    expect(again.hash).toBe(generated.hash);
    expect(again.sql).toBe(generated.sql);
    expect(generateAuditSql(resolveAuditConfig(auditConfig, dmmfFromSchema(schemaText))).hash).toBe(generated.hash);
  });

  it('carries its 16-hex-digit hash in its header, and records it as installed', () => {
    expect(generated.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(generated.sql).toContain(`\n${AUDIT_SQL_MARKER} ${generated.hash}\n`);
    expect(count(generated.sql, AUDIT_SQL_MARKER)).toBe(1);
    expect(
      generated.sql.trimEnd().endsWith(`INSERT INTO "auditlog".installed (hash) VALUES ('${generated.hash}');`),
    ).toBe(true);
  });

  it('creates a capture function, a rekey function and six triggers per audited table (five for the tenant), all schema-qualified', () => {
    for (const model of resolved.models) {
      const table = `"public"."${model.table}"`;
      const capture = `"auditlog"."${captureFunctionName(model)}"`;
      const rekey = `"auditlog"."${rekeyFunctionName(model)}"`;
      expect(count(generated.sql, `CREATE FUNCTION ${capture}() RETURNS trigger`), model.model).toBe(1);
      expect(count(generated.sql, `CREATE FUNCTION ${rekey}() RETURNS trigger`), model.model).toBe(1);
      for (const [timing, name] of [
        ['AFTER INSERT', TRIGGERS.insert],
        ['AFTER UPDATE', TRIGGERS.update],
        ['AFTER DELETE', TRIGGERS.delete],
        ['BEFORE TRUNCATE', TRIGGERS.truncate],
      ] as const) {
        expect(count(generated.sql, `CREATE TRIGGER ${name} ${timing} ON ${table}\n`), `${model.model} ${name}`).toBe(
          1,
        );
      }
      expect(
        count(generated.sql, `CREATE TRIGGER ${TRIGGERS.rekey} AFTER UPDATE OF "${model.idColumn}" ON ${table}\n`),
        model.model,
      ).toBe(1);
      expect(count(generated.sql, `EXECUTE FUNCTION ${capture}();`), model.model).toBe(4);
      expect(count(generated.sql, `EXECUTE FUNCTION ${rekey}();`), model.model).toBe(1);
      // A model whose tenant column is its id cannot move: no move trigger.
      const moves = model.organizationColumn === model.idColumn ? 0 : 1;
      expect(
        count(
          generated.sql,
          `CREATE TRIGGER ${TRIGGERS.move} AFTER UPDATE OF "${model.organizationColumn}" ON ${table}\n`,
        ),
        model.model,
      ).toBe(moves);
    }
    expect(count(generated.sql, 'CREATE TRIGGER audit_capture_')).toBe(6 * resolved.models.length - 1);
    expect(generated.sql).not.toMatch(/CREATE TRIGGER \S+ \w+ \w+( OF "\w+")? ON "(?!public")/);
  });

  it('puts no capture trigger on Session or on the audit table itself, whose one trigger keeps it append-only', () => {
    expect(generated.sql).not.toContain('ON "public"."Session"');
    expect(generated.sql).not.toContain('capture_Session');
    expect(generated.sql).not.toContain('"capture_AuditLog"');
    expect(count(generated.sql, 'ON "public"."AuditLog"\n')).toBe(1);
    expectToContain(
      generated.sql,
      'CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON "public"."AuditLog"\n',
    );
  });

  it("pins search_path (pg_temp last) on every function it creates, and runs capture with the owner's rights", () => {
    const creates = generated.sql.match(/CREATE (OR REPLACE )?FUNCTION [\s\S]*?\nAS \$[a-z_]*\$/g) ?? [];
    // Every function is the engine's, plus the daily counts' refresh, which the API calls in the app's schema and
    // which takes its horizon from auditlog.final_before() (decision 015).
    expect(creates.length).toBe(
      functionBodies(generated.sql, 'auditlog').size + functionBodies(generated.sql, 'public').size,
    );
    expect([...functionBodies(generated.sql, 'public').keys()]).toEqual(['audit_refresh_daily_counts']);
    for (const create of creates)
      expect(create, create.split('\n')[0]).toContain('\nSET search_path = pg_catalog, pg_temp\n');
    for (const model of resolved.models) {
      const create = creates.find((c) => c.startsWith(`CREATE FUNCTION "auditlog"."${captureFunctionName(model)}"()`));
      expect(create, model.model).toContain('\nSECURITY DEFINER\n');
    }
  });

  it('drops previous capture triggers only in the app schema, and functions only in its own', () => {
    expectToContain(
      generated.sql,
      `WHERE ns.nspname = 'public' AND NOT tg.tgisinternal AND tg.tgname LIKE 'audit\\_capture\\_%'`,
    );
    expectToContain(
      generated.sql,
      `WHERE ns.nspname = 'auditlog'\n             AND (p.proname LIKE 'capture\\_%' OR p.proname LIKE 'rekey\\_%')`,
    );
    // Every other read of pg_trigger names one relation (a partition's guard), or it is the schema-bound drop above.
    expect(generated.sql).not.toMatch(
      /FROM pg_catalog\.pg_trigger(?! t WHERE t\.tgrelid = format\()(?![\s\S]{0,400}nspname = 'public')/,
    );
  });

  it('changes its hash when a column is added to an audited model', () => {
    const changed = generateAuditSql(
      resolveAuditConfig(auditConfig, dmmfFromSchema(withField(schemaText, 'Vendor', 'taxId String?'))),
    );
    expect(changed.hash).not.toBe(generated.hash);
    expect(captureOf('Vendor')).not.toContain('taxId');
    expectToContain(changed.sql, 'n."taxId"');
  });

  it('changes its hash when a field becomes sensitive in the config', () => {
    const config: AuditConfig = {
      ...auditConfig,
      models: { ...auditConfig.models, Vendor: { entityType: 'vendor', label: 'name', sensitive: ['accountNumber'] } },
    };
    expect(generateAuditSql(resolveAuditConfig(config, dmmf)).hash).not.toBe(generated.hash);
  });

  it('keeps its hash when only a model that is not audited changes', () => {
    const changed = generateAuditSql(
      resolveAuditConfig(auditConfig, dmmfFromSchema(withField(schemaText, 'Session', 'country String?'))),
    );
    expect(changed.hash).toBe(generated.hash);
  });

  it('keeps its hash when only an ignored field changes', () => {
    const changedIgnored = schemaText.replace(
      'lastLoginAt    DateTime?',
      'lastLoginAt    DateTime? @db.Timestamptz(3)',
    );
    expect(changedIgnored).not.toBe(schemaText);
    expect(generateAuditSql(resolveAuditConfig(auditConfig, dmmfFromSchema(changedIgnored))).hash).toBe(generated.hash);
  });

  it('finds the body of every function it creates, exactly as PostgreSQL will store it', () => {
    for (const model of resolved.models) {
      const source = captureOf(model.model);
      expect(source.startsWith('\nDECLARE\n'), model.model).toBe(true);
      expect(source.endsWith('END;\n'), model.model).toBe(true);
      expect(source, model.model).not.toContain('$audit$');
      expect(source, model.model).toContain(`'${model.entityType}'`);
    }
  });

  it('writes changes under the field name but reads the mapped column (Vendor.accountNumber)', () => {
    const source = captureOf('Vendor');
    expectToContain(source, 'accountNumber');
    expectToContain(source, 'n."account_number"');
    expectToContain(source, 'o."account_number"');
    expect(source).not.toMatch(/[no]\."accountNumber"/);
  });

  it('never reads the value of a redacted or binary column, only tests it for null or change', () => {
    const user = captureOf('User');
    expectToContain(user, `'${REDACTED}'`);
    for (const field of ['passwordHash', 'mfaSecret']) {
      expectToContain(user, `n."${field}"`);
      expect(valueReads(user, field), field).toEqual([]);
    }
    const apiKey = captureOf('ApiKey');
    expectToContain(apiKey, `'${REDACTED}'`);
    expect(valueReads(apiKey, 'keyHash')).toEqual([]);
    const integration = captureOf('Integration');
    expectToContain(integration, `'${BINARY_DATA}'`);
    expect(valueReads(integration, 'encryptedCredentials')).toEqual([]);
    // Their changes carry keyed fingerprints, scoped to the record and the field, of the raw value (a hash of bytes).
    expectToContain(
      user,
      `"auditlog"."secret_change"('passwordHash', 'user:' || n."id"::text || ':passwordHash', '${REDACTED}', o."passwordHash"::text, n."passwordHash"::text)`,
    );
    expectToContain(
      integration,
      `encode(sha256(o."encryptedCredentials"), 'hex'), encode(sha256(n."encryptedCredentials"), 'hex'))`,
    );
    const body = functionBodies(generated.sql, 'auditlog').get('secret_change') ?? '';
    expect(body.match(/\b(before|after)\b/g)?.length).toBe(6);
    expectToContain(body, '"auditlog"."fingerprints"(scope, before, after)');
  });

  it('does read the value of ordinary columns (the check above can fail)', () => {
    expect(valueReads(captureOf('User'), 'email').length).toBeGreaterThan(0);
    expect(captureOf('User')).not.toContain(`'${BINARY_DATA}'`);
  });

  it('does not mention ignored or @updatedAt columns, and records createdAt like any other field', () => {
    expect(captureOf('User')).not.toContain('lastLoginAt');
    expect(captureOf('ApiKey')).not.toContain('lastUsedAt');
    for (const model of resolved.models) {
      const source = captureOf(model.model);
      expect(source, model.model).not.toContain('"updatedAt"');
      expectToContain(source, '"createdAt":{"before":');
    }
  });

  it("encodes each column with the expression of its encoding, independent of the session's DateStyle", () => {
    const asset = captureOf('Asset');
    expectToContain(asset, /to_jsonb?\(n\."diskBytes"::text\)/);
    expectToContain(asset, /to_jsonb?\(n\."purchaseCost"::text\)/);
    expectToContain(asset, `to_char(n."purchasedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
    expectToContain(asset, `"auditlog"."audit_json"(n."specs")`);
    expectToContain(asset, /to_jsonb?\(n\."type"\)/);
    const contract = captureOf('Contract');
    expectToContain(contract, `"auditlog"."iso_date"(n."startsOn")`);
    expect(contract).not.toContain('n."startsOn"::text)');
  });

  it('writes a role change as permission_change, apart from the other fields of the same update', () => {
    const user = captureOf('User');
    expectToContain(user, `WHEN 1 THEN 'update' WHEN 2 THEN 'permission_change' END`);
    const [, kinds = ''] = user.split('WHERE ((k.kind = 1 AND');
    expectToContain(
      kinds,
      `(k.kind = 2 AND o."organizationId" IS NOT DISTINCT FROM n."organizationId" AND ((o."role" IS DISTINCT FROM n."role"))))`,
    );
    expect(kinds.split('(k.kind = 2')[0]).not.toContain('"role"');
  });

  it('writes a move between organizations as a delete in the old one and a create in the new one, looked for only after one', () => {
    const ticket = captureOf('Ticket');
    expectToContain(ticket, `IF current_setting('auditlog.move_tx', true) = pg_current_xact_id()::text THEN`);
    expectToContain(ticket, `CASE k.kind WHEN 1 THEN o."organizationId" WHEN 2 THEN n."organizationId" END`);
    expectToContain(ticket, `CASE k.kind WHEN 1 THEN 'delete' WHEN 2 THEN 'create' END`);
    expectToContain(ticket, `(k.kind = 1 AND NOT (o."organizationId" IS NOT DISTINCT FROM n."organizationId"))`);
    expectToContain(
      generateAuditSql(resolved).sql,
      `FOR EACH ROW WHEN (OLD."organizationId" IS DISTINCT FROM NEW."organizationId") EXECUTE FUNCTION "auditlog"."note_move"();`,
    );
    expect(captureOf('Organization')).not.toContain('move_tx');
  });

  it('refuses, in record(), the actions only the triggers write', () => {
    const record = bodyOf(resolved, 'record');
    expectToContain(record, `IF p_action = ANY (ARRAY['create', 'update', 'delete', 'schema_change'])`);
  });

  it('captures every column of a table wider than 100 columns (concat_ws takes at most 100 arguments)', () => {
    const fields = Array.from({ length: 120 }, (_, i) => `  f${String(i)} String?`).join('\n');
    const dmmfOf = dmmfFromSchema(
      miniSchema(`model Product {\n  id String @id\n  organizationId String\n  name String\n${fields}\n}`),
    );
    const config = resolveAuditConfig(miniConfig, dmmfOf);
    const wide = modelOf(config, 'Product');
    expect(wide.columns).toHaveLength(121);
    const source = bodyOf(config, captureFunctionName(wide));
    for (const column of wide.columns) {
      expectToContain(source, column.field);
      expectToContain(source, `n."${column.column}"`);
      expectToContain(source, `o."${column.column}"`);
    }
    for (const [i, call] of (source.match(/concat_ws\(/g) ?? []).entries())
      expect(call, `call ${i}`).toBe('concat_ws(');
    expectToContain(source, `nullif(concat_ws(',',`);
  });
});
