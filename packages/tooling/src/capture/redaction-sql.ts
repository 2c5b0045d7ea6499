/**
 * The SQL side of redaction: functions installed in one schema, generated from the rule of secret-rule.ts (the same
 * regular-expression sources the TypeScript side compiles), and fragments the capture generator puts inline in its
 * per-column expressions. What each column encoding calls is in docs/decisions/009-one-secret-rule.md.
 *
 * Every function is schema-qualified, pins `search_path = pg_catalog, pg_temp` (no session can shadow an operator
 * or a function), and uses `E''` literals for anything with a backslash (their meaning does not depend on
 * `standard_conforming_strings`). Re-running the SQL replaces the functions and keeps the fingerprint key.
 * Cost: a value without a secret costs one regular-expression scan (Json: the scan of its text for names and values);
 * a Json value with one is walked once (`jsonb_each` and `jsonb_object_agg`, linear in its size), to 32 levels.
 */
import { FINGERPRINT_HEX_LENGTH, FINGERPRINT_KEY_BYTES, REDACTED } from '@auditlog/audit';
import {
  CARD_FIRST_DIGITS,
  CARD_MAX_DIGITS,
  CARD_MIN_DIGITS,
  DIGIT_RUN_SOURCE,
  DIGIT_SEPARATOR_SOURCE,
  MAX_DEPTH,
  MAX_VALUE_BYTES,
  nameStemSource,
  NON_WORD_SOURCE,
  prefilterAnchors,
  SECRET_JSON_PREFILTER_SOURCE,
  SECRET_VALUE_PATTERNS,
  sensitiveNameSource,
  TOO_DEEP,
  TRUNCATED_PREFIX_BYTES,
  WORD_BREAK_SOURCE,
} from '@auditlog/audit/secret-rule';
import type { PrefilterAnchor } from '@auditlog/audit/secret-rule';

export interface RedactionSqlOptions {
  /** The schema the functions and the key table go to, e.g. `auditlog` (created if missing). */
  schema: string;
  /** The audit config's own secret names (its global `sensitive`), redacted inside Json values like the defaults. */
  sensitive?: readonly string[];
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** `"schema"`, after checking that it is a plain lower-case identifier (it is spliced into every function). */
export function schemaIdent(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `The redaction schema must be a lower-case SQL identifier (letters, digits, _), not ${JSON.stringify(schema)}`,
    );
  }
  return `"${schema}"`;
}

/**
 * A SQL string literal. With a backslash it is an `E''` literal, whose meaning is the same whatever the session's
 * `standard_conforming_strings`.
 */
