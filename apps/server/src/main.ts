import { DatabaseConfigError } from '@auditlog/db';
import { readEnv } from './env.ts';
import { logger } from './logger.ts';
import { startServer, stopOnSignals } from './server.ts';

try {
  const env = readEnv();
  const running = await startServer({
    port: env.PORT,
    host: env.HOST,
    production: env.NODE_ENV === 'production',
    trustProxy: env.TRUST_PROXY,
    allowedOrigins: env.APP_ORIGINS,
    sessionHours: env.SESSION_HOURS,
  });
  stopOnSignals(running);
  logger.info('listening', { url: running.url, database: running.db.description });
  console.log(`\n  Audit logs running at ${running.url}  (database: ${running.db.description})\n`);
} catch (error) {
  if (error instanceof DatabaseConfigError || (error instanceof Error && error.message.startsWith('Invalid server'))) {
    console.error(`\n  Cannot start: ${error.message}\n`);
  } else {
    console.error(error);
  }
  process.exit(1);
}
