import { readFile } from 'node:fs/promises';
import type * as DMMF from '@prisma/dmmf';
import { get_dmmf } from '@prisma/prisma-schema-wasm';

/** Parses schema.prisma into Prisma's DMMF (field types, native types, column names), offline, with Prisma's wasm. */
export function dmmfFromSchema(schema: string, path = 'schema.prisma'): DMMF.Document {
  return JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [[path, schema]] }))) as DMMF.Document;
}

export async function dmmfFromSchemaFile(path: string): Promise<DMMF.Document> {
  return dmmfFromSchema(await readFile(path, 'utf8'), path);
}
