/**
 * API keys for service clients: `alk_<prefix>_<secret>`, shown once at creation. Only a SHA-256 of the whole key is
 * stored (keys are 256-bit random, so a slow hash adds nothing); the prefix finds the row, then the hash is compared
 * in constant time. A request with a key acts as System under the key's name.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AuditedPrismaClient } from '@auditlog/db';
import { z } from 'zod';

export const API_KEY_SCOPES = ['audit:read', 'audit:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

const KEY_PATTERN = /^alk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, 'Name the key after the service that uses it').max(100),
  scopes: z
    .array(z.enum(API_KEY_SCOPES))
    .min(1, 'A key needs at least one scope')
    .transform((scopes) => [...new Set(scopes)]),
  expiresAt: z.date().optional(),
});

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

function randomPrefix(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return Array.from(randomBytes(12), (byte) => alphabet[byte % alphabet.length]).join('');
}

const EXPIRY_UNITS = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/**
 * When a key given `--expires <value>` expires: a duration from `now` (`12h`, `90d`, `4w`) or an ISO 8601 date.
 * @throws Error with a message that shows the accepted forms
 */
export function parseExpiry(value: string, now = new Date()): Date {
  const duration = /^(\d{1,5})([hdw])$/.exec(value.trim());
  const at = duration
    ? new Date(now.getTime() + Number(duration[1]) * EXPIRY_UNITS[duration[2] as keyof typeof EXPIRY_UNITS])
    : /^\d{4}-\d{2}-\d{2}/.test(value.trim())
      ? new Date(value.trim())
      : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new Error(`--expires "${value}" is not a duration or a date: use e.g. 12h, 90d, 4w or 2027-03-01.`);
  }
  if (at.getTime() <= now.getTime())
    throw new Error(`--expires "${value}" is in the past: a key must expire later than now.`);
  return at;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  expiresAt: Date | null;
  /** The full key. It is not stored and cannot be shown again. */
  key: string;
}

export async function createApiKey(
  prisma: AuditedPrismaClient,
  organizationId: string,
  input: z.input<typeof createApiKeySchema>,
): Promise<CreatedApiKey> {
  const { name, scopes, expiresAt } = createApiKeySchema.parse(input);
  const prefix = randomPrefix();
  const key = `alk_${prefix}_${randomBytes(32).toString('base64url')}`;
  const row = await prisma.apiKey.create({
    data: { organizationId, name, prefix, keyHash: sha256(key), scopes, expiresAt },
  });
  return { id: row.id, name, prefix, scopes, expiresAt: row.expiresAt, key };
}

export async function revokeApiKey(prisma: AuditedPrismaClient, organizationId: string, id: string): Promise<boolean> {
  const { count } = await prisma.apiKey.updateMany({
    where: { id, organizationId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count === 1;
}

export interface VerifiedApiKey {
  id: string;
  name: string;
  organizationId: string;
  scopes: ApiKeyScope[];
}

/** The key's identity when it is valid, not revoked and not expired; `null` otherwise. */
export async function verifyApiKey(prisma: AuditedPrismaClient, key: string): Promise<VerifiedApiKey | null> {
  const prefix = KEY_PATTERN.exec(key)?.[1];
  if (!prefix) return null;
  const row = await prisma.apiKey.findUnique({ where: { prefix } });
  if (!row) return null;
  const matches = timingSafeEqual(Buffer.from(sha256(key), 'hex'), Buffer.from(row.keyHash, 'hex'));
  if (!matches || row.revokedAt || (row.expiresAt && row.expiresAt <= new Date())) return null;
  // Note when a key was last used, at most once a minute (lastUsedAt is not audited).
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  const scopes = row.scopes.filter((scope): scope is ApiKeyScope =>
    (API_KEY_SCOPES as readonly string[]).includes(scope),
  );
  return { id: row.id, name: row.name, organizationId: row.organizationId, scopes };
}
