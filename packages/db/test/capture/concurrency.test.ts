/**
 * Twenty writers update overlapping rows at once, some of them rolling back: every committed change has exactly
 * one entry, the entries of each row chain from its first value to its last, and no entry of a rollback survives.
 */
import { withAuditContext } from '@auditlog/audit';
import { describe, expect, it } from 'vitest';
import { testEngines, useTestDatabase } from '../../src/testing/index.ts';
import { createOrganization, entriesFor } from '../../src/testing/fixtures.ts';

describe.each(testEngines)('concurrent writers on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('every committed change has exactly one entry with the right before and after', async () => {
    const prisma = db().prisma;
    const { organization } = await createOrganization(prisma);
    const users = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        prisma.user.create({
          data: {
            organizationId: organization.id,
            name: `Writer ${i}`,
            email: `w${i}-${organization.id}@example.test`,
            passwordHash: 'x',
          },
        }),
      ),
    );
    const tickets = await prisma.ticket.createManyAndReturn({
      data: [1, 2, 3].map((number) => ({ organizationId: organization.id, number, subject: 'initial' })),
    });
    const committed = new Map<string, number>();

    await Promise.all(
      users.flatMap((user, w) =>
        [0, 1, 2].map(async (round) => {
          const ticket = tickets[(w + round) % tickets.length];
          if (!ticket) throw new Error('no ticket');
          const subject = `w${w}-r${round}`;
          const rollback = (w + round) % 4 === 0;
          try {
            await withAuditContext({ userId: user.id, requestId: subject }, () =>
              prisma.$transaction(async (tx) => {
                await tx.ticket.update({
                  where: { id: ticket.id },
                  data: { subject: rollback ? `rollback-${subject}` : subject },
                });
                if (rollback) throw new Error('rolled back on purpose');
              }),
            );
            committed.set(ticket.id, (committed.get(ticket.id) ?? 0) + 1);
          } catch (error) {
            if (!rollback) throw error;
          }
        }),
      ),
    );

    for (const ticket of tickets) {
      const updates = (await entriesFor(prisma, [ticket.id])).filter((e) => e.action === 'update');
      expect(updates, `updates of ticket ${ticket.id}`).toHaveLength(committed.get(ticket.id) ?? 0);
      const pairs = updates.map((e) => {
        const change = (e.changes as { subject: { before: string; after: string } }).subject;
        expect(e.requestId, `ticket ${ticket.id}`).toBe(change.after);
        expect(e.actorName, `ticket ${ticket.id}, ${change.after}`).toBe(
          `Writer ${change.after.slice(1, change.after.indexOf('-'))}`,
        );
        return change;
      });
      // The pairs form one chain from "initial" to the ticket's current subject.
      const next = new Map(pairs.map((p) => [p.before, p.after]));
      let value = 'initial';
      for (let i = 0; i < pairs.length; i++) value = next.get(value) ?? 'broken chain';
      const current = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } });
      expect(value, `the chain of ticket ${ticket.id}`).toBe(current.subject);
      expect(JSON.stringify(pairs), `ticket ${ticket.id}`).not.toContain('rollback-');
    }
  }, 120_000);
});