export function sqlString(value: string): string {
  return value.includes('\\')
    ? `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`
    : `'${value.replaceAll("'", "''")}'`;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The canonical form (words joined by `_`, see secret-rule.ts) of the text expression `name`. */
export function canonicalNameSql(name: string): string {
  const broken = `regexp_replace(${name}, ${sqlString(WORD_BREAK_SOURCE)}, ${sqlString('\\&_')}, 'g')`;
  const lowered = `translate(${broken}, '${UPPER}', '${UPPER.toLowerCase()}')`;
  return `btrim(regexp_replace(${lowered}, ${sqlString(NON_WORD_SOURCE)}, '_', 'g'), '_')`;
}

/**
 * True when the text expression `name` is a secret field name (isSensitiveField's rule): a cheap test for a secret
 * word first, the canonical form only for the names that pass it. Evaluates `name` twice: pass a column or variable.
 */
export function sensitiveNameSql(name: string, sensitive: readonly string[] = []): string {
  return `(${name} ~ ${sqlString(nameStemSource(sensitive))} AND ${canonicalNameSql(name)} ~ ${sqlString(sensitiveNameSource(sensitive))})`;
}

/** Up to this size a text is tested with strpos() per substring; a longer one with one regular expression. */
const SHORT_TEXT_BYTES = 256;

/**
 * Whether the text expression `value` may hold a secret value; false means `redact_text` would return it
 * unchanged. PostgreSQL's regular expressions cost a few µs to start and about 8 ns a character: a short text is
 * tested with strpos() for the plain substrings and with expressions only where no substring stands for them (or
 * the substring is there); a long one with one expression for everything but the `name=` words, which wait for a
 * `=` or a quote (a memchr). Evaluates `value` several times: pass a column or variable.
 */
export function secretValuePrefilterSql(
  value: string,
  anchors: readonly PrefilterAnchor[] = prefilterAnchors('"'),
): string {
  const contains = (text: string) => `strpos(${value}, ${sqlString(text)}) > 0`;
  const matches = (sources: readonly string[]) => `${value} ~ ${sqlString(sources.join('|'))}`;
  const gated = (anchor: PrefilterAnchor) =>
    `((${(anchor.gates ?? []).map(contains).join(' OR ')}) AND ${matches([anchor.source])})`;
  const singleCharacterGates = (anchor: PrefilterAnchor) => (anchor.gates ?? []).every((gate) => gate.length === 1);
  const short = [
    ...anchors.flatMap((anchor) => (anchor.literal ? [contains(anchor.literal)] : [])),
    matches(anchors.filter((anchor) => !anchor.literal && !anchor.gates).map((anchor) => anchor.source)),
    ...anchors.filter((anchor) => anchor.gates).map(gated),
  ];
  const long = [
    matches(anchors.filter((anchor) => !anchor.gates || !singleCharacterGates(anchor)).map((anchor) => anchor.source)),
    ...anchors.filter((anchor) => anchor.gates && singleCharacterGates(anchor)).map(gated),
  ];
  return `(CASE WHEN octet_length(${value}) <= ${SHORT_TEXT_BYTES} THEN ${short.join(' OR ')} ELSE ${long.join(' OR ')} END)`;
}

/**
 * A text column's value as an entry stores it: secrets inside replaced, capped at 8 KiB. The function is called
 * only when the value may need it, so a short text without a secret costs one regular-expression scan.
 * Evaluates `value` up to three times: pass a column reference.
 */
export function auditTextSql(schema: string, value: string): string {
  return `CASE WHEN ${secretValuePrefilterSql(value)} OR octet_length(${value}) > ${MAX_VALUE_BYTES} THEN ${schemaIdent(schema)}.audit_text(${value}) ELSE ${value} END`;
}

/** A Json (jsonb) value as an entry stores it: secrets under secret names and inside texts, depth and size capped. */
export function auditJsonSql(schema: string, value: string): string {
  return `${schemaIdent(schema)}.audit_json(${value})`;
}

/** The keyed fingerprint of a text value in `scope` (e.g. `'ticket:' || id || ':pin'`), 16 hex characters. */
export function fingerprintSql(schema: string, scope: string, value: string): string {
  return `${schemaIdent(schema)}.fingerprint(${scope}, ${value})`;
}

/** `$.**{33}`: an object or array below the 32 kept levels. jsonpath's levels count the value itself as level 0. */
const TOO_DEEP_PATH = `strict $.**{${MAX_DEPTH + 1}} ? (@.type() == "object" || @.type() == "array")`;

const PINNED = `SET search_path = pg_catalog, pg_temp`;

/** Up to this many replacements in one object are set one by one (each a linear copy); more are merged at once. */
const MERGE_ABOVE = 8;

function fn(signature: string, returns: string, attributes: string, body: string): string {
  return `CREATE OR REPLACE FUNCTION ${signature} RETURNS ${returns}
LANGUAGE plpgsql ${attributes}
${PINNED}
AS $redact$
${body.trim()}
$redact$;`;
}

/** PostgreSQL's regexp_replace names the first group `\1` where JavaScript says `$1`. */
function sqlReplacement(replacement: string): string {
  if (/\\|\$(?!1)|&/.test(replacement))
    throw new Error(`Unsupported replacement ${replacement}: only $1 is translated to SQL`);
  return replacement.replaceAll('$1', '\\1');
}

function luhnFunction(s: string): string {
  return `-- Luhn's checksum over a string of digits.
${fn(
  `${s}.passes_luhn(digits text)`,
  'boolean',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  total integer := 0;
  digit integer;
  pos integer;
BEGIN
  FOR pos IN 0 .. length(digits) - 1 LOOP
    digit := ascii(substr(digits, length(digits) - pos, 1)) - 48;
    IF pos % 2 = 1 THEN
      digit := digit * 2;
      IF digit > 9 THEN digit := digit - 9; END IF;
    END IF;
    total := total + digit;
  END LOOP;
  RETURN total % 10 = 0;
END;`,
)}`;
}

function cardsInRunFunction(s: string): string {
  return `-- The card numbers inside one run of digit groups become ${REDACTED} (redact.ts: redactCardsInRun, cardEndingAt):
