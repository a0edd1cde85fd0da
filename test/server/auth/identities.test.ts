import { systemActor } from '../../../server/audit';
import {
  addGroupRoleMapping,
  applyGroupRoles,
  authMessages,
  findUserByExternalIdentity,
  linkExternalIdentity,
  listExternalIdentities,
  listGroupRoleMappings,
  removeGroupRoleMapping,
  rolesForGroups,
  unlinkExternalIdentity,
} from '../../../server/auth';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { auditEventsOf, createTestUser } from '../../support/auth';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number; fieldErrors?: Record<string, string[]> };
  }
  throw new Error('expected a refusal');
}

const keycloak = 'https://sso.example.org/realms/platform';
const other = 'https://login.other.example/';

describe('external identities', () => {
  it('links an issuer + subject to a user, finds the user by it, and audits both ways', async () => {
    const user = await createTestUser({ roles: ['operator'] });
    const identity = await linkExternalIdentity(systemActor, user.id, { issuer: keycloak, subject: 'f:123' });
    expect((await findUserByExternalIdentity(keycloak, 'f:123'))?.id).toBe(user.id);
    // The same subject at another issuer is another person.
    expect(await findUserByExternalIdentity(other, 'f:123')).toBeNull();
    expect((await listExternalIdentities(user.id)).map((i) => i.subject)).toEqual(['f:123']);
    await unlinkExternalIdentity(systemActor, identity.id);
    expect(await findUserByExternalIdentity(keycloak, 'f:123')).toBeNull();
    expect((await auditEventsOf({ targetId: user.id })).map((e) => e.action)).toEqual(['identity.unlink', 'identity.link']);
  });

  it('refuses to link one identity to two users', async () => {
    const a = await createTestUser();
    const b = await createTestUser();
    await linkExternalIdentity(systemActor, a.id, { issuer: keycloak, subject: 'shared' });
    const error = await refusal(linkExternalIdentity(systemActor, b.id, { issuer: keycloak, subject: 'shared' }));
    expect(error.fieldErrors?.subject).toEqual([authMessages.identityTaken]);
    expect(await auditEventsOf({ targetId: b.id })).toHaveLength(0);
  });

  it('refuses an issuer that is not a URL, an empty subject and an unknown user', async () => {
    const user = await createTestUser();
    expect((await refusal(linkExternalIdentity(systemActor, user.id, { issuer: 'keycloak', subject: 's' }))).fieldErrors?.issuer).toEqual([
      authMessages.issuerInvalid,
    ]);
    expect((await refusal(linkExternalIdentity(systemActor, user.id, { issuer: keycloak, subject: '' }))).fieldErrors?.subject).toEqual([
      authMessages.subjectInvalid,
    ]);
    expect((await refusal(linkExternalIdentity(systemActor, crypto.randomUUID(), { issuer: keycloak, subject: 's' }))).status).toBe(404);
    expect((await refusal(unlinkExternalIdentity(systemActor, crypto.randomUUID()))).status).toBe(404);
  });
});

describe('group-to-role mappings', () => {
  it('maps groups to roles per issuer, with issuer-less mappings applying everywhere', async () => {
    await addGroupRoleMapping(systemActor, { issuer: keycloak, groupName: 'platform-ops', role: 'operator' });
    await addGroupRoleMapping(systemActor, { issuer: keycloak, groupName: 'platform-ops', role: 'auditor' });
    await addGroupRoleMapping(systemActor, { issuer: '', groupName: 'privacy', role: 'dpo' });
    await addGroupRoleMapping(systemActor, { issuer: other, groupName: 'finance', role: 'manager' });
    expect(await rolesForGroups(keycloak, ['platform-ops', 'privacy', 'finance', 'unmapped'])).toEqual(['operator', 'dpo', 'auditor']);
    expect(await rolesForGroups(other, ['platform-ops', 'privacy', 'finance'])).toEqual(['dpo', 'manager']);
    expect(await rolesForGroups(keycloak, [])).toEqual([]);
    expect((await listGroupRoleMappings()).length).toBe(4);
  });

  it('refuses a duplicate mapping and an unknown role', async () => {
    await addGroupRoleMapping(systemActor, { groupName: 'dup', role: 'manager' });
    expect((await refusal(addGroupRoleMapping(systemActor, { groupName: 'dup', role: 'manager' }))).fieldErrors?.groupName).toEqual([
      authMessages.mappingExists,
    ]);
    expect((await refusal(addGroupRoleMapping(systemActor, { groupName: 'x', role: 'root' }))).fieldErrors?.role).toEqual([
      authMessages.roleUnknown,
    ]);
  });

  it('removes a mapping and audits it', async () => {
    const mapping = await addGroupRoleMapping(systemActor, { groupName: 'temp', role: 'auditor' });
    await removeGroupRoleMapping(systemActor, mapping.id);
    expect((await listGroupRoleMappings()).some((m) => m.id === mapping.id)).toBe(false);
    expect(await auditEventsOf({ action: 'group-mapping.delete', targetId: mapping.id })).toHaveLength(1);
  });

  it('applies the mapped roles to a user, writing only when they change', async () => {
    await addGroupRoleMapping(systemActor, { issuer: keycloak, groupName: 'ml-team', role: 'operator' });
    const user = await createTestUser({ roles: ['auditor'] });
    const first = await applyGroupRoles(systemActor, user.id, keycloak, ['ml-team']);
    expect(first).toMatchObject({ changed: true, user: { roles: ['operator'] } });
    const second = await applyGroupRoles(systemActor, user.id, keycloak, ['ml-team']);
    expect(second.changed).toBe(false);
    const events = await auditEventsOf({ action: 'user.roles.sync', targetId: user.id });
    expect(events).toHaveLength(1);
    expect(events[0]?.before).toEqual({ roles: ['auditor'] });
  });

  it('will not let group sync remove the last active admin', async () => {
    const { setDatabase } = await import('../../../db/client');
    const isolated = await createTestDatabase();
    try {
      const admin = await createTestUser({ roles: ['admin'] });
      const error = await refusal(applyGroupRoles(systemActor, admin.id, keycloak, []));
      expect(error.fieldErrors?.roles).toEqual([authMessages.lastAdmin]);
    } finally {
      await isolated.close();
      setDatabase(database);
    }
  });
});
