/**
 * The app's one touch point: `prisma.$extends(auditExtension())`. Capture itself happens in the database triggers;
 * the extension refuses writes to the audit model through Prisma, and adds `$record()` for custom entries.
 */
import { Prisma } from '@prisma/client/extension';
import type { ModelQueryOptionsCbArgs } from '@prisma/client/runtime/client';
import { record, recordMany } from './record.ts';
import type { RawQueryClient, RecordEntryInput, RecordedEntry, RecordManyInput } from './record.ts';

const WRITE_OPERATIONS = new Set([
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'updateManyAndReturn',
  'upsert',
  'delete',
  'deleteMany',
]);

export class AuditLogImmutableError extends Error {
  override name = 'AuditLogImmutableError';
}

export interface AuditExtensionOptions {
  /** The audit model's name in schema.prisma (default `AuditLog`). */
  auditModel?: string;
  /** Field names that hold secrets besides the defaults, redacted in `$record()`'s changes and metadata. */
  sensitive?: readonly string[];
  /** The engine's schema in the database (default `auditlog`). */
  internalSchema?: string;
}

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

export function auditExtension(options: AuditExtensionOptions = {}) {
  const auditModel = options.auditModel ?? 'AuditLog';
  return Prisma.defineExtension({
    name: '@auditlog/audit',
    query: {
      // Only the audit model's operations pass through here: other models pay nothing for the extension.
      [lowerFirst(auditModel)]: {
        $allOperations({ operation, args, query }: ModelQueryOptionsCbArgs) {
          if (WRITE_OPERATIONS.has(operation)) {
            throw new AuditLogImmutableError(
              `${auditModel} is append-only: ${operation} is not allowed. Changes to audited models are recorded ` +
                `automatically; use prisma.$record() for other actions.`,
            );
          }
          return query(args);
        },
      },
    },
    client: {
      /** Writes a custom entry (login, export, …) in this client's transaction, if it is one. */
      $record(input: RecordEntryInput): Promise<RecordedEntry> {
        return record(Prisma.getExtensionContext(this) as unknown as RawQueryClient, input, {
          sensitive: options.sensitive,
          internalSchema: options.internalSchema,
        });
      },
      /** Writes many custom entries of one organization in one statement, all or nothing, in the order given. */
      $recordMany(input: RecordManyInput): Promise<RecordedEntry[]> {
        return recordMany(Prisma.getExtensionContext(this) as unknown as RawQueryClient, input, {
          sensitive: options.sensitive,
          internalSchema: options.internalSchema,
        });
      },
    },
  });
}