-- ${CARD_MIN_DIGITS}-${CARD_MAX_DIGITS} digits starting with one of ${CARD_FIRST_DIGITS}, as one group, groups of four with a shorter last one, or
-- 4-6-4 / 4-6-5; passing Luhn; the longest from the leftmost group first.
${fn(
  `${s}.redact_cards_in_run(run text)`,
  'text',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  groups text[] := regexp_split_to_array(run, ${sqlString(DIGIT_SEPARATOR_SOURCE)});
  separators text[];
  group_count integer := cardinality(groups);
  result text := '';
  head integer := 1;
  tail integer;
  card_tail integer;
  digit_count integer;
  fours_before boolean;
  group_size integer;
BEGIN
  IF octet_length(translate(run, ' -', '')) < ${CARD_MIN_DIGITS} THEN RETURN run; END IF;
  separators := ARRAY(SELECT x.m[1] FROM regexp_matches(run, ${sqlString(`(${DIGIT_SEPARATOR_SOURCE})`)}, 'g') WITH ORDINALITY AS x(m, n) ORDER BY x.n);
  WHILE head <= group_count LOOP
    card_tail := 0;
    IF strpos('${CARD_FIRST_DIGITS}', left(groups[head], 1)) > 0 THEN
      digit_count := 0;
      fours_before := true;
      FOR tail IN head .. group_count LOOP
        group_size := length(groups[tail]);
        digit_count := digit_count + group_size;
        EXIT WHEN digit_count > ${CARD_MAX_DIGITS};
        IF digit_count >= ${CARD_MIN_DIGITS}
           AND (tail = head
                OR (fours_before AND group_size <= 4)
                OR (tail = head + 2 AND length(groups[head]) = 4 AND length(groups[head + 1]) = 6 AND group_size IN (4, 5)))
           AND ${s}.passes_luhn(array_to_string(groups[head:tail], '')) THEN
          card_tail := tail;
        END IF;
        fours_before := fours_before AND group_size = 4;
      END LOOP;
    END IF;
    IF card_tail > 0 THEN
      result := result || ${sqlString(REDACTED)} || coalesce(separators[card_tail], '');
      head := card_tail + 1;
    ELSE
      result := result || groups[head] || coalesce(separators[head], '');
      head := head + 1;
    END IF;
  END LOOP;
  RETURN result;
END;`,
)}`;
}

function cardNumbersFunction(s: string): string {
  const mayHoldCard = `[0-9](?:[ -]?[0-9]){${CARD_MIN_DIGITS - 1}}`;
  return `-- Card numbers anywhere in a text (runs of digit groups, at most 64 groups each), in one pass over the text.
${fn(
  `${s}.redact_card_numbers(value text)`,
  'text',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  result text;
BEGIN
  IF value !~ ${sqlString(mayHoldCard)} THEN RETURN value; END IF;
  SELECT string_agg(p.piece || coalesce(${s}.redact_cards_in_run(r.run), ''), '' ORDER BY p.n) INTO result
    FROM unnest(regexp_split_to_array(value, ${sqlString(DIGIT_RUN_SOURCE)})) WITH ORDINALITY AS p(piece, n)
    LEFT JOIN (SELECT m[1] AS run, n FROM regexp_matches(value, ${sqlString(`(${DIGIT_RUN_SOURCE})`)}, 'g') WITH ORDINALITY AS x(m, n)) r
      ON r.n = p.n;
  RETURN result;
END;`,
)}`;
}

function redactTextFunction(s: string): string {
  const replacements = SECRET_VALUE_PATTERNS.map(
    ({ name, source, replacement }) =>
      `  -- ${name}\n  result := regexp_replace(result, ${sqlString(source)}, ${sqlString(sqlReplacement(replacement))}, 'g');`,
  ).join('\n');
  return `-- The secrets inside a text become ${REDACTED}, the rest stays (redact.ts: redactText). One scan when there is none.
