/** Generating the capture SQL; used by the migration tool and the tests, never at runtime. */
export { AuditConfigError, defineAuditConfig, resolveAuditConfig, AUDIT_FIELDS } from './config.ts';
export type { AuditConfig, AuditModelConfig, AuditedModel, AuditedColumn, ResolvedAuditConfig } from './config.ts';
export { dmmfFromSchema, dmmfFromSchemaFile } from './dmmf.ts';
export { AUDIT_SQL_MARKER, CAPTURE_PREFIX, captureFunctionName, expectedFunctionSource, generateAuditSql } from './sql.ts';
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
export { prefilterAnchors, SECRET_JSON_PREFILTER_SOURCE, SECRET_VALUE_PREFILTER_SOURCE } from '../secret-rule.ts';
export type { PrefilterAnchor } from '../secret-rule.ts';
