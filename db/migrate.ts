import path from 'node:path';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { projectRoot } from '../server/core/paths';
import type { Database } from './client';

export const migrationsFolder = path.join(projectRoot(), 'migrations');

/** Arbitrary but fixed: the advisory-lock key that serialises migrations across replicas. */
const MIGRATION_LOCK_KEY = 7_420_311_001;

export interface MigrationResult {
  applied: number;
  total: number;
}

/**
 * Applies drizzle-kit's migrations in one transaction holding a PostgreSQL advisory lock,
 * so replicas starting together never race: the second waits, then finds nothing to do.
 */
export async function migrate(db: Database, folder = migrationsFolder): Promise<MigrationResult> {
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.execute(sql`create schema if not exists leitstand_meta`);
    await tx.execute(sql`
      create table if not exists leitstand_meta.migrations (
        hash text primary key,
        created_at bigint not null,
        applied_at timestamptz not null default now()
      )`);
    const rows = await tx.execute<{ hash: string }>(sql`select hash from leitstand_meta.migrations`);
    const done = new Set(rowsOf<{ hash: string }>(rows).map((r) => r.hash));
    let applied = 0;
    for (const migration of migrations) {
      if (done.has(migration.hash)) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.execute(
        sql`insert into leitstand_meta.migrations (hash, created_at) values (${migration.hash}, ${migration.folderMillis})`,
      );
      applied += 1;
    }
    return { applied, total: migrations.length };
  });
}

/** Number of migrations in the folder that the database has not applied yet. */
export async function pendingMigrations(db: Database, folder = migrationsFolder): Promise<number> {
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  try {
    const rows = await db.execute<{ hash: string }>(sql`select hash from leitstand_meta.migrations`);
    const done = new Set(rowsOf<{ hash: string }>(rows).map((r) => r.hash));
    return migrations.filter((m) => !done.has(m.hash)).length;
  } catch {
    return migrations.length;
  }
}

/** postgres.js returns an array, PGlite an object with rows: accept both. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
