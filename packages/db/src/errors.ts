/** Errors about the database connection, worded for the person who configured it. */
export class DatabaseConfigError extends Error {
  override name = 'DatabaseConfigError';
}

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
}

/**
 * Validates a PostgreSQL URL before anything tries to connect with it.
 * @throws DatabaseConfigError naming the variable and showing the expected shape.
 */
export function assertPostgresUrl(url: string, variable = 'DATABASE_URL'): URL {
  const shape = 'postgres://user:password@host:5432/database';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DatabaseConfigError(`${variable} is not a valid URL ("${redactUrl(url)}"). Expected ${shape}.`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new DatabaseConfigError(
      `${variable} must start with postgres:// or postgresql:// (got "${parsed.protocol}//…"). Expected ${shape}. ` +
        `Leave it unset to use the embedded database.`,
    );
  }
  if (!parsed.hostname) {
    throw new DatabaseConfigError(`${variable} has no host ("${redactUrl(url)}"). Expected ${shape}.`);
  }
  return parsed;
}

interface PgErrorLike {
  code?: string;
  message?: string;
}

/** Explains a failed connection: which server, what went wrong, and what to check. */
export function connectionError(url: string, error: unknown): DatabaseConfigError {
  const parsed = new URL(url);
  const where = `${parsed.hostname}:${parsed.port || '5432'}`;
  const database = decodeURIComponent(parsed.pathname.slice(1)) || 'postgres';
  const user = decodeURIComponent(parsed.username) || '(default user)';
  const { code, message = String(error) } = (error ?? {}) as PgErrorLike;
  const reason = (() => {
    switch (code) {
      case 'ECONNREFUSED':
        return `the connection was refused. Check that PostgreSQL is running and listening on ${where}.`;
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return `the host "${parsed.hostname}" could not be resolved. Check the host name in the URL.`;
      case 'ETIMEDOUT':
        return `the connection timed out. Check the host, the port and any firewall in between.`;
      case '28P01':
      case '28000':
        return `the server refused user "${user}" (${message}). Check the user name and password.`;
      case '3D000':
        return `database "${database}" does not exist. Create it (createdb ${database}) or fix the URL.`;
      default:
        return `${message}. Check that the server is running and that the URL is right.`;
    }
  })();
  return new DatabaseConfigError(`Cannot connect to PostgreSQL at ${where}: ${reason}`, { cause: error });
}
