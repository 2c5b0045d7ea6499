export * from './catalog.ts';
export { withAuditComments } from './adapter.ts';
export { auditComments, AUDIT_COMMENT_KEY, encodeAuditContext, MAX_ENCODED_CONTEXT_BYTES } from './comments.ts';
export { currentAuditContext, runAsSystem, withAuditContext } from './context.ts';
export type { AnonymousAuditContext, AuditContext, SystemAuditContext, UserAuditContext } from './context.ts';
export { auditExtension, AuditLogImmutableError } from './extension.ts';
export type { AuditExtensionOptions } from './extension.ts';
export {
  AuditRecordError,
  MAX_JSON_BYTES,
  MAX_RECORD_MANY,
  record,
  recordMany,
  recordEntrySchema,
  redactChanges,
  redactMetadata,
} from './record.ts';
export type { RawQueryClient, RecordEntryInput, RecordedEntry, RecordManyInput, RecordOptions } from './record.ts';
export {
  canonicalName,
  capJson,
  capText,
  isSensitiveField,
  redactSensitive,
  redactText,
  redactValue,
  scrubSecrets,
} from './redact.ts';
export { MAX_DEPTH, MAX_VALUE_BYTES, TOO_DEEP, TRUNCATED_PATTERN } from './secret-rule.ts';
export { fingerprint, FINGERPRINT_HEX_LENGTH, FINGERPRINT_KEY_BYTES } from './fingerprint.ts';
export { defineAuditConfig, sensitiveFieldNames } from './config.ts';
export { LabelTemplateError, labelTemplateOf, parseLabelTemplate, renderLabel } from './label.ts';
export type { LabelTemplate } from './label.ts';
export { AUDIT_SETTINGS } from './settings.ts';
export { CaptureDriftError, checkInstalledCapture, quoteIdent, REGISTRY_VERSION } from './registry.ts';
export type {
  AuditRegistry,
  CaptureProblem,
  CatalogQueryClient,
  RegistryColumn,
  RegistryLabel,
  RegistryModel,
  RegistryRelation,
} from './registry.ts';
export type { AuditConfig, AuditModelConfig } from './config.ts';
