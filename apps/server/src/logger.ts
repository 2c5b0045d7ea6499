/**
 * One line per event: readable in a terminal, greppable in production. Values under secret keys are replaced before
 * anything is written, by the audit engine's own rule (`isSensitiveField`, with the fields the app's audit config
 * adds), so the log and the audit table never disagree about what a secret is.
 */
import { isSensitiveField, REDACTED, sensitiveFieldNames } from '@auditlog/audit';
import { auditConfig } from '@auditlog/db';

const configuredSecrets = sensitiveFieldNames(auditConfig);

type Fields = Record<string, unknown>;

/** `fields` as they may be written: secrets replaced at any depth (up to 8 levels), errors reduced to what helps. */
export function scrubLogFields(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((item) => scrubLogFields(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSensitiveField(key, configuredSecrets) && item !== null && item !== undefined ? REDACTED : scrubLogFields(item, depth + 1)]),
  );
}

function write(level: 'info' | 'warn' | 'error', message: string, fields?: Fields): void {
  if (process.env.NODE_ENV === 'test' && level === 'info') return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...(scrubLogFields(fields ?? {}) as Fields) });
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
}

export const logger = {
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};
