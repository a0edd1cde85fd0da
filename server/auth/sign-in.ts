import { and, eq, ne, sql } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { sessions, users } from '../../db/schema/auth';
import { type AuditActor, recordAudit } from '../audit';
import { InputError, TooManyRequestsError } from '../core/errors';
import { log } from '../core/log';
import { authMessages as m } from './messages';
import { decoyPasswordHash, hashPassword, passwordNeedsRehash, verifyPassword } from './password';
import { sha256Hex } from './secrets';
import { createSession, type NewSession } from './sessions';
import { activeLock, clearAccountThrottle, recordFailure, throttleKeys, type ThrottleKey } from './throttle';
import type { AuthUser, RequestMeta } from './types';
import { actorFor, toAuthUser } from './users';
import { changePasswordSchema, parseInput, type ChangePasswordInput, signInSchema } from './validation';

export interface SignInResult extends NewSession {
  user: AuthUser;
}

/** The audit actor of someone not (yet) signed in. */
function anonymousActor(meta: RequestMeta): AuditActor {
  return { id: null, name: 'anonymous', roles: [], requestId: meta.requestId ?? null, clientAddress: meta.clientAddress ?? null };
}

function lockedError(until: Date, now = new Date()): TooManyRequestsError {
  return new TooManyRequestsError(m.locked, Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)));
}

/** Throws 429 when any of the keys is locked. */
async function assertNotLocked(keys: ThrottleKey[]): Promise<void> {
  const until = await activeLock(keys);
  if (until) throw lockedError(until);
}

/** Counts a failure; a lock that starts now is audited and answered with 429. */
async function failAttempt(keys: ThrottleKey[], meta: RequestMeta, fieldError: InputError): Promise<never> {
  const outcome = await recordFailure(keys);
  if (outcome.lockedUntil) {
    await getDb().transaction((tx) =>
      recordAudit(tx, {
        actor: anonymousActor(meta),
        action: 'auth.sign-in.lock',
        targetType: 'sign-in-throttle',
        after: {
          scopes: outcome.lockedKeys.map((k) => k.split(':')[0]),
          lockedUntil: outcome.lockedUntil!.toISOString(),
        },
      }),
    );
    log.warn({ requestId: meta.requestId, lockedUntil: outcome.lockedUntil }, 'sign-in locked after repeated failures');
    throw lockedError(outcome.lockedUntil);
  }
  throw fieldError;
}

/**
 * Checks a username and password and starts a new session (a fresh id every time, and the
 * session presented before, if any, ends: no fixation). Unknown names, wrong passwords and
 * deactivated accounts get the same answer after the same work, so names cannot be probed.
 */
export async function signIn(
  input: { username: unknown; password: unknown },
  meta: RequestMeta & { previousCookie?: string | null } = {},
): Promise<SignInResult> {
  const data = parseInput(signInSchema, input);
  const keys = throttleKeys(data.username, meta.clientAddress);
  await assertNotLocked(keys);
  const [row] = await getDb()
    .select()
    .from(users)
    .where(eq(sql`lower(${users.username})`, data.username.toLowerCase()));
  const stored = row?.passwordHash ?? (await decoyPasswordHash());
  const matches = await verifyPassword(data.password, stored);
  if (!row || !row.active || !row.passwordHash || !matches) {
    log.info({ requestId: meta.requestId }, 'sign-in refused');
    return failAttempt(keys, meta, new InputError(m.invalidCredentials, { _form: [m.invalidCredentials] }));
  }
  const rehash = passwordNeedsRehash(row.passwordHash) ? await hashPassword(data.password) : null;
  const result = await getDb().transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      .set({ lastSignInAt: new Date(), ...(rehash ? { passwordHash: rehash } : {}) })
      .where(eq(users.id, row.id))
      .returning();
    if (meta.previousCookie) await tx.delete(sessions).where(eq(sessions.idHash, sha256Hex(meta.previousCookie)));
    const session = await createSession(tx, row.id, meta);
    const user = toAuthUser(updated!);
    await recordAudit(tx, {
      actor: actorFor(user, meta),
      action: 'auth.sign-in',
      targetType: 'user',
      targetId: user.id,
      after: { method: 'password', costRaised: rehash !== null, forcedChange: user.mustChangePassword },
    });
    return { ...session, user };
  });
  await clearAccountThrottle(keys);
  return result;
}

/**
 * Changes the signed-in user's own password (also the forced change after a one-time
 * password). Needs the current password; ends the user's other sessions. Wrong current
 * passwords count towards the sign-in throttle, so a stolen session cannot guess it.
 */
export async function changeOwnPassword(
  who: { userId: string; keepSessionIdHash?: string | undefined },
  input: ChangePasswordInput,
  meta: RequestMeta = {},
): Promise<{ user: AuthUser; otherSessionsEnded: number }> {
  const data = parseInput(changePasswordSchema, input);
  const [row] = await getDb().select().from(users).where(eq(users.id, who.userId));
  if (!row) throw new InputError(m.currentPasswordWrong, { currentPassword: [m.currentPasswordWrong] });
  const keys = throttleKeys(row.username, meta.clientAddress);
  await assertNotLocked(keys);
  const matches = row.passwordHash ? await verifyPassword(data.currentPassword, row.passwordHash) : false;
  if (!matches) {
    return failAttempt(keys, meta, new InputError(m.currentPasswordWrong, { currentPassword: [m.currentPasswordWrong] }));
  }
  if (data.newPassword.toLowerCase() === row.username.toLowerCase()) {
    throw new InputError(m.passwordIsUsername, { newPassword: [m.passwordIsUsername] });
  }
  if (data.newPassword === data.currentPassword) {
    throw new InputError(m.passwordUnchanged, { newPassword: [m.passwordUnchanged] });
  }
  const passwordHash = await hashPassword(data.newPassword);
  return getDb().transaction(async (tx) => {
    const [updated] = await tx
      .update(users)
      // Matching the old hash refuses a change that raced another one.
      .set({ passwordHash, mustChangePassword: false, updatedAt: new Date() })
      .where(and(eq(users.id, row.id), eq(users.passwordHash, row.passwordHash!)))
      .returning();
    if (!updated) throw new InputError(m.currentPasswordWrong, { currentPassword: [m.currentPasswordWrong] });
    const others = who.keepSessionIdHash
      ? and(eq(sessions.userId, row.id), ne(sessions.idHash, who.keepSessionIdHash))
      : eq(sessions.userId, row.id);
    const ended = await tx.delete(sessions).where(others).returning({ id: sessions.idHash });
    const user = toAuthUser(updated);
    await recordAudit(tx, {
      actor: actorFor(user, meta),
      action: 'user.password.change',
      targetType: 'user',
      targetId: user.id,
      after: { otherSessionsEnded: ended.length, wasForced: row.mustChangePassword },
    });
    return { user, otherSessionsEnded: ended.length };
  });
}
