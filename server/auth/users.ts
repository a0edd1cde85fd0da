import { and, arrayContains, asc, count, desc, eq, ilike, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import { getDb, type Executor, type Tx } from '../../db/client';
import { apiTokens, type Role, sessions, users } from '../../db/schema/auth';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { isUniqueViolation } from './db-errors';
import { authMessages as m } from './messages';
import { generateOneTimePassword, hashPassword } from './password';
import type { AuthUser, RequestMeta } from './types';
import { createUserSchema, parseInput, setRolesSchema, type CreateUserInput } from './validation';

/** Arbitrary but fixed: serialises every change that could leave Leitstand without an admin. */
const ADMIN_SET_LOCK_KEY = 7_420_311_010;

type UserRow = typeof users.$inferSelect;

/** The public shape of a user row. */
export function toAuthUser(row: UserRow): AuthUser {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    email: row.email,
    roles: row.roles,
    active: row.active,
    mustChangePassword: row.mustChangePassword,
    hasPassword: row.passwordHash !== null,
    locale: row.locale,
    createdAt: row.createdAt,
    lastSignInAt: row.lastSignInAt,
  };
}

/** The audit actor for a person acting through a request. */
export function actorFor(user: Pick<AuthUser, 'id' | 'username' | 'roles'>, meta: RequestMeta = {}): AuditActor {
  return {
    id: user.id,
    name: user.username,
    roles: [...user.roles],
    requestId: meta.requestId ?? null,
    clientAddress: meta.clientAddress ?? null,
  };
}

/** A user by id, or null. */
export async function getUserById(id: string, db: Executor = getDb()): Promise<AuthUser | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row ? toAuthUser(row) : null;
}

/** A user by id; NotFoundError when there is none. */
export async function requireUserById(id: string, db: Executor = getDb()): Promise<AuthUser> {
  const user = await getUserById(id, db);
  if (!user) throw new NotFoundError(m.userNotFound);
  return user;
}

export const userSortKeys = ['username', 'displayName', 'lastSignInAt', 'createdAt'] as const;
export type UserSortKey = (typeof userSortKeys)[number];

