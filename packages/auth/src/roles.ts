/**
 * The roles of a user, from the Prisma schema's `Role` enum, with the names people read and the one rule of who may
 * read the audit log. The API enforces the rule and tells the page (`auth.me`), so neither repeats it.
 */
import { Role } from '@auditlog/db';

export const ROLES: readonly Role[] = Object.values(Role);

export const ROLE_LABELS: Record<Role, string> = {
  OWNER: 'Owner',
  ADMIN: 'Admin',
  TECHNICIAN: 'Technician',
  BILLING: 'Billing',
  READ_ONLY: 'Read-only',
  AUDITOR: 'Auditor',
};

/**
 * The roles that read (and export) the audit log: whoever runs the organization, and the Auditor, whose role does
 * nothing else: it records no action (record-policy.ts) and changes no business data, users or keys.
 */
export const AUDIT_READER_ROLES: readonly Role[] = [Role.OWNER, Role.ADMIN, Role.AUDITOR];

export function canReadAuditLog(role: Role): boolean {
  return AUDIT_READER_ROLES.includes(role);
}

/** "Audit Logs are restricted to the Owner, Admin, and Auditor roles.", from AUDIT_READER_ROLES. */
const readers = new Intl.ListFormat('en', { type: 'conjunction' }).format(
  AUDIT_READER_ROLES.map((role) => ROLE_LABELS[role]),
);
export const AUDIT_READ_FORBIDDEN = `Audit Logs are restricted to the ${readers} roles.`;
