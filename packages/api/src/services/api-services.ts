/** Everything the API's procedures need besides the request, made from one database client. */
import {
  createLucia,
  decoyHash,
  DEFAULT_LOGIN_POLICY,
  DEFAULT_RECORD_POLICY,
  Throttle,
  VerificationQueue,
} from '@auditlog/auth';
import type { LoginThrottlePolicy, RecordRatePolicy, SessionOptions, VerificationQueueOptions } from '@auditlog/auth';
import type { AuditedPrismaClient } from '@auditlog/db';
import type { ApiServices } from '../context.ts';
import { CURSOR_KEY_NAME, deploymentSecret } from './deployment-secret.ts';

export interface ApiServicesOptions extends SessionOptions {
  /** Sign-in throttling (defaults: DEFAULT_LOGIN_POLICY) and audit.record calls per actor (DEFAULT_RECORD_POLICY). */
  loginPolicy?: Partial<LoginThrottlePolicy>;
  recordPolicy?: Partial<RecordRatePolicy>;
  verification?: VerificationQueueOptions;
  /** Signs list cursors; unset: the deployment's key kept in the database (made at first start). */
  cursorSecret?: string;
}

export async function createApiServices(
  prisma: AuditedPrismaClient,
  options: ApiServicesOptions,
): Promise<ApiServices> {
  // Made now, not by the first unknown email: that sign-in would otherwise take twice as long as any other.
  await decoyHash();
  return {
    prisma,
    lucia: createLucia(prisma, options),
    throttle: new Throttle(
      prisma,
      { ...DEFAULT_LOGIN_POLICY, ...options.loginPolicy },
      { ...DEFAULT_RECORD_POLICY, ...options.recordPolicy },
    ),
    verifier: new VerificationQueue(options.verification),
    cursorKey: options.cursorSecret
      ? Buffer.from(options.cursorSecret, 'utf8')
      : await deploymentSecret(prisma, CURSOR_KEY_NAME),
  };
}
