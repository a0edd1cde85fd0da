import { eq } from 'drizzle-orm';
import { sessions } from '../../../db/schema/auth';
import {
  cleanupExpiredSessions,
  endAllSessions,
  endSession,
  resolveSession,
  touchIntervalMs,
} from '../../../server/auth';
import { sha256Hex } from '../../../server/auth/secrets';
import { getConfig } from '../../../server/config';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { auditEventsOf, createTestSession, createTestUser, sessionPrincipal } from '../../support/auth';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function sessionRow(idHash: string) {
  const [row] = await database.db.select().from(sessions).where(eq(sessions.idHash, idHash));
  return row;
}

async function backdate(idHash: string, fields: { lastSeenAt?: Date; expiresAt?: Date }) {
  await database.db.update(sessions).set(fields).where(eq(sessions.idHash, idHash));
}

describe('createSession', () => {
  it('stores only the SHA-256 of the cookie value, never the value itself', async () => {
    const user = await createTestUser();
    const s = await createTestSession(user);
    expect(s.cookieValue.length).toBeGreaterThanOrEqual(43);
    const row = await sessionRow(sha256Hex(s.cookieValue));
    expect(row).toBeDefined();
    expect(await sessionRow(s.cookieValue)).toBeUndefined();
    expect(JSON.stringify(row)).not.toContain(s.cookieValue);
  });

  it('sets the absolute expiry from LEITSTAND_SESSION_MAX_HOURS', async () => {
    const user = await createTestUser();
    const before = Date.now();
    const s = await createTestSession(user);
    const expected = before + getConfig().session.maxHours * 3_600_000;
    expect(Math.abs(s.expiresAt.getTime() - expected)).toBeLessThan(5_000);
  });
});

describe('resolveSession', () => {
  it('finds the user behind a live cookie, with the session’s CSRF token', async () => {
    const user = await createTestUser({ roles: ['operator'] });
    const s = await createTestSession(user);
    const resolved = await resolveSession(s.cookieValue);
    expect(resolved?.user.id).toBe(user.id);
    expect(resolved?.session.csrfToken).toBe(s.csrfToken);
  });

  it('returns null for unknown, empty and absurdly long cookies', async () => {
    expect(await resolveSession('not-a-session')).toBeNull();
    expect(await resolveSession('')).toBeNull();
    expect(await resolveSession(null)).toBeNull();
    expect(await resolveSession('x'.repeat(5000))).toBeNull();
  });

  it('ends a session idle longer than the idle timeout, and deletes it', async () => {
    const user = await createTestUser();
    const s = await createTestSession(user);
    const idle = getConfig().session.idleMinutes;
    await backdate(s.idHash, { lastSeenAt: new Date(Date.now() - (idle * 60_000 + 1_000)) });
    expect(await resolveSession(s.cookieValue)).toBeNull();
    expect(await sessionRow(s.idHash)).toBeUndefined();
  });

  it('keeps a session idle just under the idle timeout', async () => {
    const user = await createTestUser();
    const s = await createTestSession(user);
    const idle = getConfig().session.idleMinutes;
    await backdate(s.idHash, { lastSeenAt: new Date(Date.now() - (idle * 60_000 - 30_000)) });
    expect(await resolveSession(s.cookieValue)).not.toBeNull();
  });

  it('ends a session past its absolute expiry even when it was used a moment ago', async () => {
    const user = await createTestUser();
    const s = await createTestSession(user);
    await backdate(s.idHash, { expiresAt: new Date(Date.now() - 1_000) });
    expect(await resolveSession(s.cookieValue)).toBeNull();
    expect(await sessionRow(s.idHash)).toBeUndefined();
  });

  it('ends the session of a deactivated user', async () => {
    const user = await createTestUser({ active: false });
    const s = await createTestSession(user);
    expect(await resolveSession(s.cookieValue)).toBeNull();
    expect(await sessionRow(s.idHash)).toBeUndefined();
  });

  it('touches last_seen_at at most once a minute, not on every request', async () => {
    const user = await createTestUser();
    const s = await createTestSession(user);
    const created = (await sessionRow(s.idHash))!.lastSeenAt;
    await resolveSession(s.cookieValue, new Date(created.getTime() + 30_000));
    expect((await sessionRow(s.idHash))!.lastSeenAt.getTime()).toBe(created.getTime());
    const later = new Date(created.getTime() + touchIntervalMs + 1_000);
    const resolved = await resolveSession(s.cookieValue, later);
    expect(resolved?.session.lastSeenAt.getTime()).toBe(later.getTime());
    expect((await sessionRow(s.idHash))!.lastSeenAt.getTime()).toBe(later.getTime());
    await resolveSession(s.cookieValue, new Date(later.getTime() + 10_000));
    expect((await sessionRow(s.idHash))!.lastSeenAt.getTime()).toBe(later.getTime());
  });

  it('slides the idle timeout forward with use', async () => {
    const user = await createTestUser();
    const s = await createTestSession(user);
    const idleMs = getConfig().session.idleMinutes * 60_000;
    const start = (await sessionRow(s.idHash))!.lastSeenAt.getTime();
    // Used at 0.8 × idle, then again at 1.6 × idle: alive, because the first use refreshed it.
    expect(await resolveSession(s.cookieValue, new Date(start + idleMs * 0.8))).not.toBeNull();
    expect(await resolveSession(s.cookieValue, new Date(start + idleMs * 1.6))).not.toBeNull();
  });
});

