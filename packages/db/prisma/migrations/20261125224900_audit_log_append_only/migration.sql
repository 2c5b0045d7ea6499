-- Audit entries are append-only in the database itself, whoever connects: UPDATE, DELETE and TRUNCATE on the audit
-- table raise an error naming the table. Row triggers do not fire on TRUNCATE, hence the statement-level one.
CREATE OR REPLACE FUNCTION audit_log_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The audit table "%" is append-only: % is not allowed.', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit entries can be added, never changed or removed.';
END;
$$;

CREATE TRIGGER "AuditLog_reject_update_delete"
  BEFORE UPDATE OR DELETE ON "AuditLog"
  FOR EACH ROW EXECUTE FUNCTION audit_log_reject_change();

CREATE TRIGGER "AuditLog_reject_truncate"
  BEFORE TRUNCATE ON "AuditLog"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();
