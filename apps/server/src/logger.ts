/**
 * One line per event: readable in a terminal, greppable in production. Fields pass through the audit engine's own
 * secret rule (`scrubSecrets`: secret names at any depth, secrets inside texts, the app's configured secret fields,
 * size caps) before anything is written, so the log and the audit table never disagree about what a secret is.
 */
import { scrubSecrets, sensitiveFieldNames } from '@auditlog/audit';
import { auditConfig } from '@auditlog/db';

type Fields = Record<string, unknown>;

const configuredSecrets = sensitiveFieldNames(auditConfig);

/** `fields` as they may be written: secrets replaced, errors reduced to name, message and stack. */
export function scrubLogFields(fields: Fields): Fields {
  const scrubbed = scrubSecrets(fields, configuredSecrets);
  return scrubbed && typeof scrubbed === 'object' && !Array.isArray(scrubbed) ? (scrubbed as Fields) : {};
}

function write(level: 'info' | 'warn' | 'error', message: string, fields?: Fields): void {
  if (process.env.NODE_ENV === 'test' && level === 'info') return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...scrubLogFields(fields ?? {}) });
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
}

export const logger = {
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};
