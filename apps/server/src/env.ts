import { z } from 'zod';

/** An on/off setting; `undefined` when unset, so that each setting chooses its own default. */
const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .optional()
  .transform((value) => (value === undefined ? undefined : value === '1' || value === 'true' || value === 'yes'));

/** The server's settings; the database's own (`DATABASE_URL`, `DATA_DIR`) are read by `@auditlog/db`. */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Behind a reverse proxy that sets X-Forwarded-For: take the client's IP from it. */
  TRUST_PROXY: flag.transform((value) => value ?? false),
  /** Origins allowed to send mutations with cookies, besides the server's own (comma-separated). */
  APP_ORIGINS: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(',').map((origin) => origin.trim().replace(/\/$/, '')).filter(Boolean) : [])),
  /** Seed the demo organization on first run (default: yes, except in production, where it is refused). */
  SEED_DEMO: flag,
  /**
   * Apply pending migrations at start (default: on, except in production, where a migrator role deploys them and
   * the server runs as a role that may not change the schema).
   */
  MIGRATE_ON_START: flag,
  /** How long a session lasts without activity, in hours. */
  SESSION_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
});

export type ServerEnv = z.infer<typeof schema>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): ServerEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid server configuration: ${problems}`);
  }
  return parsed.data;
}
