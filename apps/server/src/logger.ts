/**
 * One line per event: readable in a terminal, greppable in production. Values under secret-looking keys are replaced
 * before anything is written, so a logged error or request never carries a password, cookie or token.
 */
const SECRET_KEY = /pass(word)?|secret|token|cookie|authorization|api[-_]?key|credential/i;

type Fields = Record<string, unknown>;

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? '[REDACTED]' : scrub(item, depth + 1)]),
  );
}

function write(level: 'info' | 'warn' | 'error', message: string, fields?: Fields): void {
  if (process.env.NODE_ENV === 'test' && level === 'info') return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...(scrub(fields ?? {}) as Fields) });
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
}

export const logger = {
  info: (message: string, fields?: Fields) => write('info', message, fields),
  warn: (message: string, fields?: Fields) => write('warn', message, fields),
  error: (message: string, fields?: Fields) => write('error', message, fields),
};
