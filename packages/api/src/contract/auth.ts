/** The auth API's contract: who is signed in, and what signing in and changing a password take. */
import { MIN_PASSWORD_LENGTH } from '@auditlog/auth';
import { Role } from '@auditlog/db';
import { z } from 'zod';

export const meSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: z.enum(Role),
  /** The role as people read it ("Read-only"). */
  roleLabel: z.string(),
  /** Whether this user may read the audit log: the API's rule, so the page need not repeat it. */
  canReadAuditLog: z.boolean(),
  organizationId: z.string(),
});

export type Me = z.infer<typeof meSchema>;

const password = (what: string) => z.string().min(1, `Enter ${what}`).max(1024, `${what} is at most 1024 characters`);

export const loginInputSchema = z.object({
  email: z.string().trim().min(1, 'Enter your email').max(254).email('Enter a valid email address'),
  password: password('your password'),
});

export const changePasswordInputSchema = z.object({
  currentPassword: password('your current password'),
  newPassword: password('a new password').refine((value) => value.length >= MIN_PASSWORD_LENGTH, {
    message: `The new password must have at least ${MIN_PASSWORD_LENGTH} characters`,
  }),
});

export const okSchema = z.object({ ok: z.literal(true) });
