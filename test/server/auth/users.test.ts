import { eq } from 'drizzle-orm';
import { apiTokens, sessions, users } from '../../../db/schema/auth';
import { systemActor } from '../../../server/audit';
import {
  authenticateApiToken,
  authMessages,
  createApiToken,
  createUser,
  deactivateUser,
  listUsers,
  reactivateUser,
  resetUserPassword,
  resolveSession,
  setUserLocale,
  setUserRoles,
  signIn,
} from '../../../server/auth';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { auditEventsOf, createTestSession, createTestUser, sessionPrincipal, userRow } from '../../support/auth';

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

/** Makes every audit insert of one action fail, as a broken audit write would. */
async function failAuditOf(action: string) {
  await database.superuser(`
    create or replace function test_fail_audit() returns trigger language plpgsql as $$
    begin
      if new.action = '${action}' then raise exception 'audit write failed (test)'; end if;
      return new;
    end $$;
    drop trigger if exists test_fail_audit on audit_events;
    create trigger test_fail_audit before insert on audit_events for each row execute function test_fail_audit();`);
  return () => database.superuser('drop trigger if exists test_fail_audit on audit_events');
}

describe('createUser', () => {
  it('creates a user with a one-time password that must be changed, and audits it', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const { user, oneTimePassword } = await createUser(sessionPrincipal(admin).actor, {
      username: 'New.Person',
      displayName: '  New Person ',
      email: 'new.person@example.org',
      roles: ['operator', 'operator', 'auditor'],
    });
    expect(user).toMatchObject({
      username: 'new.person',
      displayName: 'New Person',
      roles: ['operator', 'auditor'],
      mustChangePassword: true,
      active: true,
    });
    expect(oneTimePassword).toMatch(/^[0-9A-Za-z]{20}$/);
    const signedIn = await signIn({ username: 'new.person', password: oneTimePassword });
    expect(signedIn.user.mustChangePassword).toBe(true);
    const [event] = await auditEventsOf({ action: 'user.create', targetId: user.id });
    expect(event?.actorName).toBe(admin.username);
    // The trail is append-only, so it keeps no personal data it could never erase.
    expect(JSON.stringify(event?.after)).not.toContain('example.org');
    expect(JSON.stringify(event?.after)).not.toContain(oneTimePassword);
  });

  it.each([
    ['a username with spaces', { username: 'two words' }, 'username', authMessages.usernameInvalid],
    ['a two-letter username', { username: 'ab' }, 'username', authMessages.usernameInvalid],
    ['an empty display name', { displayName: '   ' }, 'displayName', authMessages.displayNameInvalid],
    ['a malformed email', { email: 'not-an-email' }, 'email', authMessages.emailInvalid],
    ['no role', { roles: [] }, 'roles', authMessages.rolesRequired],
    ['an unknown role', { roles: ['superuser'] }, 'roles.0', authMessages.roleUnknown],
  ])('refuses %s with a field error', async (_name, patch, field, message) => {
    const error = await refusal(
      createUser(systemActor, { username: 'valid-name', displayName: 'Valid', roles: ['auditor'], ...patch } as never),
    );
    expect(error.status).toBe(400);
    expect(error.fieldErrors?.[field]).toEqual([message]);
    expect(await database.db.select().from(users).where(eq(users.username, 'valid-name'))).toHaveLength(0);
  });

  it('refuses a username taken in another letter case, writing no audit event', async () => {
    await createTestUser({ username: 'taken-name' });
    const auditBefore = (await auditEventsOf()).length;
    const error = await refusal(createUser(systemActor, { username: 'TAKEN-name', displayName: 'X', roles: ['auditor'] }));
    expect(error.status).toBe(400);
    expect(error.fieldErrors?.username).toEqual([authMessages.usernameTaken]);
    expect((await auditEventsOf()).length).toBe(auditBefore);
  });

  it('accepts an empty email field as no email', async () => {
    const { user } = await createUser(systemActor, { username: `no-mail-${Date.now()}`, displayName: 'No Mail', email: '', roles: ['manager'] });
    expect(user.email).toBeNull();
  });
});

