/**
 * One live row of any audited table, made from what the database says about it (required columns, their types, the
 * foreign keys they need), so that a test covering "every audited model" needs no fixture per model: a model added
 * later is covered without touching the test.
 */
import { quoteIdent } from '@auditlog/audit';
import type { RawQueryClient, RegistryModel } from '@auditlog/audit';

interface ColumnInfo {
  name: string;
  type: string;
  isEnum: boolean;
  notNull: boolean;
  hasDefault: boolean;
  /** The table a single-column foreign key points at. */
  references: string | null;
}

interface ExecClient extends RawQueryClient {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
}

async function columnsOf(client: RawQueryClient, schema: string, table: string): Promise<ColumnInfo[]> {
  return client.$queryRawUnsafe<ColumnInfo[]>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typtype = 'e' AS "isEnum",
       a.attnotnull AS "notNull", a.atthasdef AS "hasDefault",
       (SELECT f.relname::text FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class f ON f.oid = c.confrelid
         WHERE c.conrelid = a.attrelid AND c.contype = 'f' AND c.conkey = ARRAY[a.attnum]) AS "references"
     FROM pg_catalog.pg_attribute a
     JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = format('%I.%I', $1::text, $2::text)::regclass AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum`,
    schema,
    table,
  );
}

let serial = 0;

/** A value of `type` that no other sample row has (unique columns stay unique). */
function sampleValue(column: ColumnInfo): unknown {
  serial += 1;
  const type = column.type;
  if (/^(smallint|integer|bigint)$/.test(type)) return 1000 + serial;
  if (type.startsWith('numeric') || type === 'double precision' || type === 'real') return String(serial);
  if (type === 'boolean') return true;
  if (type.startsWith('timestamp') || type === 'date') return new Date('2026-11-30T12:00:00Z');
  if (type === 'jsonb' || type === 'json') return '{}';
  if (type.endsWith('[]')) return [];
  const text = `${column.name}-${String(serial)}`;
  const length = /^character\((\d+)\)$/.exec(type)?.[1];
  return length ? text.slice(-Number(length)) : text;
}

/**
 * Inserts a row of `model` in `organizationId` (for the organization model, the organization itself, with that id),
 * filling every required column and each label column; required foreign keys get rows of their own first.
 * Returns the id and the values written, by column.
 */
export async function insertSampleRow(
  client: ExecClient,
  schema: string,
  models: readonly RegistryModel[],
  model: RegistryModel,
  organizationId: string,
): Promise<{ id: string; values: Record<string, unknown> }> {
  const labelColumns = new Set(Object.values(model.label.columns));
  const names: string[] = [];
  const expressions: string[] = [];
  const params: unknown[] = [];
  const values: Record<string, unknown> = {};
  const id = `sample-${model.table}-${String((serial += 1))}`;
  for (const column of await columnsOf(client, schema, model.table)) {
    let value: unknown;
    if (column.name === model.idColumn) value = model.organizationColumn === model.idColumn ? organizationId : id;
    else if (column.name === model.organizationColumn) value = organizationId;
    else if (column.references && column.notNull) {
      const target = models.find((candidate) => candidate.table === column.references);
      if (!target) throw new Error(`${model.table}.${column.name} needs a ${column.references}, which is not audited`);
      value = (await insertSampleRow(client, schema, models, target, organizationId)).id;
    } else if (column.notNull && !column.hasDefault) value = column.isEnum ? null : sampleValue(column);
    else if (labelColumns.has(column.name)) value = column.isEnum ? null : sampleValue(column);
    else continue;
    names.push(quoteIdent(column.name));
    if (column.isEnum) {
      // The enum's first value: any value serves, and the type names it.
      expressions.push(`(enum_range(NULL::${column.type}))[1]`);
      continue;
    }
    params.push(value);
    values[column.name] = value;
    expressions.push(`$${String(params.length)}::${column.type}`);
  }
  await client.$executeRawUnsafe(
    `INSERT INTO ${quoteIdent(schema)}.${quoteIdent(model.table)} (${names.join(', ')}) VALUES (${expressions.join(', ')})`,
    ...params,
  );
  return { id: model.organizationColumn === model.idColumn ? organizationId : id, values };
}
