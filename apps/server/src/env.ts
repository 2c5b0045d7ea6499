import { parseTrustProxy } from '@auditlog/api';
import { z } from 'zod';

/** An on/off setting; `undefined` when unset, so that each setting chooses its own default. */
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .optional()
  .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true' || value === 'yes'));

/** `https://app.example.com/` → `https://app.example.com`: origins compare as scheme, host and port. */
function toOrigin(value: string, context: z.RefinementCtx): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {
    // reported below
  }
  context.addIssue({ code: 'custom', message: `"${value}" is not an origin: write it as https://host[:port]` });
  return z.NEVER;
}

/** The server's settings; the database's own (`DATABASE_URL`, `DATA_DIR`) are read by `@auditlog/db`. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Behind reverse proxies: how many (`1`), or their addresses (`10.0.0.0/8,192.168.1.5`). Unset: none. */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value, context) => {
      try {
        return parseTrustProxy(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
        return z.NEVER;
      }
    }),
  /** Origins allowed to send mutations with cookies, besides the server's own (comma-separated). */
  APP_ORIGINS: z
    .string()
    .optional()
    .transform((value, context) =>
      (value ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean)
        .map((origin) => toOrigin(origin, context)),
    ),
  /** Seed the demo organization on first run (default: only in development; refused in production). */
  SEED_DEMO: flag,
  /**
   * Apply pending migrations at start (default: on, except in production, where a migrator role deploys them and
   * the server runs as a role that may not change the schema).
   */
  MIGRATE_ON_START: flag,
  /** How long a session lasts without activity, in hours. */
  SESSION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(24),
  /** How long a session lasts at most after sign-in, however active, in hours. */
  SESSION_MAX_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 90)
    .default(24 * 7),
  /** The key that signs list cursors (at least 32 characters); unset: made at first start and kept in the database. */
  CURSOR_SECRET: z
    .string()
    .min(32, 'CURSOR_SECRET must have at least 32 characters (e.g. openssl rand -base64 32)')
    .optional(),
  /** `audit.record` calls allowed per actor (user or API key) and minute. */
  RECORD_RATE_LIMIT: z.coerce.number().int().positive().max(1_000_000).default(120),
  /** Seconds between background sealing runs (when a seal key is configured); 0 turns the background sealer off. */
  AUDIT_SEAL_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 3600)
    .default(300),
});

export type ServerEnv = z.infer<typeof schema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): ServerEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new StartupRefusal(`Invalid server configuration: ${problems}`);
  }
  const env = parsed.data;
  if (env.SESSION_MAX_HOURS < env.SESSION_HOURS) {
    throw new StartupRefusal('Invalid server configuration: SESSION_MAX_HOURS must not be shorter than SESSION_HOURS.');
  }
  return env;
}

/** Whether to seed the demo: when SEED_DEMO says so, else only in development (never by default in test or production). */
export function wantsDemoSeed(env: Pick<ServerEnv, 'SEED_DEMO' | 'NODE_ENV'>): boolean {
  return env.SEED_DEMO ?? env.NODE_ENV === 'development';
}

/** A reason not to start that the operator can fix (configuration, unsafe state): printed without a stack trace. */
export class StartupRefusal extends Error {
  override name = 'StartupRefusal';
}
