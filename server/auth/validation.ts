import { z } from 'zod';
import { roles } from '../../db/schema/auth';
import { type FieldErrors, InputError } from '../core/errors';
import { authMessages as m } from './messages';
import { passwordMaxLength, passwordMinLength } from './password';
import { permissions } from './permissions';

/** Longest a token may live. */
export const maxTokenDays = 365;

/** A form list field: absent → [], one value → [value], several → as sent. */
export function listOf<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v]),
    z.array(item),
  );
}

export const usernameSchema = z
  .string({ error: m.usernameInvalid })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{2,63}$/, m.usernameInvalid);

export const displayNameSchema = z.string({ error: m.displayNameInvalid }).trim().min(1, m.displayNameInvalid).max(200, m.displayNameInvalid);

const optionalEmail = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
  z.email({ error: m.emailInvalid }).max(254, m.emailInvalid).optional(),
);

export const roleSchema = z.enum(roles, { error: m.roleUnknown });
export const rolesSchema = listOf(roleSchema).pipe(z.array(roleSchema).min(1, m.rolesRequired));

export const newPasswordSchema = z
  .string({ error: m.passwordRequired })
  .min(1, m.passwordRequired)
  .min(passwordMinLength, m.passwordTooShort)
  .max(passwordMaxLength, m.passwordTooLong);

export const createUserSchema = z.object({
  username: usernameSchema,
  displayName: displayNameSchema,
  email: optionalEmail,
  roles: rolesSchema,
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const setRolesSchema = z.object({ roles: rolesSchema });

export const signInSchema = z.object({
  // Any string: a malformed name gets the same answer as a wrong password.
  username: z.string({ error: m.invalidCredentials }).trim().min(1, m.invalidCredentials).max(256, m.invalidCredentials),
  password: z.string({ error: m.passwordRequired }).min(1, m.passwordRequired).max(1024, m.invalidCredentials),
});

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ error: m.passwordRequired }).min(1, m.passwordRequired).max(1024, m.currentPasswordWrong),
    newPassword: newPasswordSchema,
    confirmPassword: z.string({ error: m.passwordMismatch }),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], error: m.passwordMismatch });
export type ChangePasswordInput = z.input<typeof changePasswordSchema>;

export const permissionSchema = z.enum(permissions, { error: m.scopeUnknown });

export const createTokenSchema = z
  .object({
    name: z.string({ error: m.tokenNameInvalid }).trim().min(1, m.tokenNameInvalid).max(100, m.tokenNameInvalid),
    scopes: listOf(permissionSchema).pipe(z.array(permissionSchema).min(1, m.scopesRequired)),
    /** Either a lifetime in days (forms)… */
    expiresInDays: z.preprocess(
      (v) => (v === '' || v === null ? undefined : v),
      z.coerce.number({ error: m.expiryInvalid }).int(m.expiryInvalid).min(1, m.expiryInvalid).max(maxTokenDays, m.expiryInvalid).optional(),
    ),
    /** …or an instant (API). */
    expiresAt: z.preprocess(
      (v) => (v === '' || v === null ? undefined : v),
      z.iso.datetime({ offset: true, error: m.expiryInvalid }).optional(),
    ),
  })
  .superRefine((v, ctx) => {
    if (v.expiresInDays === undefined && v.expiresAt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['expiresInDays'], message: m.expiryInvalid });
    }
  });
export type CreateTokenInput = z.input<typeof createTokenSchema>;

export const tokenKindSchema = z.enum(['personal', 'service'], { error: m.tokenKindInvalid });

export const externalIdentitySchema = z.object({
  issuer: z.url({ error: m.issuerInvalid }).max(500, m.issuerInvalid),
  subject: z.string({ error: m.subjectInvalid }).min(1, m.subjectInvalid).max(255, m.subjectInvalid),
});

export const groupRoleMappingSchema = z.object({
  issuer: z.preprocess(
    (v) => (v === '' ? null : v),
    z.url({ error: m.issuerInvalid }).max(500, m.issuerInvalid).nullable().default(null),
  ),
  groupName: z.string({ error: m.groupInvalid }).trim().min(1, m.groupInvalid).max(255, m.groupInvalid),
  role: roleSchema,
});

/** zod's issues as InputError field errors (first message per field kept in order). */
export function inputErrorFrom(error: z.ZodError): InputError {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '_form';
    (fieldErrors[field] ??= []).push(issue.message);
  }
  return new InputError(m.invalidInput, fieldErrors);
}

/** Parses with a schema, throwing InputError with field errors when the input is refused. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw inputErrorFrom(result.error);
  return result.data;
}
