/**
 * What `audit.record` accepts, from whom: the one place that says it. Row changes come from the database's capture
 * triggers and sign-ins from the auth service, so their actions (and permission changes, which a forged entry would
 * make most convincing) are never recorded through the API. Every other action is allowed per role and per API-key
 * scope, from the audit catalog's vocabulary (whose RESERVED_ACTIONS are the system's own);
 * a name outside these lists is refused.
 */
import type { RecordableAction } from '@auditlog/audit';
import type { ApiKeyScope } from '@auditlog/auth';
import type { Role } from '@auditlog/db';

export const RECORDABLE_ACTIONS: {
  roles: Record<Role, readonly RecordableAction[]>;
  apiKeyScopes: Partial<Record<ApiKeyScope, readonly RecordableAction[]>>;
} = {
  roles: {
    OWNER: ['view', 'access', 'export', 'import', 'sync', 'archive', 'restore'],
    ADMIN: ['view', 'access', 'export', 'import', 'sync', 'archive', 'restore'],
    TECHNICIAN: ['view', 'access', 'export', 'sync'],
    BILLING: ['view', 'access', 'export'],
    READ_ONLY: ['view', 'access', 'export'],
    // Reads and exports the log, nothing else: its own reads and exports are recorded by the server, not by it.
    AUDITOR: [],
  },
  apiKeyScopes: {
    'audit:write': ['view', 'access', 'export', 'import', 'sync', 'archive', 'restore'],
  },
};

/** The actions a caller may record: its role's, or the union of its key's scopes'. */
export function recordableActionsFor(
  caller: { role: Role } | { scopes: readonly ApiKeyScope[] },
): readonly RecordableAction[] {
  if ('role' in caller) return RECORDABLE_ACTIONS.roles[caller.role];
  return [...new Set(caller.scopes.flatMap((scope) => RECORDABLE_ACTIONS.apiKeyScopes[scope] ?? []))];
}
