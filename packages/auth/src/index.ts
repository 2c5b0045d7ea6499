export {
  createApiKey,
  createApiKeySchema,
  parseExpiry,
  revokeApiKey,
  verifyApiKey,
  API_KEY_SCOPES,
} from './api-keys.ts';
export type { ApiKeyScope, CreatedApiKey, VerifiedApiKey } from './api-keys.ts';
export {
  changePassword,
  login,
  logout,
  logoutEverywhere,
  LoginError,
  MIN_PASSWORD_LENGTH,
  normalizeEmail,
  PasswordChangeError,
  PLATFORM_ORGANIZATION_ID,
} from './login.ts';
export type { AuthServices, LoginFailure, LoginResult, RequestOrigin } from './login.ts';
export {
  createLucia,
  DEFAULT_MAX_SESSION_HOURS,
  hashSessionToken,
  prismaSessionAdapter,
  SESSION_COOKIE,
  sessionCookieName,
} from './lucia.ts';
export type { AppLucia, SessionOptions } from './lucia.ts';
export { decoyHash, hashPassword, needsRehash, PASSWORD_PARAMS, verifyPassword } from './password.ts';
export { DEFAULT_LOGIN_POLICY, DEFAULT_RECORD_POLICY, Throttle } from './throttle.ts';
export type { LoginThrottlePolicy, RecordRatePolicy, Refusal } from './throttle.ts';
export { VerificationQueue, VerificationQueueFullError } from './verification-queue.ts';
export type { VerificationQueueOptions } from './verification-queue.ts';
export { AUDIT_READ_FORBIDDEN, AUDIT_READER_ROLES, canReadAuditLog, ROLE_LABELS, ROLES } from './roles.ts';
