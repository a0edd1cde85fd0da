import type { Role } from '../../db/schema/auth';

/**
 * Every permission Leitstand checks, declared once. `<area>:read` lets a role see an area,
 * `<area>:write` lets it change things there. API token scopes are drawn from this list.
 */
export const permissions = [
  'users:read',
  'users:write',
  'tokens:write',
  // Read: the auditor sees which service tokens exist; write: the admin issues and revokes them.
  'service-tokens:read',
  'service-tokens:write',
  'audit:read',
  'audit:verify',
  'cluster:read',
  'cluster:write',
  'models:read',
  'models:write',
  'models:approve',
  'gpu:read',
  'gpu:write',
  'tenants:read',
  'tenants:write',
  'guard:read',
  'guard:write',
  'privacy:read',
  'privacy:write',
  'privacy:approve',
  'usage:read',
  'usage:write',
  'usage:ingest',
  'settings:read',
  'settings:write',
] as const;

export type Permission = (typeof permissions)[number];

const reads = permissions.filter((p) => p.endsWith(':read'));

/** What each role may do. Least privilege: a role gets only what its job needs. */
export const rolePermissions: Record<Role, readonly Permission[]> = {
  admin: permissions.filter((p) => p !== 'usage:ingest'),
  operator: [
    'cluster:read',
    'cluster:write',
    'models:read',
    'models:write',
    'models:approve',
    'gpu:read',
    'gpu:write',
    'tenants:read',
    'tenants:write',
    'guard:read',
    'guard:write',
    'usage:read',
    'privacy:read',
    'tokens:write',
  ],
  dpo: ['privacy:read', 'privacy:write', 'privacy:approve', 'models:read', 'tenants:read', 'audit:read', 'audit:verify', 'tokens:write'],
  manager: ['usage:read', 'usage:write', 'tenants:read', 'models:read', 'gpu:read', 'tokens:write'],
  // Reads everything, the audit trail included, and changes nothing.
  auditor: [...reads, 'audit:verify'],
};

/** True when any of the roles grants the permission. */
export function rolesGrant(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => rolePermissions[role]?.includes(permission));
}

/** The union of the permissions of the given roles. */
export function permissionsOf(roles: readonly Role[]): Permission[] {
  return permissions.filter((p) => rolesGrant(roles, p));
}

export function isPermission(value: string): value is Permission {
  return (permissions as readonly string[]).includes(value);
}
