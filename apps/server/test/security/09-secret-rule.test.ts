/**
 * Item 9 — one secret rule. A secret that the audit log redacts must not reach the server log under the same name,
 * and the other way round: both use the audit engine's `isSensitiveField`, so widening it widens both.
 */
import { isSensitiveField, REDACTED, sensitiveFieldNames } from '@auditlog/audit';
import { auditConfig } from '@auditlog/db';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrubLogFields } from '../../src/logger.ts';
import { startTestServer } from '../../src/testing.ts';
import type { TestServer } from '../../src/testing.ts';
import { bearer, rawMutation } from '../helpers.ts';

/** Names that look secret, names that only look close, and plain ones. */
const KEYS: string[] = [
  'password',
  'newPassword',
  'password_hash',
  'apiKey',
  'stripe-api-key',
  'sessionToken',
  'accessToken',
  'clientSecret',
  'webhookSecret',
  'privateKey',
  'mfaSecret',
  'encryptedNotes',
  'ssn_encrypted',
  'authorization',
  'cookie',
  'credential',
  'keyHash',
  'tokenCount',
  'secretary',
  'passwordPolicy',
  'email',
  'note',
  'rows',
];

const redactedKeys = (value: Record<string, unknown>) =>
  Object.keys(value)
    .filter((key) => value[key] === REDACTED)
    .sort();

describe.each(testEngines)('the secret rule of the log and the audit table on %s', { timeout: 60_000 }, (engine) => {
  let server: TestServer;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(engine);
    const org = await server.createOrganization('Secrets Org');
    key = await org.createApiKey(['audit:read', 'audit:write']);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it('redacts in the server log exactly what the audit table redacts: secret names, secrets inside texts, at any depth', async () => {
    const metadata = {
      ...Object.fromEntries(KEYS.map((name) => [name, `value-of-${name}`])),
      // Secrets under harmless names: only the secret part of the text goes.
      header: 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXZhbHVl',
      url: 'postgres://app:hunter2-in-url@db.internal:5432/app',
      nested: { deeper: { password: 'nested-secret', note: 'kept' } },
    };
    const response = await rawMutation<{ id: string }>(
      server.url,
      'audit.record',
      { action: 'sync', entityType: 'integration', entityId: 'secrets', metadata: { ...metadata } },
      bearer(key),
    );
    expect(response.status, response.text).toBe(200);
    const stored = await server.db.prisma.auditLog.findFirstOrThrow({ where: { id: response.data?.id ?? '' } });
    const inAudit = redactedKeys(stored.metadata as Record<string, unknown>);
    const logged = scrubLogFields({ request: { body: metadata } }) as { request: { body: Record<string, unknown> } };
    const inLog = redactedKeys(logged.request.body);

    expect(logged.request.body).toEqual(stored.metadata);
    expect(inLog).toEqual(inAudit);
    expect(JSON.stringify(logged)).not.toMatch(/hunter2-in-url|c2lnbmF0dXJlLXZhbHVl|nested-secret/);
    expect(inLog).toEqual(KEYS.filter((name) => isSensitiveField(name, sensitiveFieldNames(auditConfig))).sort());
    expect(inLog).toContain('keyHash'); // secret by the app's config, not by its name
    // The probe has teeth: some names are secret, some are not.
    expect(inLog.length).toBeGreaterThan(5);
    expect(inLog).not.toContain('tokenCount');
  });
});
