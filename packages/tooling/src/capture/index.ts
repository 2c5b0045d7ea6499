/** Generating the capture SQL and the registry; used by the migration tool and the tests, never at runtime. */
export { ACTOR_KINDS, AuditConfigError, resolveAuditConfig, AUDIT_FIELDS } from './config.ts';
export type { AuditedColumn, AuditedModel, AuditedRelation, ColumnEncoding, ResolvedAuditConfig } from './config.ts';
export { dmmfFromSchema, dmmfFromSchemaFile } from './dmmf.ts';
export { captureFunctionName, rekeyFunctionName, SETTINGS, TRIGGERS } from './names.ts';
export { STRICT_MODE_MESSAGE } from './capture.ts';
export { CONTEXT_TAIL_CHARS, DDL_EVENT_TRIGGERS, TRIGGER_ONLY_ACTIONS } from './support.ts';
export { AUDIT_SQL_MARKER, functionBodies, generateAuditRegistry, generateAuditSql } from './sql.ts';
export type { GeneratedAuditSql } from './sql.ts';
export {
  auditJsonSql,
  auditTextSql,
  canonicalNameSql,
  fingerprintSql,
  redactionSql,
  schemaIdent,
  secretValuePrefilterSql,
  sensitiveNameSql,
  sqlString,
} from './redaction-sql.ts';
export type { RedactionSqlOptions } from './redaction-sql.ts';
export {
  prefilterAnchors,
  SECRET_JSON_PREFILTER_SOURCE,
  SECRET_VALUE_PREFILTER_SOURCE,
} from '@auditlog/audit/secret-rule';
export type { PrefilterAnchor } from '@auditlog/audit/secret-rule';
