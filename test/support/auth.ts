import { desc, eq } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { auditEvents } from '../../db/schema/audit';
import { type Role, users } from '../../db/schema/auth';
import {
  actorFor,
  type AuthUser,
  createSession,
  hashPassword,
  permissionsOf,
  type Principal,
  sessionCookieName,
} from '../../server/auth';
import { toAuthUser } from '../../server/auth/users';

/** Cheap scrypt cost for fixtures; real sign-ins re-hash at today's cost as they should. */
export const fixtureScrypt = { ln: 10, r: 8, p: 1 };

let counter = 0;

export interface TestUser extends AuthUser {
  password: string;
}

/** Inserts a user directly (fast), with a known password. */
export async function createTestUser(
  options: {
    username?: string;
    roles?: Role[];
    password?: string;
    active?: boolean;
    mustChangePassword?: boolean;
  } = {},
): Promise<TestUser> {
  counter += 1;
  const password = options.password ?? `correct horse ${counter} battery`;
  const [row] = await getDb()
    .insert(users)
    .values({
      username: options.username ?? `user${counter}-${Math.random().toString(36).slice(2, 8)}`,
      displayName: `Test User ${counter}`,
      roles: options.roles ?? [],
      active: options.active ?? true,
      mustChangePassword: options.mustChangePassword ?? false,
      passwordHash: await hashPassword(password, fixtureScrypt),
    })
    .returning();
  return { ...toAuthUser(row!), password };
}

/** Starts a session for a user; returns the Cookie header value and its CSRF token. */
export async function createTestSession(user: Pick<AuthUser, 'id'>) {
  const session = await getDb().transaction((tx) => createSession(tx, user.id, { clientAddress: '127.0.0.1' }));
  return { ...session, cookie: `${sessionCookieName}=${encodeURIComponent(session.cookieValue)}` };
}

/** A session principal for calling services directly. */
export function sessionPrincipal(user: AuthUser): Principal {
  return {
    via: 'session',
    user,
    permissions: permissionsOf(user.roles),
    session: { idHash: 'test', csrfToken: 'test', expiresAt: new Date(Date.now() + 3_600_000) },
    actor: actorFor(user, { requestId: 'test-request', clientAddress: '127.0.0.1' }),
  };
}

/** Audit events, newest first, optionally of one action or target. */
export async function auditEventsOf(filter: { action?: string; targetId?: string } = {}) {
  const rows = await getDb().select().from(auditEvents).orderBy(desc(auditEvents.id));
  return rows.filter(
    (r) => (!filter.action || r.action === filter.action) && (!filter.targetId || r.targetId === filter.targetId),
  );
}

/** The stored row of a user (for asserting what was written). */
export async function userRow(id: string) {
  const [row] = await getDb().select().from(users).where(eq(users.id, id));
  return row;
}
