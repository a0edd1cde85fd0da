import { eq } from 'drizzle-orm';
import { users } from '../../../db/schema/auth';
import { ensureInitialAdmin, signIn } from '../../../server/auth';
import { log } from '../../../server/core/log';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { auditEventsOf, createTestUser } from '../../support/auth';

let database: TestDatabase | undefined;
beforeEach(async () => {
  database = await createTestDatabase();
});
const spies: { mockRestore(): void }[] = [];
/** Observes the logger (calls go through); restored after each test. */
function watch(level: 'warn' | 'error') {
  const spy = vi.spyOn(log, level);
  spies.push(spy);
  return spy;
}
afterEach(async () => {
  for (const spy of spies.splice(0)) spy.mockRestore();
  await database?.close();
});

describe('ensureInitialAdmin', () => {
  it('creates admin with a one-time password, logged once at warn level, that must be changed', async () => {
    const warn = watch('warn');
    const outcome = await ensureInitialAdmin({ password: undefined });
    expect(outcome).toMatchObject({ created: true, passwordSource: 'generated' });
    expect(warn).toHaveBeenCalledTimes(1);
    const message = String(warn.mock.calls[0]![0]);
    const password = /one-time password (\S+) /.exec(message)?.[1];
    expect(password).toMatch(/^[0-9A-Za-z]{20}$/);
    expect(message).toContain('shown only this once');

    const [admin] = await database!.db.select().from(users).where(eq(users.username, 'admin'));
    expect(admin).toMatchObject({ roles: ['admin'], active: true, mustChangePassword: true });
    expect(admin!.passwordHash).not.toContain(password!);
    const signedIn = await signIn({ username: 'admin', password: password! });
    expect(signedIn.user.mustChangePassword).toBe(true);
    expect(await auditEventsOf({ action: 'user.create', targetId: admin!.id })).toHaveLength(1);

    // Never again: the next start finds the admin and logs nothing.
    warn.mockClear();
    expect(await ensureInitialAdmin()).toEqual({ created: false, reason: 'admin-exists' });
    expect(warn).not.toHaveBeenCalled();
  });

  it('uses LEITSTAND_ADMIN_PASSWORD when set, without logging it, still forcing a change', async () => {
    const warn = watch('warn');
    const outcome = await ensureInitialAdmin({ password: 'configured admin secret' });
    expect(outcome).toMatchObject({ created: true, passwordSource: 'configured' });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('configured admin secret');
    expect((await signIn({ username: 'admin', password: 'configured admin secret' })).user.mustChangePassword).toBe(true);
  });

  it('creates exactly one admin when replicas start together', async () => {
    const outcomes = await Promise.all([ensureInitialAdmin(), ensureInitialAdmin(), ensureInitialAdmin()]);
    expect(outcomes.filter((o) => o.created)).toHaveLength(1);
    expect(await database!.db.select().from(users)).toHaveLength(1);
  });

  it('does nothing when an active admin exists under another name', async () => {
    await createTestUser({ username: 'root-person', roles: ['admin'] });
    expect(await ensureInitialAdmin()).toEqual({ created: false, reason: 'admin-exists' });
    expect(await database!.db.select().from(users)).toHaveLength(1);
  });

  it('leaves a non-admin account named admin alone and says how to recover', async () => {
    const error = watch('error');
    await createTestUser({ username: 'admin', roles: ['auditor'] });
    expect(await ensureInitialAdmin()).toEqual({ created: false, reason: 'name-taken' });
    expect(error).toHaveBeenCalledTimes(1);
    const [row] = await database!.db.select().from(users).where(eq(users.username, 'admin'));
    expect(row!.roles).toEqual(['auditor']);
  });

  it('creates a new admin when the only admin left is deactivated', async () => {
    await createTestUser({ username: 'former', roles: ['admin'], active: false });
    expect((await ensureInitialAdmin()).created).toBe(true);
  });
});