${fn(
  `${s}.redact_text(value text)`,
  'text',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  result text := value;
BEGIN
  IF NOT (${secretValuePrefilterSql('value')}) THEN RETURN value; END IF;
${replacements}
  RETURN ${s}.redact_card_numbers(result);
END;`,
)}`;
}

/** A text over the size cap as its truncation marker, and a text column's value as an entry stores it. */
function cappingFunctions(s: string): string[] {
  return [
    `-- A text over ${MAX_VALUE_BYTES} bytes as its marker: [TRUNCATED <bytes> bytes sha256:<hex>] <prefix of at most ${TRUNCATED_PREFIX_BYTES} bytes>.
${fn(
  `${s}.truncated(value text)`,
  'text',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  bytes bytea := convert_to(value, 'UTF8');
  prefix text := left(value, ${TRUNCATED_PREFIX_BYTES});
BEGIN
  -- Drop as many whole characters as the excess needs at least (a character is at most 4 bytes), until it fits.
  WHILE octet_length(prefix) > ${TRUNCATED_PREFIX_BYTES} LOOP
    prefix := left(prefix, -((octet_length(prefix) - ${TRUNCATED_PREFIX_BYTES} + 3) / 4));
  END LOOP;
  RETURN '[TRUNCATED ' || octet_length(bytes) || ' bytes sha256:' || encode(sha256(bytes), 'hex') || '] ' || prefix;
END;`,
)}`,
    `-- A text as it is when it fits in ${MAX_VALUE_BYTES} bytes, else its truncation marker (redact.ts: capText).
${fn(
  `${s}.cap_text(value text)`,
  'text',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
BEGIN
  IF octet_length(value) <= ${MAX_VALUE_BYTES} THEN RETURN value; END IF;
  RETURN ${s}.truncated(value);
END;`,
)}`,
    `-- A text column's value as an entry stores it: redacted, then capped.
${fn(
  `${s}.audit_text(value text)`,
  'text',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
BEGIN
  RETURN ${s}.cap_text(${s}.redact_text(value));
END;`,
)}`,
  ];
}

function textFunctions(s: string): string[] {
  return [
    luhnFunction(s),
    cardsInRunFunction(s),
    cardNumbersFunction(s),
    redactTextFunction(s),
    ...cappingFunctions(s),
  ];
}

/** The SQL pieces the Json functions share, for the functions' schema `s` and the config's own secret names. */
function jsonHelpers(s: string, sensitive: readonly string[]) {
  const redactedJson = sqlString(JSON.stringify(REDACTED));
  const tooDeepJson = sqlString(JSON.stringify(TOO_DEEP));
  const stems = nameStemSource(sensitive);
  // Whole lines (newline-sensitive mode), without a capture group: capturing makes PostgreSQL's matcher several times slower.
  const lineWithStem = sqlString(`^[^\\n]*${stems}[^\\n]*$`);
  const walk = (item: string) => `${s}.redact_json_walk(${item}, depth + 1, names, strings, nested)`;
  const redactedString = (item: string) => `to_jsonb(${s}.redact_text(${item} #>> '{}'))`;
  /** The JSON texts of the string members of `items` that may hold a secret, found in one scan of all of them. */
  const suspiciousStrings = (items: string) => `SELECT array_agg(m[1]) INTO suspicious
          FROM regexp_matches((SELECT string_agg(e.item::text, E'\\n') FROM ${items} WHERE jsonb_typeof(e.item) = 'string'),
                              ${sqlString(`^[^\\n]*(?:${SECRET_JSON_PREFILTER_SOURCE})[^\\n]*$`)}, 'gn') AS m;`;
  // The fast path of redact_json and audit_json: the value's text (`t`) decides whether it must be walked at all.
  // Braces are counted with replace(), several times faster than translate() on a large text.
  const mustWalk = `strings := ${secretValuePrefilterSql('t', prefilterAnchors('\\"'))};
  -- A value that may hold a secret string is walked anyway: its keys are then tested cheaply, object by object.
  names := strings OR t ~ ${sqlString(stems)};
  braces := octet_length(t) - octet_length(replace(replace(t, '{', ''), '[', ''));
  deep := braces > ${MAX_DEPTH} AND jsonb_path_exists(value, ${sqlString(TOO_DEEP_PATH)});`;
  const walkDeclarations = `t text := value::text;
  names boolean;
  strings boolean;
  braces integer;
  deep boolean;`;
  const walkCall = `${s}.redact_json_walk(value, 0, names, strings, braces > 1)`;
  return {
    redactedJson,
    tooDeepJson,
    stems,
    lineWithStem,
    walk,
    redactedString,
    suspiciousStrings,
    mustWalk,
    walkDeclarations,
    walkCall,
  };
}

type JsonHelpers = ReturnType<typeof jsonHelpers>;

/** The object branch of redact_json_walk. */
function walkObject(s: string, sensitive: readonly string[], h: JsonHelpers): string {
  const { tooDeepJson, redactedJson, lineWithStem, suspiciousStrings, redactedString, walk } = h;
  return `      IF depth > ${MAX_DEPTH} THEN RETURN ${tooDeepJson}::jsonb; END IF;
      IF names THEN
        SELECT string_agg(k, E'\\n'), count(*) INTO key_lines, key_count FROM jsonb_object_keys(value) AS k;
        IF octet_length(key_lines) - octet_length(replace(key_lines, E'\\n', '')) <> key_count - 1 THEN
          -- A key holds a newline: one JSON string per line instead.
          SELECT string_agg(to_jsonb(k)::text, E'\\n') INTO key_lines FROM jsonb_object_keys(value) AS k;
          escaped := true;
        END IF;
        SELECT jsonb_object_agg(c.key, ${redactedJson}::jsonb) INTO redactions
          FROM (SELECT CASE WHEN escaped THEN m[1]::jsonb #>> '{}' ELSE m[1] END AS key
                  FROM regexp_matches(key_lines, ${lineWithStem}, 'gn') AS m) AS c
          WHERE jsonb_typeof(value -> c.key) <> 'null' AND ${sensitiveNameSql('c.key', sensitive)};
      END IF;
      IF strings THEN
        ${suspiciousStrings('jsonb_each(value) AS e(key, item)')}
      END IF;
      IF nested OR suspicious IS NOT NULL THEN
        SELECT jsonb_object_agg(e.key, CASE WHEN jsonb_typeof(e.item) = 'string' THEN ${redactedString('e.item')} ELSE ${walk('e.item')} END)
          INTO children
          FROM jsonb_each(value) AS e(key, item)
          WHERE CASE jsonb_typeof(e.item)
                  WHEN 'object' THEN nested
                  WHEN 'array' THEN nested
                  WHEN 'string' THEN e.item::text = ANY (suspicious)
                  ELSE false
                END;
      END IF;
      IF children IS NULL AND redactions IS NULL THEN RETURN value; END IF;
      children := coalesce(children, '{}'::jsonb) || coalesce(redactions, '{}'::jsonb);
      -- A few replacements in place (jsonb_set keeps the keys sorted: no re-sort of a large object), many in one merge.
      IF (SELECT count(*) FROM jsonb_object_keys(children)) > ${MERGE_ABOVE} THEN RETURN value || children; END IF;
      result := value;
      FOR member IN SELECT * FROM jsonb_each(children) LOOP
        result := jsonb_set(result, ARRAY[member.key], member.value);
      END LOOP;
      RETURN result;`;
}

function walkFunction(s: string, sensitive: readonly string[], h: JsonHelpers): string {
  const { tooDeepJson, suspiciousStrings, redactedString, walk } = h;
  return `-- One level of a Json value (redact.ts: walk): values under secret names become ${REDACTED}, secrets inside strings
-- too, containers below ${MAX_DEPTH} levels ${TOO_DEEP}. The flags say what the whole value's text may hold: secret names,
-- secret strings, nested containers. Nothing is tested member by member: the keys of an object are scanned as one
-- text (one per line) for a secret word, and only those few are tested; the string members likewise for a secret
-- value; replacements are merged with one ||, and only nested containers are visited. Linear in the value's size.
${fn(
  `${s}.redact_json_walk(value jsonb, depth integer, names boolean, strings boolean, nested boolean)`,
  'jsonb',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  key_lines text;
  key_count integer;
  escaped boolean := false;
  suspicious text[];
  redactions jsonb;
  children jsonb;
  result jsonb;
  member record;
BEGIN
  CASE jsonb_typeof(value)
    WHEN 'object' THEN
${walkObject(s, sensitive, h)}
    WHEN 'array' THEN
      IF depth > ${MAX_DEPTH} THEN RETURN ${tooDeepJson}::jsonb; END IF;
      IF strings THEN
        ${suspiciousStrings('jsonb_array_elements(value) AS e(item)')}
      END IF;
      IF NOT nested AND suspicious IS NULL THEN RETURN value; END IF;
      SELECT jsonb_agg(CASE jsonb_typeof(e.item)
                         WHEN 'object' THEN ${walk('e.item')}
                         WHEN 'array' THEN ${walk('e.item')}
                         WHEN 'string' THEN CASE WHEN e.item::text = ANY (suspicious) THEN ${redactedString('e.item')} ELSE e.item END
                         ELSE e.item
                       END ORDER BY e.n)
        INTO result
        FROM jsonb_array_elements(value) WITH ORDINALITY AS e(item, n);
      RETURN coalesce(result, '[]'::jsonb);
    WHEN 'string' THEN
      IF strings THEN RETURN ${redactedString('value')}; END IF;
      RETURN value;
    ELSE
      RETURN value;
  END CASE;
END;`,
)}`;
}

/** redact_json, cap_json and audit_json: a whole Json value, walked only when its text says it must be. */
function jsonValueFunctions(s: string, h: JsonHelpers): string[] {
  const { mustWalk, walkDeclarations, walkCall } = h;
  return [
    `-- A Json value with its secrets redacted and its depth capped (redact.ts: redactSensitive), not its size.
${fn(
  `${s}.redact_json(value jsonb)`,
  'jsonb',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  ${walkDeclarations}
BEGIN
  ${mustWalk}
  IF NOT (names OR strings OR deep) THEN RETURN value; END IF;
  RETURN ${walkCall};
END;`,
)}`,
    `-- A Json value as it is when its text fits in ${MAX_VALUE_BYTES} bytes, else its text's truncation marker (a string);
-- a string is capped as a text (redact.ts: capJson).
${fn(
  `${s}.cap_json(value jsonb)`,
  'jsonb',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  t text;
BEGIN
  IF jsonb_typeof(value) = 'string' THEN RETURN to_jsonb(${s}.cap_text(value #>> '{}')); END IF;
  t := value::text;
  IF octet_length(t) <= ${MAX_VALUE_BYTES} THEN RETURN value; END IF;
  RETURN to_jsonb(${s}.truncated(t));
END;`,
)}`,
    `-- A Json column's value as an entry stores it: redacted, then capped (redact.ts: redactValue). Its text is made once
-- when nothing needs redacting.
${fn(
  `${s}.audit_json(value jsonb)`,
  'jsonb',
  'IMMUTABLE STRICT PARALLEL SAFE',
  `
DECLARE
  ${walkDeclarations}
  result jsonb := value;
BEGIN
  ${mustWalk}
  IF names OR strings OR deep THEN
    result := ${walkCall};
    IF jsonb_typeof(result) = 'string' THEN RETURN ${s}.cap_json(result); END IF;
    t := result::text;
  ELSIF jsonb_typeof(value) = 'string' THEN
    RETURN ${s}.cap_json(value);
  END IF;
  IF octet_length(t) <= ${MAX_VALUE_BYTES} THEN RETURN result; END IF;
  RETURN to_jsonb(${s}.truncated(t));
END;`,
)}`,
  ];
}

function jsonFunctions(s: string, sensitive: readonly string[]): string[] {
  const h = jsonHelpers(s, sensitive);
  return [walkFunction(s, sensitive, h), ...jsonValueFunctions(s, h)];
}

function fingerprintObjects(s: string): string[] {
  return [
    `-- One HMAC block of the key: the key zero-padded to 64 bytes, XOR the pad byte (0x36 inner, 0x5c outer; RFC 2104).
CREATE OR REPLACE FUNCTION ${s}.hmac_key_block(key bytea, pad integer) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
${PINNED}
AS $redact$
  SELECT decode(string_agg(lpad(to_hex(get_byte(key || decode(repeat('00', 64 - octet_length(key)), 'hex'), i) # pad), 2, '0'), '' ORDER BY i), 'hex')
    FROM generate_series(0, 63) AS i
$redact$;`,
    `-- The per-deployment fingerprint key: one row, made once from pg_strong_random (gen_random_uuid), never replaced by a
-- re-install, readable by the owner only.
CREATE TABLE IF NOT EXISTS ${s}.fingerprint_key (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  key bytea NOT NULL CHECK (octet_length(key) = ${FINGERPRINT_KEY_BYTES}),
  inner_block bytea GENERATED ALWAYS AS (${s}.hmac_key_block(key, 54)) STORED,
  outer_block bytea GENERATED ALWAYS AS (${s}.hmac_key_block(key, 92)) STORED,
  created_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON TABLE ${s}.fingerprint_key FROM PUBLIC;
INSERT INTO ${s}.fingerprint_key (key)
  VALUES (sha256(uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid()) || uuid_send(gen_random_uuid())))
  ON CONFLICT (singleton) DO NOTHING;`,
    `-- HMAC-SHA256(key, scope || 0x00 || value) as ${FINGERPRINT_HEX_LENGTH} hex characters (fingerprint.ts). NULL if the key row is missing:
-- a fingerprint is never worth a failed write. Not executable by PUBLIC: with it, a role could test guesses of short
-- secrets (PINs) against stored fingerprints.
${fn(
  `${s}.fingerprint(scope text, value text)`,
  'text',
  'STABLE STRICT PARALLEL SAFE',
  `
DECLARE
  result text;
BEGIN
  SELECT left(encode(sha256(k.outer_block || sha256(k.inner_block || convert_to(scope, 'UTF8') || decode('00', 'hex') || convert_to(value, 'UTF8'))), 'hex'), ${FINGERPRINT_HEX_LENGTH})
    INTO result FROM ${s}.fingerprint_key AS k;
  RETURN result;
END;`,
)}
REVOKE EXECUTE ON FUNCTION ${s}.fingerprint(text, text) FROM PUBLIC;`,
  ];
}

/**
 * The SQL that installs the redaction functions and the fingerprint key in `schema`. Idempotent: run it again (with
 * a changed config) and the functions are replaced, the key kept. Run it as the role that owns the audit objects.
 */
export function redactionSql({ schema, sensitive = [] }: RedactionSqlOptions): string {
  const s = schemaIdent(schema);
  return [
    `-- Redaction and fingerprints, generated by @auditlog/audit from secret-rule.ts. Do not edit.`,
    `CREATE SCHEMA IF NOT EXISTS ${s};`,
    ...textFunctions(s),
    ...jsonFunctions(s, sensitive),
    ...fingerprintObjects(s),
  ].join('\n\n');
}
