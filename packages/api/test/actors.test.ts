/**
 * The API names every kind of actor honestly, through `createCaller` (moved from the server's HTTP suite): a write
 * outside any audit context is unattributed (and says whether its context was missing or unreadable), never System.
 */
import { testEngines } from '@auditlog/db/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { asTestSetup } from '../src/testing.ts';
import type { TestOrganization } from '../src/testing.ts';
import { useTestApi } from './support/callers.ts';
import type { ApiCaller } from './support/callers.ts';

describe.each(testEngines)('actors in the API on %s', (engine) => {
  const api = useTestApi(engine);
  let org: TestOrganization;
  let client: ApiCaller;

  beforeAll(async () => {
    org = await api().createOrganization('Actor Org');
    client = await api().callerWithKey(await org.createApiKey(['audit:read']));
  }, 60_000);

  it('lists a write made outside any context as unattributed, with no context, and an unreadable one as such', async () => {
    const { prisma } = api();
    // A script that turned strict mode off for itself, and one that wrote a comment of its own.
    const outside = await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe('SET LOCAL auditlog.strict = off');
      return tx.vendor.create({ data: { organizationId: org.id, name: 'Written by a script' } });
    });
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Vendor" (id, "organizationId", name, "updatedAt") VALUES ('vendor-unreadable', $1, 'Unreadable', now()) /*audit='!!'*/`,
      org.id,
    );
    const synced = await asTestSetup(() =>
      prisma.vendor.create({ data: { organizationId: org.id, name: 'By a job' } }),
    );

    const { items } = await client.audit.list({ entityType: 'vendor' });
    const actorOf = (id: string) => items.find((item) => item.entity.id === id)?.actor;
    expect(actorOf(outside.id)).toEqual({ type: 'unattributed', reason: 'no_context' });
    expect(actorOf('vendor-unreadable')).toEqual({ type: 'unattributed', reason: 'malformed_context' });
    expect(actorOf(synced.id)).toEqual({ type: 'system', name: 'Test setup' });

    const unreadable = items.find((item) => item.entity.id === 'vendor-unreadable');
    if (!unreadable) throw new Error('not listed');
    const detail = await client.audit.get({ id: unreadable.id });
    expect(detail.actor).toEqual({ type: 'unattributed', reason: 'malformed_context' });
    expect(detail.metadata).toEqual({ auditContext: 'malformed_context' });
  });
});
