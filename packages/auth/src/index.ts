export { createApiKey, createApiKeySchema, revokeApiKey, verifyApiKey, API_KEY_SCOPES } from './api-keys.ts';
export type { ApiKeyScope, CreatedApiKey, VerifiedApiKey } from './api-keys.ts';
export { login, logout, LoginError } from './login.ts';
export type { AuthServices, LoginFailure, LoginResult, RequestOrigin } from './login.ts';
export { createLucia, prismaSessionAdapter, SESSION_COOKIE } from './lucia.ts';
export type { AppLucia, SessionOptions } from './lucia.ts';
export { decoyHash, hashPassword, verifyPassword } from './password.ts';
export { LoginRateLimiter } from './rate-limit.ts';
export type { RateLimitOptions } from './rate-limit.ts';