export interface ListUsersQuery {
  /** Matches username, display name or email (case-insensitive substring). */
  q?: string | undefined;
  role?: Role | undefined;
  status?: 'active' | 'inactive' | undefined;
  sort?: UserSortKey | undefined;
  dir?: 'asc' | 'desc' | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

/** One page of users, filtered and sorted in the database, with the total count. */
export async function listUsers(query: ListUsersQuery = {}): Promise<{ rows: AuthUser[]; total: number }> {
  const db = getDb();
  const where: SQL[] = [];
  if (query.q?.trim()) {
    const pattern = `%${query.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(users.username, pattern), ilike(users.displayName, pattern), ilike(users.email, pattern))!);
  }
  if (query.role) where.push(arrayContains(users.roles, [query.role]));
  if (query.status) where.push(eq(users.active, query.status === 'active'));
  const condition = where.length > 0 ? and(...where) : undefined;
  const column = {
    username: users.username,
    displayName: users.displayName,
    lastSignInAt: users.lastSignInAt,
    createdAt: users.createdAt,
  }[query.sort ?? 'username'];
  const order = query.dir === 'desc' ? desc(column) : asc(column);
  const pageSize = Math.min(Math.max(query.pageSize ?? 25, 1), 200);
  const page = Math.max(query.page ?? 1, 1);
  const [rows, [total]] = await Promise.all([
    db
      .select()
      .from(users)
      .where(condition)
      .orderBy(order, asc(users.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db.select({ n: count() }).from(users).where(condition),
  ]);
  return { rows: rows.map(toAuthUser), total: total?.n ?? 0 };
}

/** Creates a local user with a one-time password they must change at first sign-in. */
export async function createUser(
  actor: AuditActor,
  input: CreateUserInput,
): Promise<{ user: AuthUser; oneTimePassword: string }> {
  const data = parseInput(createUserSchema, input);
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  try {
    const user = await getDb().transaction(async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({
          username: data.username,
          displayName: data.displayName,
          email: data.email ?? null,
          roles: dedupe(data.roles),
          passwordHash,
          mustChangePassword: true,
        })
        .returning();
      const user = toAuthUser(row!);
      await recordAudit(tx, {
        actor,
        action: 'user.create',
        targetType: 'user',
        targetId: user.id,
        after: auditView(user),
      });
      return user;
    });
    return { user, oneTimePassword };
  } catch (error) {
    if (isUniqueViolation(error)) throw new InputError(m.invalidInput, { username: [m.usernameTaken] });
    throw error;
  }
}

/** Replaces a user's roles; refuses to leave no active admin. */
export async function setUserRoles(actor: AuditActor, userId: string, input: { roles: unknown }): Promise<AuthUser> {
  const data = parseInput(setRolesSchema, input);
  const next = dedupe(data.roles);
  return getDb().transaction(async (tx) => {
    await lockAdminSet(tx);
    const before = await lockUser(tx, userId);
    if (sameSet(before.roles, next)) throw new InputError(m.invalidInput, { roles: [m.rolesUnchanged] });
    if (before.active && before.roles.includes('admin') && !next.includes('admin')) {
      await assertAnotherAdmin(tx, userId, 'roles');
    }
    const [row] = await tx
      .update(users)
      .set({ roles: next, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    const after = toAuthUser(row!);
    await recordAudit(tx, {
      actor,
      action: 'user.roles.change',
      targetType: 'user',
      targetId: userId,
      before: { roles: before.roles },
      after: { roles: after.roles },
    });
    return after;
  });
}

/**
 * Deactivates a user: they can no longer sign in, their sessions end and their personal
 * tokens are revoked, all in one transaction. Refuses to leave no active admin.
 */
export async function deactivateUser(
  actor: AuditActor,
  userId: string,
): Promise<{ user: AuthUser; sessionsEnded: number; tokensRevoked: number }> {
  return getDb().transaction(async (tx) => {
    await lockAdminSet(tx);
    const before = await lockUser(tx, userId);
    if (!before.active) throw new ConflictError(m.alreadyInactive);
    if (before.roles.includes('admin')) await assertAnotherAdmin(tx, userId, null);
    const [row] = await tx
      .update(users)
      .set({ active: false, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    const ended = await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.idHash });
    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    await recordAudit(tx, {
      actor,
      action: 'user.deactivate',
      targetType: 'user',
      targetId: userId,
      before: { active: true },
      after: { active: false, sessionsEnded: ended.length, personalAccessRevoked: revoked.map((t) => t.id) },
    });
    return { user: toAuthUser(row!), sessionsEnded: ended.length, tokensRevoked: revoked.length };
  });
}

/** Lets a deactivated user sign in again. Their revoked tokens stay revoked. */
export async function reactivateUser(actor: AuditActor, userId: string): Promise<AuthUser> {
  return getDb().transaction(async (tx) => {
    const before = await lockUser(tx, userId);
    if (before.active) throw new ConflictError(m.alreadyActive);
    const [row] = await tx
      .update(users)
      .set({ active: true, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'user.reactivate',
      targetType: 'user',
      targetId: userId,
      before: { active: false },
      after: { active: true },
    });
    return toAuthUser(row!);
  });
}

/**
 * Gives a user a new one-time password (shown once to the admin) that must be changed at
 * the next sign-in, and ends the user's sessions.
 */
export async function resetUserPassword(
  actor: AuditActor,
  userId: string,
): Promise<{ user: AuthUser; oneTimePassword: string }> {
  const oneTimePassword = generateOneTimePassword();
  const passwordHash = await hashPassword(oneTimePassword);
  return getDb().transaction(async (tx) => {
    await lockUser(tx, userId);
    const [row] = await tx
      .update(users)
      .set({ passwordHash, mustChangePassword: true, updatedAt: new Date() })
      .where(eq(users.id, userId))
      .returning();
    const ended = await tx.delete(sessions).where(eq(sessions.userId, userId)).returning({ id: sessions.idHash });
    await recordAudit(tx, {
      actor,
      action: 'user.password.reset',
      targetType: 'user',
      targetId: userId,
      after: { forcedChange: true, sessionsEnded: ended.length },
    });
    return { user: toAuthUser(row!), oneTimePassword };
  });
}

/** Locks and returns a user row for the rest of the transaction; NotFoundError when absent. */
export async function lockUser(tx: Tx, userId: string): Promise<AuthUser> {
  if (!isUuid(userId)) throw new NotFoundError(m.userNotFound);
  const [row] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
  if (!row) throw new NotFoundError(m.userNotFound);
  return toAuthUser(row);
}

/** Takes the lock that serialises changes to the set of active admins. */
export async function lockAdminSet(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ADMIN_SET_LOCK_KEY})`);
}

/** Throws unless an active admin other than `userId` exists (call under lockAdminSet). */
export async function assertAnotherAdmin(tx: Tx, userId: string, field: string | null): Promise<void> {
  const [row] = await tx
    .select({ n: count() })
    .from(users)
    .where(and(eq(users.active, true), arrayContains(users.roles, ['admin']), ne(users.id, userId)));
  if ((row?.n ?? 0) > 0) return;
  if (field) throw new InputError(m.lastAdmin, { [field]: [m.lastAdmin] });
  throw new ConflictError(m.lastAdmin);
}

/**
 * What an audit event records about a user: the account name (already the audit trail's
 * actor name) but not display name or email, which an append-only trail could never erase.
 */
export function auditView(user: AuthUser) {
  return {
    username: user.username,
    roles: user.roles,
    active: user.active,
    // Named so the audit redaction (which hides keys that look like secrets) keeps it.
    forcedChange: user.mustChangePassword,
  };
}

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

function dedupe<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function sameSet<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** Stores a user's preferred language (null: follow the browser). */
export async function setUserLocale(actor: AuditActor, userId: string, locale: string | null): Promise<void> {
  if (locale !== null && !/^[a-z]{2}(-[A-Z]{2})?$/.test(locale)) throw new InputError(m.invalidInput, { locale: [m.invalidInput] });
  await getDb().transaction(async (tx) => {
    const before = await lockUser(tx, userId);
    if (before.locale === locale) return;
    await tx.update(users).set({ locale, updatedAt: new Date() }).where(eq(users.id, userId));
    await recordAudit(tx, {
      actor,
      action: 'user.locale.change',
      targetType: 'user',
      targetId: userId,
      before: { locale: before.locale },
      after: { locale },
    });
  });
}
