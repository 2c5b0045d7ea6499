/**
 * The functions the capture statements call for a value that needs more than a cast (values.ts keeps the inline part
 * small): ISO 8601 forms of dates and timestamps whatever the session's DateStyle, and the `changes` member of a
 * changed text, Json or secret column, with keyed fingerprints when the stored values cannot show the change. They
 * run with the capture functions' (the owner's) rights; nobody else may call them, since they reach fingerprint().
 */
import { PINNED_SEARCH_PATH } from './names.ts';
import type { SqlNames } from './names.ts';

/** ISO 8601 text of dates and timestamps, the same whatever the session's DateStyle. */
function isoSql(names: SqlNames): string {
  const fn = names.fn;
  const isoYear = (value: string) =>
    `CASE WHEN y = -1 THEN '0000' WHEN y < 0 THEN '-' || lpad((-y - 1)::text, 6, '0') ELSE '+' || lpad(y::text, 6, '0') END || to_char(${value}, rest)`;
  const iso = (
    name: string,
    type: string,
    rest: string,
    first: string,
    last: string,
  ) => `CREATE OR REPLACE FUNCTION ${fn(name)}(value ${type}) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  rest constant text := '${rest}';
  y int;
BEGIN
  IF value >= '${first}'::${type} AND value < '${last}'::${type} THEN
    RETURN '"' || to_char(value, 'YYYY' || rest) || '"';
  ELSIF NOT isfinite(value) THEN
    RETURN '"' || value::text || '"';
  END IF;
  -- PostgreSQL numbers 1 BC as -1; ISO 8601 and JavaScript as year 0 (astronomical numbering), 6 digits and a sign.
  y := extract(year FROM value)::int;
  RETURN '"' || ${isoYear('value')} || '"';
END;
$audit$;`;

  return `-- A JSON string of an instant (a timestamp in UTC) or a day: ISO 8601 for years 1–9999, JavaScript's expanded form
-- for others (-000043-03-15 is 44 BC), "infinity" and "-infinity" as they are.
${iso('iso_timestamp', 'timestamp', '-MM-DD"T"HH24:MI:SS.MS"Z"', '0001-01-01', '10000-01-01')}

${iso('iso_date', 'date', '-MM-DD', '0001-01-01', '10000-01-01')}

CREATE OR REPLACE FUNCTION ${fn('iso_timestamps')}(value timestamp[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
${PINNED_SEARCH_PATH}
AS $audit$
  SELECT ${fn('cap_json')}(coalesce('[' || string_agg(coalesce(${fn('iso_timestamp')}(e), 'null'), ',' ORDER BY i) || ']', '[]')::jsonb)::text
  FROM unnest(value) WITH ORDINALITY AS u(e, i)
$audit$;`;
}

/** The `changes` members of changed text, Json and secret columns, and the fingerprints they carry. */
function changeSql(names: SqlNames): string {
  const fn = names.fn;
  return `-- {"before": …, "after": …} of the keyed fingerprints of the sides that have a value.
CREATE OR REPLACE FUNCTION ${fn('fingerprints')}(scope text, before text, after text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
${PINNED_SEARCH_PATH}
AS $audit$
  SELECT jsonb_strip_nulls(jsonb_build_object('before', ${names.fingerprint}(scope, before), 'after', ${names.fingerprint}(scope, after)))::text
$audit$;

-- The member of a changed text: both sides redacted and capped, fingerprints when that left them equal.
CREATE OR REPLACE FUNCTION ${fn('text_change')}(field text, scope text, before text, after text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  stored_before text := ${fn('audit_text')}(before);
  stored_after text := ${fn('audit_text')}(after);
  member text := to_json(field)::text || ':{"before":' || coalesce(to_json(stored_before)::text, 'null')
                 || ',"after":' || coalesce(to_json(stored_after)::text, 'null');
BEGIN
  IF stored_before IS NOT DISTINCT FROM stored_after THEN
    member := member || ',"fingerprint":' || ${fn('fingerprints')}(scope, before, after);
  END IF;
  RETURN member || '}';
END;
$audit$;

-- The member of a changed Json value: redacted and capped, fingerprints when that left the sides equal.
CREATE OR REPLACE FUNCTION ${fn('json_change')}(field text, scope text, before jsonb, after jsonb) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
${PINNED_SEARCH_PATH}
AS $audit$
DECLARE
  stored_before text := ${names.auditJson}(nullif(before, 'null'::jsonb))::text;
  stored_after text := ${names.auditJson}(nullif(after, 'null'::jsonb))::text;
  member text := to_json(field)::text || ':{"before":' || coalesce(stored_before, 'null') || ',"after":' || coalesce(stored_after, 'null');
BEGIN
  IF stored_before IS NOT DISTINCT FROM stored_after THEN
    member := member || ',"fingerprint":' || ${fn('fingerprints')}(scope, before::text, after::text);
  END IF;
  RETURN member || '}';
END;
$audit$;

-- The member of a changed secret or binary column: its placeholder on each side that has a value, and fingerprints.
CREATE OR REPLACE FUNCTION ${fn('secret_change')}(field text, scope text, placeholder text, before text, after text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
${PINNED_SEARCH_PATH}
AS $audit$
  SELECT to_json(field)::text || ':{"before":' || CASE WHEN before IS NULL THEN 'null' ELSE to_json(placeholder)::text END
    || ',"after":' || CASE WHEN after IS NULL THEN 'null' ELSE to_json(placeholder)::text END
    || ',"fingerprint":' || ${fn('fingerprints')}(scope, before, after) || '}'
$audit$;

-- The member of a secret or binary column in a create ("after") or a delete ("before").
CREATE OR REPLACE FUNCTION ${fn('secret_snapshot')}(field text, side text, placeholder text, scope text, value text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
${PINNED_SEARCH_PATH}
AS $audit$
  SELECT to_json(field)::text || ':{' || CASE WHEN side = 'after' THEN '"before":null,"after":' || to_json(placeholder)::text
                                              ELSE '"before":' || to_json(placeholder)::text || ',"after":null' END
    || ',"fingerprint":{' || to_json(side)::text || ':' || to_json(${names.fingerprint}(scope, value))::text || '}}'
$audit$;`;
}

export function valuesSql(names: SqlNames): string {
  return `${isoSql(names)}\n\n${changeSql(names)}`;
}