describe('endSession and endAllSessions', () => {
  it('signs out one session and audits it', async () => {
    const user = await createTestUser();
    const a = await createTestSession(user);
    const b = await createTestSession(user);
    expect(await endSession(sessionPrincipal(user).actor, a.idHash)).toBe(true);
    expect(await resolveSession(a.cookieValue)).toBeNull();
    expect(await resolveSession(b.cookieValue)).not.toBeNull();
    expect(await endSession(sessionPrincipal(user).actor, a.idHash)).toBe(false);
    expect(await auditEventsOf({ action: 'auth.sign-out', targetId: user.id })).toHaveLength(1);
  });

  it('signs out everywhere, optionally keeping the current session', async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const [a, b, c] = [await createTestSession(user), await createTestSession(user), await createTestSession(user)];
    const foreign = await createTestSession(other);
    expect(await endAllSessions(sessionPrincipal(user).actor, user.id, { keepIdHash: a.idHash })).toBe(2);
    expect(await resolveSession(a.cookieValue)).not.toBeNull();
    expect(await resolveSession(b.cookieValue)).toBeNull();
    expect(await resolveSession(c.cookieValue)).toBeNull();
    expect(await endAllSessions(sessionPrincipal(user).actor, user.id)).toBe(1);
    expect(await resolveSession(a.cookieValue)).toBeNull();
    expect(await resolveSession(foreign.cookieValue)).not.toBeNull();
    const events = await auditEventsOf({ action: 'auth.sign-out-everywhere', targetId: user.id });
    expect(events.map((e) => (e.after as { sessionsEnded: number }).sessionsEnded)).toEqual([1, 2]);
  });
});

describe('cleanupExpiredSessions', () => {
  it('deletes sessions past either timeout and keeps live ones', async () => {
    const user = await createTestUser();
    const live = await createTestSession(user);
    const idle = await createTestSession(user);
    const old = await createTestSession(user);
    await backdate(idle.idHash, { lastSeenAt: new Date(Date.now() - getConfig().session.idleMinutes * 60_000 - 60_000) });
    await backdate(old.idHash, { expiresAt: new Date(Date.now() - 60_000) });
    expect(await cleanupExpiredSessions()).toBeGreaterThanOrEqual(2);
    expect(await sessionRow(live.idHash)).toBeDefined();
    expect(await sessionRow(idle.idHash)).toBeUndefined();
    expect(await sessionRow(old.idHash)).toBeUndefined();
  });
});
