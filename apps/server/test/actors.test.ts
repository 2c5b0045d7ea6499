/**
 * The API names every kind of actor honestly: a write outside any audit context is unattributed (and says whether
 * its context was missing or unreadable), never System; the server itself, in strict mode, refuses such writes.
 */
import { createAuditClient } from '@auditlog/client';
import type { AuditClient } from '@auditlog/client';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../src/testing.ts';
import type { TestOrganization, TestServer } from '../src/testing.ts';
import { asSetup } from './helpers.ts';

describe.each(testEngines)('actors in the API on %s', (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let client: AuditClient;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Actor Org');
    client = createAuditClient({ url: server.url, apiKey: await org.createApiKey(['audit:read']) });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it('the server runs in strict mode: its database refuses a write outside any context', async () => {
    await expect(
      server.db.prisma.vendor.create({ data: { organizationId: org.id, name: 'Forgotten context' } }),
    ).rejects.toThrow(/refused by strict mode/);
  });

  it('lists a write made outside any context as unattributed, with no context, and an unreadable one as such', async () => {
    const prisma = server.db.prisma;
    // A script that turned strict mode off for itself, and one that wrote a comment of its own.
    const outside = await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL auditlog.strict = off');
      return tx.vendor.create({ data: { organizationId: org.id, name: 'Written by a script' } });
    });
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Vendor" (id, "organizationId", name, "updatedAt") VALUES ('vendor-unreadable', $1, 'Unreadable', now()) /*audit='!!'*/`,
      org.id,
    );
    const synced = await asSetup(() => prisma.vendor.create({ data: { organizationId: org.id, name: 'By a job' } }));

    const { items } = await client.audit.list.query({ entityType: 'vendor' });
    const actorOf = (id: string) => items.find((item) => item.entity.id === id)?.actor;
    expect(actorOf(outside.id)).toEqual({ type: 'unattributed', reason: 'no_context' });
    expect(actorOf('vendor-unreadable')).toEqual({ type: 'unattributed', reason: 'malformed_context' });
    expect(actorOf(synced.id)).toEqual({ type: 'system', name: 'Test setup' });

    const unreadable = items.find((item) => item.entity.id === 'vendor-unreadable');
    if (!unreadable) throw new Error('not listed');
    const detail = await client.audit.get.query({ id: unreadable.id });
    expect(detail.actor).toEqual({ type: 'unattributed', reason: 'malformed_context' });
    expect(detail.metadata).toEqual({ auditContext: 'malformed_context' });
  });
});
