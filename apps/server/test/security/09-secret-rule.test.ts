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
const KEYS = [
  'password', 'newPassword', 'password_hash', 'apiKey', 'stripe-api-key', 'sessionToken', 'accessToken', 'clientSecret',
  'webhookSecret', 'privateKey', 'mfaSecret', 'encryptedNotes', 'ssn_encrypted', 'authorization', 'cookie', 'credential',
  'keyHash', 'tokenCount', 'secretary', 'passwordPolicy', 'email', 'note', 'rows',
];

const redactedKeys = (value: Record<string, unknown>) => Object.keys(value).filter((key) => value[key] === REDACTED).sort();

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

  it('redacts in the server log exactly the fields the audit table redacts, at any depth', async () => {
    const metadata = Object.fromEntries(KEYS.map((name) => [name, `value-of-${name}`]));
    const response = await rawMutation<{ id: string }>(
      server.url,
      'audit.record',
      { action: 'sync', entityType: 'integration', entityId: 'secrets', metadata: { ...metadata } },
      bearer(key),
    );
    expect(response.status, response.text).toBe(200);
    const stored = await server.db.prisma.auditLog.findUniqueOrThrow({ where: { id: response.data?.id ?? '' } });
    const inAudit = redactedKeys(stored.metadata as Record<string, unknown>);
    const logged = scrubLogFields({ request: { body: metadata } }) as { request: { body: Record<string, unknown> } };
    const inLog = redactedKeys(logged.request.body);

    expect(inLog).toEqual(inAudit);
    expect(inLog).toEqual(KEYS.filter((name) => isSensitiveField(name, sensitiveFieldNames(auditConfig))).sort());
    expect(inLog).toContain('keyHash'); // secret by the app's config, not by its name
    // The probe has teeth: some names are secret, some are not.
    expect(inLog.length).toBeGreaterThan(5);
    expect(inLog).not.toContain('tokenCount');
  });
});
