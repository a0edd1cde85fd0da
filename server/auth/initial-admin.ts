import { and, arrayContains, count, eq, sql } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { users } from '../../db/schema/auth';
import { recordAudit, systemActor } from '../audit';
import { getConfig } from '../config';
import { log } from '../core/log';
import { decoyPasswordHash, generateOneTimePassword, hashPassword } from './password';

/** Arbitrary but fixed: replicas starting together create the first admin once. */
const INITIAL_ADMIN_LOCK_KEY = 7_420_311_011;
export const initialAdminUsername = 'admin';

export type InitialAdminOutcome =
  | { created: false; reason: 'admin-exists' | 'name-taken' }
  | { created: true; userId: string; passwordSource: 'generated' | 'configured' };

/**
 * On a start with no active admin, creates `admin` with LEITSTAND_ADMIN_PASSWORD or a
 * one-time random password that is logged once (warn level) and never again; either must
 * be changed at first sign-in. Safe to call from every replica at every start.
 */
export async function ensureInitialAdmin(options: { password?: string | undefined } = {}): Promise<InitialAdminOutcome> {
  // Warms the decoy hash so the first sign-in with an unknown name is not measurably slower.
  void decoyPasswordHash();
  const configured = options.password ?? getConfig().adminPassword;
  const password = configured ?? generateOneTimePassword();
  // Hashing before the transaction keeps the lock short; wasted when an admin exists.
  const existing = await activeAdminCount();
  if (existing > 0) return { created: false, reason: 'admin-exists' };
  const passwordHash = await hashPassword(password);
  const outcome = await getDb().transaction(async (tx): Promise<InitialAdminOutcome> => {
    await tx.execute(sql`select pg_advisory_xact_lock(${INITIAL_ADMIN_LOCK_KEY})`);
    const [admins] = await tx
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.active, true), arrayContains(users.roles, ['admin'])));
    if ((admins?.n ?? 0) > 0) return { created: false, reason: 'admin-exists' };
    const [taken] = await tx
      .select({ id: users.id })
      .from(users)
      .where(eq(sql`lower(${users.username})`, initialAdminUsername));
    if (taken) return { created: false, reason: 'name-taken' };
    const [row] = await tx
      .insert(users)
      .values({
        username: initialAdminUsername,
        displayName: 'Administrator',
        roles: ['admin'],
        passwordHash,
        mustChangePassword: true,
      })
      .returning({ id: users.id });
    await recordAudit(tx, {
      actor: systemActor,
      action: 'user.create',
      targetType: 'user',
      targetId: row!.id,
      after: { username: initialAdminUsername, roles: ['admin'], active: true, forcedChange: true, initial: true },
    });
    return { created: true, userId: row!.id, passwordSource: configured ? 'configured' : 'generated' };
  });
  if (outcome.created && outcome.passwordSource === 'generated') {
    // The one place a secret is logged, on purpose: nobody could sign in otherwise.
    log.warn(
      `No administrator existed, so Leitstand created the user "${initialAdminUsername}" with the one-time password ${password} — sign in and change it now. This password is shown only this once.`,
    );
  } else if (outcome.created) {
    log.warn(
      `No administrator existed, so Leitstand created the user "${initialAdminUsername}" with the password from LEITSTAND_ADMIN_PASSWORD; it must be changed at first sign-in.`,
    );
  } else if (outcome.reason === 'name-taken') {
    log.error(
      `No active administrator exists and the name "${initialAdminUsername}" is taken by a non-admin account; grant a user the admin role in the database to recover.`,
    );
  }
  return outcome;
}

async function activeAdminCount(): Promise<number> {
  const [row] = await getDb()
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.active, true), arrayContains(users.roles, ['admin'])));
  return row?.n ?? 0;
}
