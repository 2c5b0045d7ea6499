import { describe, expect, it } from 'vitest';
import {
  KNOWN_ACTIONS,
  KNOWN_ENTITY_TYPES,
  NAME_PATTERN,
  ROW_CHANGE_ACTIONS,
  actionLabel,
  entityTypeLabel,
  isKnownAction,
} from '../src/catalog.ts';

describe('actionLabel', () => {
  it.each([
    ['create', 'Create'],
    ['update', 'Update'],
    ['delete', 'Delete'],
    ['login', 'Login'],
    ['logout', 'Logout'],
    ['failed_login', 'Failed login'],
    ['permission_change', 'Permission change'],
    ['export', 'Export'],
  ])('labels the known action %s as "%s"', (action, label) => {
    expect(actionLabel(action)).toBe(label);
  });

  it.each([
    ['bulk_reassign', 'Bulk reassign'],
    ['password_reset_requested', 'Password reset requested'],
    ['sso-login', 'Sso login'],
    ['sync_v2', 'Sync v2'],
    ['a__b', 'A b'],
  ])('derives the label of the unknown action %s: "%s"', (action, label) => {
    expect(actionLabel(action)).toBe(label);
  });

  it('gives every known action a label that is not its raw name', () => {
    for (const action of KNOWN_ACTIONS) {
      expect(actionLabel(action), action).toMatch(/^[A-Z][a-z ]+$/);
    }
  });
});

describe('entityTypeLabel', () => {
  it.each([
    ['ticket', 'Ticket'],
    ['api_key', 'API key'],
    ['invoice_line', 'Invoice line'],
    ['organization', 'Organization'],
    ['vendor', 'Vendor'],
  ])('labels the known entity type %s as "%s"', (entityType, label) => {
    expect(entityTypeLabel(entityType)).toBe(label);
  });

  it.each([
    ['sla_policy', 'Sla policy'],
    ['time_entry', 'Time entry'],
    ['widget', 'Widget'],
  ])('derives the label of the unknown entity type %s: "%s"', (entityType, label) => {
    expect(entityTypeLabel(entityType)).toBe(label);
  });

  it('does not treat Object.prototype names as known entity types', () => {
    expect(entityTypeLabel('constructor')).toBe('Constructor');
    expect(entityTypeLabel('to_string')).toBe('To string');
  });
});

describe('the vocabulary', () => {
  it('knows the row-change actions, and they are known actions', () => {
    expect([...ROW_CHANGE_ACTIONS]).toEqual(['create', 'update', 'delete']);
    for (const action of ROW_CHANGE_ACTIONS) expect(isKnownAction(action), action).toBe(true);
  });

  it('tells known actions from others', () => {
    expect(isKnownAction('failed_login')).toBe(true);
    expect(isKnownAction('bulk_reassign')).toBe(false);
    expect(isKnownAction('Login')).toBe(false);
  });

  it('has only names that match NAME_PATTERN, without duplicates', () => {
    for (const name of [...KNOWN_ACTIONS, ...KNOWN_ENTITY_TYPES]) expect(name, name).toMatch(NAME_PATTERN);
    expect(new Set(KNOWN_ACTIONS).size).toBe(KNOWN_ACTIONS.length);
    expect(new Set(KNOWN_ENTITY_TYPES).size).toBe(KNOWN_ENTITY_TYPES.length);
  });

  it('accepts names of 1 to 64 lower-case letters, digits and underscores starting with a letter', () => {
    for (const name of ['a', 'failed_login', 'x9', 'a'.repeat(64)])
      expect(NAME_PATTERN.test(name), `"${name}"`).toBe(true);
    for (const name of ['', 'A', '9a', '_a', 'a-b', 'a b', 'a'.repeat(65), 'é'])
      expect(NAME_PATTERN.test(name), `"${name}"`).toBe(false);
  });
});

describe('the catalog as the one vocabulary', () => {
  it("offers the spec's menus: five actions and eight entity types, in the spec's order", async () => {
    const { FILTER_ACTIONS, FILTER_ENTITY_TYPES } = await import('../src/catalog.ts');
    expect(FILTER_ACTIONS).toEqual(['create', 'update', 'delete', 'login', 'logout']);
    expect(FILTER_ENTITY_TYPES).toEqual([
      'client',
      'contact',
      'ticket',
      'invoice',
      'asset',
      'user',
      'organization',
      'integration',
    ]);
  });

  it('reserves every action the system writes itself, and leaves app actions recordable', async () => {
    const { RESERVED_ACTIONS } = await import('../src/catalog.ts');
    for (const action of [
      'create',
      'update',
      'delete',
      'login',
      'logout',
      'failed_login',
      'permission_change',
      'schema_change',
    ]) {
      expect(RESERVED_ACTIONS, action).toContain(action);
    }
    for (const action of ['view', 'export', 'sync', 'import', 'archive', 'restore', 'access'])
      expect(RESERVED_ACTIONS, action).not.toContain(action);
  });

  it('badges only known actions, and never an unknown or inherited name', async () => {
    const { BADGED_ACTIONS, isBadgedAction } = await import('../src/catalog.ts');
    for (const action of BADGED_ACTIONS) expect(isBadgedAction(action), action).toBe(true);
    for (const name of ['export', 'bulk_reassign', 'constructor', 'toString', '__proto__'])
      expect(isBadgedAction(name), name).toBe(false);
  });
});
