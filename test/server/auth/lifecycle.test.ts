import { eq } from 'drizzle-orm';
import { sessions, signInThrottle, users } from '../../../db/schema/auth';
import { authLifecycle, runAuthCleanup, throttleKeys } from '../../../server/auth';
import { recordFailure } from '../../../server/auth/throttle';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { createTestSession, createTestUser } from '../../support/auth';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('authLifecycle', () => {
  it('creates the first admin at start and removes expired sessions and stale counters', async () => {
    const user = await createTestUser();
    const expired = await createTestSession(user);
    const live = await createTestSession(user);
    await database.db.update(sessions).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(sessions.idHash, expired.idHash));
    const [key] = throttleKeys(`stale-${Date.now()}`, null);
    await recordFailure([key!], new Date(Date.now() - 3 * 86_400_000));

    const lifecycle = authLifecycle();
    await lifecycle.start();
    try {
      expect(await database.db.select().from(users).where(eq(users.username, 'admin'))).toHaveLength(1);
      const remaining = (await database.db.select().from(sessions)).map((s) => s.idHash);
      expect(remaining).toContain(live.idHash);
      expect(remaining).not.toContain(expired.idHash);
      expect(await database.db.select().from(signInThrottle).where(eq(signInThrottle.key, key!.key))).toHaveLength(0);
      expect(await runAuthCleanup()).toEqual({ sessions: 0, throttle: 0 });
    } finally {
      await lifecycle.stop();
    }
  });
});
