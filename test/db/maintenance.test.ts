import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { embeddedMaintenanceLifecycle, maintainTables } from '../../db/maintenance';
import { rowsOf } from '../../db/migrate';
import { createTestDatabase, type TestDatabase } from '../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const statisticsOf = async (table: string) =>
  rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from pg_stats where tablename = ${table}`))[0]!.n;

describe('maintainTables', () => {
  it('vacuums and analyses a table never analysed, then again only once it has grown by more than a tenth', async () => {
    await database.db.execute(sql`create table maintenance_probe (id int primary key, note text)`);
    await database.db.execute(sql`insert into maintenance_probe select g, 'row ' || g from generate_series(1, 2000) g`);
    expect(await statisticsOf('maintenance_probe')).toBe(0);

    expect((await maintainTables(database.db)).tables).toContain('maintenance_probe');
    expect(await statisticsOf('maintenance_probe')).toBeGreaterThan(0);
    expect((await maintainTables(database.db)).tables).not.toContain('maintenance_probe');

    // 100 more rows of 2,000 is 5 %: not yet.
    await database.db.execute(sql`insert into maintenance_probe select g, 'row ' || g from generate_series(2001, 2100) g`);
    expect((await maintainTables(database.db)).tables).not.toContain('maintenance_probe');

    // Rewriting every row (an update makes new row versions) doubles the table: due.
    await database.db.execute(sql`update maintenance_probe set note = note || ' changed'`);
    expect((await maintainTables(database.db)).tables).toContain('maintenance_probe');
    const [after] = rowsOf<{ tuples: number }>(
      await database.db.execute(sql`select reltuples::int as tuples from pg_class where relname = 'maintenance_probe'`),
    );
    expect(after!.tuples).toBe(2100);
  });

  it('leaves empty tables alone (a freshly migrated database has nothing to do)', async () => {
    await database.db.execute(sql`create table maintenance_empty (id int primary key)`);
    expect((await maintainTables(database.db)).tables).not.toContain('maintenance_empty');
  });
});

describe('embeddedMaintenanceLifecycle', () => {
  it('checks an embedded database after start-up and does nothing on a PostgreSQL server', async () => {
    await database.db.execute(sql`create table maintenance_lifecycle (id int primary key)`);
    await database.db.execute(sql`insert into maintenance_lifecycle select generate_series(1, 500)`);
    const info = vi.fn();
    const error = vi.fn();
    const lifecycle = embeddedMaintenanceLifecycle(() => database, { info, error }, 60_000);
    await lifecycle.start();
    if (database.kind === 'pglite') {
      await vi.waitFor(() => expect(info).toHaveBeenCalled(), { timeout: 5_000 });
      const [fields, message] = info.mock.calls[0]! as [{ tables: string[] }, string];
      expect(message).toBe('embedded database vacuumed and analysed');
      expect(fields.tables).toContain('maintenance_lifecycle');
      expect(await statisticsOf('maintenance_lifecycle')).toBeGreaterThan(0);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(info).not.toHaveBeenCalled();
    }
    await lifecycle.stop();
    expect(error).not.toHaveBeenCalled();
  });
});
