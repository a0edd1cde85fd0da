import { and, eq, lt, ne, or, sql } from 'drizzle-orm';
import { type Database, getDb, type Executor, type Tx } from '../../db/client';
import { sessions, users } from '../../db/schema/auth';
import { type AuditActor, recordAudit } from '../audit';
import { getConfig } from '../config';
import { randomSecret, sha256Hex } from './secrets';
import type { AuthUser, RequestMeta } from './types';
import { toAuthUser } from './users';

/** last_seen_at is written at most this often per session, not on every request. */
export const touchIntervalMs = 60_000;

export interface SessionTimeouts {
  idleMinutes: number;
  maxHours: number;
}

function timeouts(): SessionTimeouts {
  return getConfig().session;
}

export interface NewSession {
  /** The cookie value: shown to the browser once, stored only as its SHA-256. */
  cookieValue: string;
  idHash: string;
  csrfToken: string;
  expiresAt: Date;
}

/** Starts a session for a user inside the caller's transaction. */
export async function createSession(tx: Tx, userId: string, meta: RequestMeta = {}): Promise<NewSession> {
  const cookieValue = randomSecret(32);
  const idHash = sha256Hex(cookieValue);
  const csrfToken = randomSecret(32);
  const now = new Date();
  const expiresAt = new Date(now.getTime() + timeouts().maxHours * 3_600_000);
  await tx.insert(sessions).values({
    idHash,
    userId,
    csrfToken,
    createdAt: now,
    lastSeenAt: now,
    expiresAt,
    clientAddress: meta.clientAddress ?? null,
    userAgent: meta.userAgent ? meta.userAgent.slice(0, 300) : null,
  });
  return { cookieValue, idHash, csrfToken, expiresAt };
}

export interface ResolvedSession {
  user: AuthUser;
  session: { idHash: string; csrfToken: string; expiresAt: Date; lastSeenAt: Date };
}

/**
 * The live session behind a cookie value, or null. A session past its idle or absolute
 * timeout, or of a deactivated user, is deleted on sight. last_seen_at is refreshed at most
 * once a minute, so a busy page does not write on every request.
 */
export async function resolveSession(cookieValue: string | null | undefined, now = new Date()): Promise<ResolvedSession | null> {
  if (!cookieValue || cookieValue.length > 200) return null;
  const db = getDb();
  const idHash = sha256Hex(cookieValue);
  const [row] = await sessionLookup(db).execute({ idHash });
  if (!row) return null;
  const { idleMinutes } = timeouts();
  const idleDeadline = row.session.lastSeenAt.getTime() + idleMinutes * 60_000;
  if (now.getTime() >= row.session.expiresAt.getTime() || now.getTime() >= idleDeadline || !row.user.active) {
    await db.delete(sessions).where(eq(sessions.idHash, idHash));
    return null;
  }
  let lastSeenAt = row.session.lastSeenAt;
  if (now.getTime() - lastSeenAt.getTime() >= touchIntervalMs) {
    // The condition keeps concurrent requests of one session from all writing.
    await db
      .update(sessions)
      .set({ lastSeenAt: now })
      .where(and(eq(sessions.idHash, idHash), lt(sessions.lastSeenAt, new Date(now.getTime() - touchIntervalMs))));
    lastSeenAt = now;
  }
  return {
    user: toAuthUser(row.user),
    session: { idHash, csrfToken: row.session.csrfToken, expiresAt: row.session.expiresAt, lastSeenAt },
  };
}

/**
 * The lookup behind every request, built once per database: drizzle then skips building
 * the SQL and its result mapping each time (a tenth of a small page's CPU in profiles).
 */
const sessionLookups = new WeakMap<Database, ReturnType<typeof prepareSessionLookup>>();
function prepareSessionLookup(db: Database) {
  return db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.idHash, sql.placeholder('idHash')))
    .prepare('leitstand_session_lookup');
}
function sessionLookup(db: Database) {
  let prepared = sessionLookups.get(db);
  if (!prepared) {
    prepared = prepareSessionLookup(db);
    sessionLookups.set(db, prepared);
  }
  return prepared;
}

/** Ends one session (sign-out). Returns false when it had already ended. */
export async function endSession(actor: AuditActor, idHash: string): Promise<boolean> {
  return getDb().transaction(async (tx) => {
    const ended = await tx.delete(sessions).where(eq(sessions.idHash, idHash)).returning({ userId: sessions.userId });
    if (ended.length === 0) return false;
    await recordAudit(tx, { actor, action: 'auth.sign-out', targetType: 'user', targetId: ended[0]!.userId });
    return true;
  });
}

/** Ends every session of a user ("sign out everywhere"), optionally keeping one. */
export async function endAllSessions(
  actor: AuditActor,
  userId: string,
  options: { keepIdHash?: string } = {},
): Promise<number> {
  return getDb().transaction(async (tx) => {
    const condition = options.keepIdHash
      ? and(eq(sessions.userId, userId), ne(sessions.idHash, options.keepIdHash))
      : eq(sessions.userId, userId);
    const ended = await tx.delete(sessions).where(condition).returning({ id: sessions.idHash });
    await recordAudit(tx, {
      actor,
      action: 'auth.sign-out-everywhere',
      targetType: 'user',
      targetId: userId,
      after: { sessionsEnded: ended.length },
    });
    return ended.length;
  });
}

/** Number of live sessions of a user (for the account page). */
export async function countSessions(userId: string, db: Executor = getDb()): Promise<number> {
  return db.$count(sessions, eq(sessions.userId, userId));
}

/**
 * Deletes sessions past their absolute or idle timeout. Housekeeping, not a decision by
 * anyone, so it writes no audit event (see README). Returns how many were removed.
 */
export async function cleanupExpiredSessions(now = new Date()): Promise<number> {
  const idleCutoff = new Date(now.getTime() - timeouts().idleMinutes * 60_000);
  const removed = await getDb()
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, now), lt(sessions.lastSeenAt, idleCutoff)))
    .returning({ id: sessions.idHash });
  return removed.length;
}
