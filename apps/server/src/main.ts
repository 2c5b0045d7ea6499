import { CaptureDriftError } from '@auditlog/audit';
import { DatabaseConfigError } from '@auditlog/db';
import { configuredPrivateKey } from '@auditlog/seal';
import { readEnv, StartupRefusal, wantsDemoSeed } from './env.ts';
import { logger } from './logger.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, seedDemo } from './seed/demo.ts';
import { startServer, stopOnSignals } from './server.ts';

try {
  const env = readEnv();
  const production = env.NODE_ENV === 'production';
  const seed = wantsDemoSeed(env);
  const sealKey = env.AUDIT_SEAL_INTERVAL_SECONDS > 0 ? await configuredPrivateKey() : null;
  const running = await startServer({
    port: env.PORT,
    host: env.HOST,
    production,
    trustProxy: env.TRUST_PROXY,
    allowedOrigins: env.APP_ORIGINS,
    sessionHours: env.SESSION_HOURS,
    maxSessionHours: env.SESSION_MAX_HOURS,
    cursorSecret: env.CURSOR_SECRET,
    recordPolicy: { limit: env.RECORD_RATE_LIMIT },
    migrate: env.MIGRATE_ON_START ?? !production,
    seal: sealKey ? { privateKey: sealKey, intervalMs: env.AUDIT_SEAL_INTERVAL_SECONDS * 1000 } : undefined,
    async prepare(db) {
      if (!seed) return;
      const started = Date.now();
      const result = await seedDemo(db.prisma, { production });
      if (result.created) logger.info('demo seeded', { entries: result.entries, ms: Date.now() - started });
    },
  });
  stopOnSignals(running);
  logger.info('listening', { url: running.url, database: running.db.description });
  if (!sealKey) logger.info('background sealing off: set AUDIT_SEAL_KEY_FILE (pnpm audit:keygen) to seal the log');
  const accounts = seed ? DEMO_ACCOUNTS.map((a) => `    ${a.email.padEnd(20)} ${a.role.toLowerCase()}`).join('\n') : '';
  console.log(
    `\n  Audit logs running at ${running.url}  (database: ${running.db.description})\n` +
      (seed
        ? `\n  Demo accounts, password "${DEMO_PASSWORD}":\n${accounts}\n  Audit Logs: ${running.url}/admin/audit-logs\n`
        : ''),
  );
} catch (error) {
  if (error instanceof DatabaseConfigError || error instanceof CaptureDriftError || error instanceof StartupRefusal) {
    console.error(`\n  Cannot start: ${error.message}\n`);
  } else {
    console.error(error);
  }
  process.exit(1);
}
