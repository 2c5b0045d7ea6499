-- Audit entries are append-only in the database itself, whoever connects: UPDATE, DELETE and TRUNCATE on the audit
-- table raise an error naming the table. Statement-level triggers fire even when no row matches, and row triggers
-- would not fire on TRUNCATE at all.
CREATE OR REPLACE FUNCTION audit_log_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'The audit table "%" is append-only: % is not allowed.', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Audit entries can be added, never changed or removed.';
END;
$$;

CREATE TRIGGER "AuditLog_append_only"
  BEFORE UPDATE OR DELETE OR TRUNCATE ON "AuditLog"
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_reject_change();