describe('setUserRoles', () => {
  it('replaces the roles and audits before and after', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const target = await createTestUser({ roles: ['auditor'] });
    const updated = await setUserRoles(sessionPrincipal(admin).actor, target.id, { roles: ['operator', 'dpo'] });
    expect(updated.roles).toEqual(['operator', 'dpo']);
    const [event] = await auditEventsOf({ action: 'user.roles.change', targetId: target.id });
    expect(event?.before).toEqual({ roles: ['auditor'] });
    expect(event?.after).toEqual({ roles: ['operator', 'dpo'] });
  });

  it('accepts a single form value as a list of one', async () => {
    const target = await createTestUser({ roles: ['auditor'] });
    expect((await setUserRoles(systemActor, target.id, { roles: 'manager' })).roles).toEqual(['manager']);
  });

  it('refuses an unchanged set of roles (nothing to record)', async () => {
    const target = await createTestUser({ roles: ['auditor', 'dpo'] });
    const error = await refusal(setUserRoles(systemActor, target.id, { roles: ['dpo', 'auditor'] }));
    expect(error.fieldErrors?.roles).toEqual([authMessages.rolesUnchanged]);
  });

  it('answers 404 for an unknown user id and for a malformed one', async () => {
    expect((await refusal(setUserRoles(systemActor, crypto.randomUUID(), { roles: ['dpo'] }))).status).toBe(404);
    expect((await refusal(setUserRoles(systemActor, 'nope', { roles: ['dpo'] }))).status).toBe(404);
  });
});

