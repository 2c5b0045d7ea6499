/**
 * Item 6 — honest sign-in entries. An attacker guesses passwords for a real account and stuffs credentials for emails
 * that have none: every attempt is on record with an unverified actor and the email typed, the victim is never shown
 * as the one who acted, and the answers (message, status, time) do not tell which emails have accounts.
 */
import { randomUUID } from 'node:crypto';
import { createAuditClient } from '@auditlog/client';
import { PLATFORM_ORGANIZATION_ID } from '@auditlog/auth';
import { testEngines } from '@auditlog/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../../src/testing.ts';
import type { TestOrganization, TestServer } from '../../src/testing.ts';
import { bearer, rawQuery } from '../helpers.ts';
import { attempt, median } from './support.ts';

describe.each(testEngines)('failed sign-ins on %s', { timeout: 120_000 }, (engine) => {
  let server: TestServer;
  let org: TestOrganization;

  beforeAll(async () => {
    server = await startTestServer(engine);
    org = await server.createOrganization('Stuffed Org');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  }, 60_000);

  it('a guessed password for a real account is on the organization’s log as Unverified, attempted as that email', async () => {
    const victim = org.users.ADMIN;
    const requestId = `guess-${randomUUID()}`;
    expect(
      (await attempt(server.url, victim.email, 'Winter2026!', { headers: { 'x-request-id': requestId } })).status,
    ).toBe(401);
    const owner = createAuditClient({ url: server.url, cookie: await server.signIn(org.users.OWNER.email) });
    const { items } = await owner.audit.list.query({ action: 'failed_login' });
    const entry = items.find((item) => item.entity.id === victim.id);
    expect(entry?.actor).toEqual({ type: 'anonymous', attemptedEmail: victim.email });
    const detail = await owner.audit.get.query({ id: entry?.id ?? '' });
    expect(detail).toMatchObject({
      actor: { type: 'anonymous', attemptedEmail: victim.email },
      requestId,
      metadata: { attemptedEmail: victim.email, reason: 'wrong_password' },
    });
    expect(JSON.stringify(detail)).not.toContain('Winter2026!');
  });

  it('credential stuffing with unknown emails is recorded in the platform scope, which no organization can read', async () => {
    const email = `stuffed-${randomUUID()}@example.test`;
    expect((await attempt(server.url, email, 'hunter2-stuffed')).status).toBe(401);
    const stored = await server.db.prisma.auditLog.findFirstOrThrow({
      where: { metadata: { path: ['attemptedEmail'], equals: email } },
    });
    expect(stored).toMatchObject({
      organizationId: PLATFORM_ORGANIZATION_ID,
      action: 'failed_login',
      actorType: 'ANONYMOUS',
      entityId: email,
    });
    expect(JSON.stringify(stored)).not.toContain('hunter2-stuffed');
    // Neither an Owner nor a reader key of any organization sees it, by list or by id.
    const key = await org.createApiKey(['audit:read']);
    expect((await rawQuery(server.url, 'audit.get', { id: stored.id }, bearer(key))).status).toBe(404);
    const owner = createAuditClient({ url: server.url, cookie: await server.signIn(org.users.OWNER.email) });
    const { items } = await owner.audit.list.query({ action: 'failed_login', pageSize: 100 });
    expect(items.map((item) => item.id)).not.toContain(stored.id);
  });

  it('known and unknown emails get the same answer, and take the same time within noise', async () => {
    const known = org.users.READ_ONLY.email;
    const durations = { known: [] as number[], unknown: [] as number[] };
    const answers = { known: new Set<string>(), unknown: new Set<string>() };
    // Interleaved, so that machine load hits both alike.
    for (let i = 0; i < 6; i += 1) {
      for (const kind of ['known', 'unknown'] as const) {
        const email = kind === 'known' ? known : `absent-${randomUUID()}@example.test`;
        const started = performance.now();
        const response = await attempt(server.url, email, `guess-${i}`);
        durations[kind].push(performance.now() - started);
        answers[kind].add(`${response.status} ${JSON.stringify(response.error)}`);
      }
    }
    expect([...answers.known]).toHaveLength(1);
    expect([...answers.unknown]).toEqual([...answers.known]);
    const difference = Math.abs(median(durations.known) - median(durations.unknown));
    // Both run one scrypt verification (about 0.4 s here) and one audit insert: a gap of a whole verification would show.
    expect(
      difference,
      `known ${durations.known.map(Math.round).join('/')} ms, unknown ${durations.unknown.map(Math.round).join('/')} ms`,
    ).toBeLessThan(Math.max(100, 0.25 * median(durations.known)));
  });
});
