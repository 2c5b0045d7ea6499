export * from './catalog.ts';
export { withAuditComments } from './adapter.ts';
export { auditComments, AUDIT_COMMENT_KEY } from './comments.ts';
export { currentAuditContext, runAsSystem, withAuditContext } from './context.ts';
export type { AnonymousAuditContext, AuditContext, SystemAuditContext, UserAuditContext } from './context.ts';
export { auditExtension, AuditLogImmutableError } from './extension.ts';
export type { AuditExtensionOptions } from './extension.ts';
export { AuditRecordError, MAX_JSON_BYTES, record, recordEntrySchema, redactChanges, redactMetadata } from './record.ts';
export type { RawQueryClient, RecordEntryInput, RecordedEntry } from './record.ts';
export {
  canonicalName,
  capJson,
  capText,
  isSensitiveField,
  normalizeFieldName,
  redactSensitive,
  redactText,
  redactValue,
  scrubSecrets,
} from './redact.ts';
export { MAX_DEPTH, MAX_VALUE_BYTES, TOO_DEEP, TRUNCATED_PATTERN } from './secret-rule.ts';
export { fingerprint, FINGERPRINT_HEX_LENGTH } from './fingerprint.ts';
export { defineAuditConfig, sensitiveFieldNames } from './triggers/config.ts';
export type { AuditConfig, AuditModelConfig } from './triggers/config.ts';
