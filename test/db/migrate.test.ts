import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, pendingMigrations, rowsOf } from '../../db/migrate';
import { createTestDatabase, rejectionText, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('migrate', () => {
  it('finds nothing pending on a migrated database', async () => {
    expect(await pendingMigrations(database.db)).toBe(0);
    expect((await migrate(database.db)).applied).toBe(0);
  });

  it('lets concurrent callers serialise on the advisory lock without applying twice', async () => {
    const results = await Promise.all([migrate(database.db), migrate(database.db), migrate(database.db)]);
    expect(results.map((r) => r.applied)).toEqual([0, 0, 0]);
    const rows = rowsOf<{ n: number }>(
      await database.db.execute(sql`select count(*)::int as n from leitstand_meta.migrations`),
    );
    expect(rows[0]!.n).toBe(results[0]!.total);
  });

  it('refuses to update or delete audit events', async () => {
    await database.db.execute(sql`
      insert into audit_events (occurred_at, actor_name, actor_roles, action, target_type, prev_hash, hash)
      values (now(), 'system', '{}', 'test.event', 'test', '', 'x')`);
    expect(await rejectionText(database.db.execute(sql`update audit_events set action = 'changed'`))).toMatch(
      /append-only: UPDATE/,
    );
    expect(await rejectionText(database.db.execute(sql`delete from audit_events`))).toMatch(/append-only: DELETE/);
  });
});
