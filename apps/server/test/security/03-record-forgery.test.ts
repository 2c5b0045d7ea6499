/**
 * Item 3 — no forged history from low roles. A Technician or Billing user (who cannot even read the log) and a
 * service key try to write convincing fake entries through audit.record: row changes with made-up before/after
 * values, permission changes, sign-ins, and sheer volume.
 */
import { randomUUID } from 'node:crypto';
import { RECORDABLE_ACTIONS } from '@auditlog/api';
import { KNOWN_ACTIONS } from '@auditlog/audit';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../src/testing.ts';
import type { TestOrganization, TestServer } from '../../src/testing.ts';
import { bearer, rawMutation, withCookie } from '../helpers.ts';

describe.each(testEngines)('forging history through audit.record on %s', { timeout: 60_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;
  let technician: string;
  let billing: string;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer(engine, { recordPolicy: { limit: 5, windowSeconds: 60 } });
    org = await server.createOrganization('Forgery Org');
    technician = await server.signIn(org.users.TECHNICIAN.email);
    billing = await server.signIn(org.users.BILLING.email);
    key = await org.createApiKey(['audit:write'], 'Writer');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  const entriesAbout = (entityId: string) => server.db.prisma.auditLog.count({ where: { entityId } });

  it.each([
    {
      name: 'a permission_change on the Owner with before/after roles',
      action: 'permission_change',
      changes: { role: { before: 'OWNER', after: 'READ_ONLY' } },
    },
    {
      name: 'an "update" of a ticket with made-up values',
      action: 'update',
      changes: { status: { before: 'OPEN', after: 'CLOSED' } },
    },
    { name: 'a "delete" of an invoice', action: 'delete', changes: null },
    { name: 'a "login" of someone else', action: 'login', changes: null },
    { name: 'a "failed_login" to frame someone', action: 'failed_login', changes: null },
  ])('a Technician cannot record $name: 400, nothing stored', async ({ action, changes }) => {
    const entityId = `forged-${randomUUID()}`;
    const response = await rawMutation(
      server.url,
      'audit.record',
      { action, entityType: 'user', entityId, changes },
      withCookie(technician),
    );
    expect(response.status, response.text).toBe(400);
    expect(response.error?.message).toMatch(/recorded by the system itself|changes are not accepted/);
    expect(await entriesAbout(entityId)).toBe(0);
  });

  it('nobody supplies before/after changes, not even for an allowed action or with an API key', async () => {
    for (const headers of [withCookie(billing), bearer(key)]) {
      const entityId = `changes-${randomUUID()}`;
      const response = await rawMutation(
        server.url,
        'audit.record',
        { action: 'export', entityType: 'invoice', entityId, changes: { total: { before: 100, after: 1 } } },
        headers,
      );
      expect(response.status, response.text).toBe(400);
      expect(response.error?.message).toMatch(/changes are not accepted: before\/after values come from the database/);
      expect(await entriesAbout(entityId)).toBe(0);
    }
  });

  it('actions outside the role’s allowlist are FORBIDDEN with the list of what is allowed', async () => {
    const entityId = `archive-${randomUUID()}`;
    const response = await rawMutation(
      server.url,
      'audit.record',
      { action: 'archive', entityType: 'client', entityId },
      withCookie(billing),
    );
    expect(response.status).toBe(403);
    expect(response.error?.message).toBe(
      `Your role (Billing) may not record "archive". Allowed: ${RECORDABLE_ACTIONS.roles.BILLING.join(', ')}.`,
    );
    const invented = await rawMutation(
      server.url,
      'audit.record',
      { action: 'owner_approved', entityType: 'client', entityId },
      withCookie(billing),
    );
    expect(invented.status).toBe(403);
    expect(await entriesAbout(entityId)).toBe(0);
  });

  it('declares every role’s and scope’s allowlist from the catalog, with no reserved action in any of them', () => {
    const lists = [...Object.values(RECORDABLE_ACTIONS.roles), ...Object.values(RECORDABLE_ACTIONS.apiKeyScopes)];
    for (const list of lists) {
      for (const action of list) {
        expect(KNOWN_ACTIONS).toContain(action);
        expect(['create', 'update', 'delete', 'login', 'logout', 'failed_login', 'permission_change']).not.toContain(
          action,
        );
      }
    }
  });

  it('metadata is bounded in size and depth: 900 kB of "evidence" is refused with 400', async () => {
    const entityId = `big-${randomUUID()}`;
    for (const metadata of [{ note: 'x'.repeat(9 * 1024) }, { a: { b: { c: { d: { e: 'deep' } } } } }]) {
      const response = await rawMutation(
        server.url,
        'audit.record',
        { action: 'export', entityType: 'report', entityId, metadata },
        withCookie(technician),
      );
      expect(response.status).toBe(400);
      expect(response.error?.message).toMatch(/metadata/);
    }
    expect(await entriesAbout(entityId)).toBe(0);
  });

  it('floods are cut per actor: past the limit, 429 TOO_MANY_REQUESTS with Retry-After; another actor is unaffected', async () => {
    const flooder = await server.signIn(org.users.READ_ONLY.email);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof rawMutation>> | undefined;
    for (let i = 0; i < 7; i += 1) {
      last = await rawMutation(
        server.url,
        'audit.record',
        { action: 'view', entityType: 'report', entityId: `flood-${i}` },
        withCookie(flooder),
      );
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(last?.error?.data.code).toBe('TOO_MANY_REQUESTS');
    expect(last?.error?.message).toMatch(/Too many audit.record calls: try again in \d+ second/);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    // A second session of the same user is the same actor.
    const again = await server.signIn(org.users.READ_ONLY.email);
    expect(
      (
        await rawMutation(
          server.url,
          'audit.record',
          { action: 'view', entityType: 'report', entityId: 'flood-x' },
          withCookie(again),
        )
      ).status,
    ).toBe(429);
    expect(
      (
        await rawMutation(
          server.url,
          'audit.record',
          { action: 'view', entityType: 'report', entityId: 'other' },
          withCookie(technician),
        )
      ).status,
    ).toBe(200);
  });
});
