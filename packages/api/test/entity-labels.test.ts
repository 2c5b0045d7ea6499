/**
 * Every audited model is named in the list: the labels come from the resolved registry, so a model audited by the
 * default rule (no line of its own in audited.ts) gets a live label like any other.
 */
import { runAsSystem } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';
import { testEngines, useTestDatabase } from '@auditlog/db/testing';
import { describe, expect, it } from 'vitest';
import { resolveEntityLabels } from '../src/services/entity-labels.ts';

describe.each(testEngines)('entity labels on %s', (engine) => {
  const db = useTestDatabase(engine);

  it('knows every audited model: a missing record of each type is "deleted" (exists: false), never "not a model" (null)', async () => {
    const prisma = db().prisma;
    const refs = auditRegistry.models.map((model) => ({ type: model.entityType, id: `missing-${model.model}` }));
    const labels = await resolveEntityLabels(prisma, 'no-such-organization', refs);
    for (const ref of refs) {
      expect(labels.get(`${ref.type}:${ref.id}`), `${ref.type}`).toEqual({ label: expect.any(String), exists: false });
    }
  });

  it('names a live record of a model with a label line and of one without (Vendor), in its organization only', async () => {
    const prisma = db().prisma;
    const { org, other, vendor, client } = await runAsSystem({ name: 'Test setup' }, async () => {
      const org = await prisma.organization.create({ data: { name: 'Labels', slug: `labels-${Date.now()}` } });
      const other = await prisma.organization.create({ data: { name: 'Other', slug: `labels-other-${Date.now()}` } });
      const vendor = await prisma.vendor.create({ data: { organizationId: org.id, name: 'Dell Technologies' } });
      const client = await prisma.client.create({ data: { organizationId: org.id, name: 'Acme Corp' } });
      return { org, other, vendor, client };
    });
    const refs = [
      { type: 'vendor', id: vendor.id },
      { type: 'client', id: client.id },
      { type: 'custom_thing', id: 'x1' },
    ];
    const labels = await resolveEntityLabels(prisma, org.id, refs);
    expect(labels.get(`vendor:${vendor.id}`)).toEqual({ label: 'Dell Technologies', exists: true });
    expect(labels.get(`client:${client.id}`)).toEqual({ label: 'Acme Corp', exists: true });
    expect(labels.get('custom_thing:x1')).toEqual({ label: 'x1', exists: null });
    // Another organization's reader learns nothing about the record.
    const foreign = await resolveEntityLabels(prisma, other.id, refs.slice(0, 1));
    expect(foreign.get(`vendor:${vendor.id}`)?.exists).toBe(false);
  });
});