describe('the last active admin', () => {
  // A database of its own, so "the only admin" is true.
  let isolated: TestDatabase;
  beforeAll(async () => {
    isolated = await createTestDatabase();
  });
  afterAll(async () => {
    await isolated.close();
    // Give the file's database back to the rest of the tests.
    const { setDatabase } = await import('../../../db/client');
    setDatabase(database);
  });

  it('cannot demote or deactivate themselves while they are the only one', async () => {
    const only = await createTestUser({ roles: ['admin', 'operator'] });
    const actor = sessionPrincipal(only).actor;
    const demote = await refusal(setUserRoles(actor, only.id, { roles: ['operator'] }));
    expect(demote.status).toBe(400);
    expect(demote.fieldErrors?.roles).toEqual([authMessages.lastAdmin]);
    const deactivate = await refusal(deactivateUser(actor, only.id));
    expect(deactivate.status).toBe(409);
    expect(deactivate.message).toBe(authMessages.lastAdmin);
    expect((await userRow(only.id))!.roles).toEqual(['admin', 'operator']);
    expect((await userRow(only.id))!.active).toBe(true);
    expect(await auditEventsOf({ targetId: only.id })).toHaveLength(0);
  });

  it('does not count a deactivated admin as remaining', async () => {
    const inactiveAdmin = await createTestUser({ roles: ['admin'], active: false });
    const [only] = await isolated.db.select().from(users).where(eq(users.active, true));
    expect(inactiveAdmin.active).toBe(false);
    expect((await refusal(setUserRoles(systemActor, only!.id, { roles: ['auditor'] }))).status).toBe(400);
  });

  it('lets an admin step down once another active admin exists', async () => {
    const [only] = await isolated.db.select().from(users).where(eq(users.active, true));
    await createTestUser({ roles: ['admin'] });
    expect((await setUserRoles(systemActor, only!.id, { roles: ['auditor'] })).roles).toEqual(['auditor']);
  });

  it('lets only one of two admins demoting each other at the same moment succeed', async () => {
    const admins = await isolated.db.select().from(users);
    const active = admins.filter((u) => u.active && u.roles.includes('admin'));
    expect(active).toHaveLength(1);
    const second = await createTestUser({ roles: ['admin'] });
    const results = await Promise.allSettled([
      deactivateUser(systemActor, active[0]!.id),
      deactivateUser(systemActor, second.id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const remaining = (await isolated.db.select().from(users)).filter((u) => u.active && u.roles.includes('admin'));
    expect(remaining).toHaveLength(1);
  });
});

describe('deactivateUser and reactivateUser', () => {
  it('ends the user’s sessions and revokes their personal tokens, in one audited change', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const target = await createTestUser({ roles: ['operator'] });
    const s1 = await createTestSession(target);
    const s2 = await createTestSession(target);
    const { token } = await createApiToken(sessionPrincipal(target), 'personal', {
      name: 'ci',
      scopes: ['models:read'],
      expiresInDays: 30,
    });
    expect(await authenticateApiToken(token)).not.toBeNull();
    const result = await deactivateUser(sessionPrincipal(admin).actor, target.id);
    expect(result).toMatchObject({ sessionsEnded: 2, tokensRevoked: 1 });
    expect(result.user.active).toBe(false);
    expect(await resolveSession(s1.cookieValue)).toBeNull();
    expect(await resolveSession(s2.cookieValue)).toBeNull();
    expect(await authenticateApiToken(token)).toBeNull();
    const error = await refusal(signIn({ username: target.username, password: target.password }));
    expect(error.message).toBe(authMessages.invalidCredentials);
    const [event] = await auditEventsOf({ action: 'user.deactivate', targetId: target.id });
    expect(event?.after).toMatchObject({ active: false, sessionsEnded: 2 });
  });

  it('rolls everything back when the audit event cannot be written', async () => {
    const target = await createTestUser({ roles: ['operator'] });
    const s = await createTestSession(target);
    const { token } = await createApiToken(sessionPrincipal(target), 'personal', { name: 't', scopes: ['models:read'], expiresInDays: 1 });
    const restore = await failAuditOf('user.deactivate');
    try {
      await refusal(deactivateUser(systemActor, target.id));
    } finally {
      await restore();
    }
    expect((await userRow(target.id))!.active).toBe(true);
    expect(await database.db.select().from(sessions).where(eq(sessions.userId, target.id))).toHaveLength(1);
    const [tokenRow] = await database.db.select().from(apiTokens).where(eq(apiTokens.userId, target.id));
    expect(tokenRow?.revokedAt).toBeNull();
    expect(await resolveSession(s.cookieValue)).not.toBeNull();
    expect(await authenticateApiToken(token)).not.toBeNull();
  });

  it('refuses to deactivate twice, and reactivation lets the user sign in with tokens still revoked', async () => {
    const target = await createTestUser({ roles: ['manager'] });
    const { token } = await createApiToken(sessionPrincipal(target), 'personal', { name: 't', scopes: ['usage:read'], expiresInDays: 1 });
    await deactivateUser(systemActor, target.id);
    expect((await refusal(deactivateUser(systemActor, target.id))).status).toBe(409);
    const user = await reactivateUser(systemActor, target.id);
    expect(user.active).toBe(true);
    expect((await refusal(reactivateUser(systemActor, target.id))).status).toBe(409);
    await signIn({ username: target.username, password: target.password });
    expect(await authenticateApiToken(token)).toBeNull();
    expect(await auditEventsOf({ action: 'user.reactivate', targetId: target.id })).toHaveLength(1);
  });
});

describe('resetUserPassword', () => {
  it('sets a new one-time password, forces a change and ends the user’s sessions', async () => {
    const target = await createTestUser();
    const s = await createTestSession(target);
    const { oneTimePassword, user } = await resetUserPassword(systemActor, target.id);
    expect(user.mustChangePassword).toBe(true);
    expect(await resolveSession(s.cookieValue)).toBeNull();
    expect((await refusal(signIn({ username: target.username, password: target.password }))).status).toBe(400);
    expect((await signIn({ username: target.username, password: oneTimePassword })).user.mustChangePassword).toBe(true);
    const [event] = await auditEventsOf({ action: 'user.password.reset', targetId: target.id });
    expect(JSON.stringify(event)).not.toContain(oneTimePassword);
  });
});

describe('listUsers', () => {
  it('filters, sorts and pages in the database', async () => {
    const tag = `lst${Date.now()}`;
    for (const [name, roles] of [
      ['c', ['dpo']],
      ['a', ['dpo']],
      ['b', ['manager']],
    ] as const) {
      await createTestUser({ username: `${tag}-${name}`, roles: [...roles] });
    }
    const all = await listUsers({ q: tag, sort: 'username', dir: 'desc' });
    expect(all.total).toBe(3);
    expect(all.rows.map((u) => u.username)).toEqual([`${tag}-c`, `${tag}-b`, `${tag}-a`]);
    const dpo = await listUsers({ q: tag, role: 'dpo', pageSize: 1, page: 2 });
    expect(dpo.total).toBe(2);
    expect(dpo.rows.map((u) => u.username)).toEqual([`${tag}-c`]);
    expect((await listUsers({ q: '%' })).total).toBe(0);
  });
});

describe('setUserLocale', () => {
  it('stores the language and audits only real changes', async () => {
    const user = await createTestUser();
    await setUserLocale(sessionPrincipal(user).actor, user.id, 'de');
    await setUserLocale(sessionPrincipal(user).actor, user.id, 'de');
    expect((await userRow(user.id))!.locale).toBe('de');
    expect(await auditEventsOf({ action: 'user.locale.change', targetId: user.id })).toHaveLength(1);
    expect((await refusal(setUserLocale(systemActor, user.id, 'klingon'))).status).toBe(400);
  });
});
