/**
 * What the admin sees of the seal (decision 015), through the procedures: when the log was last sealed and
 * verified, and whether `audit.get`'s entry is in a block.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { sealOrganization, sqlClientFor, verifyOrganizations } from '@auditlog/seal';
import { appRouter, createApiServices, createCallerFactory, createContextInner } from '../src/index.ts';
import type { Identity } from '../src/index.ts';

const DAY = 86_400_000;

describe.each(testEngines)('seal status on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('says nothing is sealed, then which block holds an entry, when it was sealed and what verification found', async () => {
    const prisma = db().prisma;
    const organization = await prisma.organization.create({ data: { name: 'Sealed', slug: `sealed-${Date.now()}` } });
    const services = await createApiServices(prisma, {
      sessionHours: 24,
      maxSessionHours: 168,
      cursorSecret: 'x'.repeat(32),
      secureCookies: false,
    });
    const identity: Identity = {
      kind: 'apiKey',
      apiKey: { id: 'k', name: 'test', organizationId: organization.id, scopes: ['audit:read'] },
    };
    const caller = createCallerFactory(appRouter)(createContextInner(services, { identity }));
    const sql = sqlClientFor(db());
    const yesterday = new Date(Math.floor(Date.now() / DAY) * DAY - DAY);
    const [old] = await sql.query<{ id: string }>(
      `INSERT INTO "AuditLog" (id, "organizationId", "createdAt", action, "entityType", "entityId", "actorType")
       VALUES (auditlog.next_id($2), $1, $2, 'export', 'invoice', 'inv-1', 'SYSTEM') RETURNING id::text AS id`,
      [organization.id, yesterday.toISOString()],
    );
    expect(await caller.audit.sealStatus()).toEqual({
      blocks: 0,
      sealedEntries: 0,
      lastSealedAt: null,
      sealedThrough: null,
      lastVerification: null,
      retention: { days: 400, legalHold: false },
    });
    expect((await caller.audit.get({ id: old?.id ?? '' })).seal).toEqual({
      sealed: false,
      block: null,
      sealedAt: null,
    });

    const { privateKey } = generateKeyPairSync('ed25519');
    await sealOrganization(sql, organization.id, { privateKey });
    await verifyOrganizations(sql, [organization.id], { publicKey: privateKey });
    const status = await caller.audit.sealStatus();
    expect(status).toMatchObject({
      blocks: 1,
      sealedEntries: 1,
      // Verified: the sealed entry and today's, which are not final yet: the organization's creation, and the `access`
      // entry of the key's first read (the get above).
      lastVerification: { ok: true, entries: 3, failure: null },
    });
    expect(status.sealedThrough).toBe(new Date(yesterday.getTime() + DAY).toISOString());
    expect((await caller.audit.get({ id: old?.id ?? '' })).seal).toMatchObject({ sealed: true, block: 1 });
    await sql.query('SELECT auditlog.set_retention($1, 180, true)', [organization.id]);
    expect((await caller.audit.sealStatus()).retention).toEqual({ days: 180, legalHold: true });
    await sql.close();
  });
});
