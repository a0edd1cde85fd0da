import { permissions, permissionsOf, rolePermissions, roles, rolesGrant } from '../../../server/auth';

describe('role permissions', () => {
  it('gives the auditor every read permission and no write of any kind', () => {
    const auditor = permissionsOf(['auditor']);
    for (const p of permissions.filter((p) => p.endsWith(':read'))) expect(auditor).toContain(p);
    expect(auditor.filter((p) => /:(write|approve|ingest)$/.test(p))).toEqual([]);
    expect(auditor).toContain('audit:read');
  });

  it('keeps user administration and service tokens with the admin alone', () => {
    for (const role of roles.filter((r) => r !== 'admin')) {
      expect(rolesGrant([role], 'users:write')).toBe(false);
      expect(rolesGrant([role], 'service-tokens:write')).toBe(false);
    }
    expect(rolesGrant(['admin'], 'users:write')).toBe(true);
  });

  it('lets no role ingest usage: that is for the gateway’s service token', () => {
    expect(roles.filter((r) => rolesGrant([r], 'usage:ingest'))).toEqual([]);
  });

  it('combines roles as a union', () => {
    const both = permissionsOf(['manager', 'dpo']);
    expect(both).toEqual(expect.arrayContaining([...rolePermissions.manager, ...rolePermissions.dpo]));
    expect(permissionsOf([])).toEqual([]);
  });

  it('names only declared permissions in the role table', () => {
    for (const role of roles) for (const p of rolePermissions[role]) expect(permissions).toContain(p);
  });
});
