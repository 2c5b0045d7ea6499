/**
 * The page's Entity Type menu is the spec's subset of the catalog; the registry says which of them are captured.
 * A menu entry no audited model produces would always answer "no entries": this test ties the two together, so a
 * model dropped from audited.ts (or a catalog type renamed) fails here instead of silently emptying a filter.
 */
import { FILTER_ENTITY_TYPES, KNOWN_ENTITY_TYPES } from '@auditlog/audit';
import { auditRegistry } from '@auditlog/db';
import { describe, expect, it } from 'vitest';

const capturedTypes = new Set<string>(auditRegistry.models.map((model) => model.entityType));

describe('filter options and the registry', () => {
  it.each(FILTER_ENTITY_TYPES)('the Entity Type option %s is produced by an audited model', (type) => {
    expect(capturedTypes.has(type), `${type} is in the filter menu but no audited model has it`).toBe(true);
  });

  it('every audited model has a type the catalog knows (so the page can name it)', () => {
    const known = new Set<string>(KNOWN_ENTITY_TYPES);
    for (const model of auditRegistry.models) {
      expect(known.has(model.entityType), `${model.model} → ${model.entityType}`).toBe(true);
    }
  });
});
