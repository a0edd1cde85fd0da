import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { peekSingleton, setSingleton } from '../server/core/singleton';
import * as schema from './schema';

export type Schema = typeof schema;
/** The drizzle database, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; the same query API as Database. */
export type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or an open transaction, for functions that work inside both. */
export type Executor = Database | Tx;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Where it lives, without credentials (for logs and the status page). */
  description: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A postgres:// URL; without one, embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite's data directory; undefined keeps it in memory. */
  dataDir?: string | undefined;
  poolSize?: number;
  /** A ready PGlite instance (tests load one from a migrated snapshot). */
  pglite?: PGlite;
}

/** Opens PostgreSQL through postgres.js when a URL is given, else embedded PGlite. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      connection: { application_name: 'leitstand' },
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Database;
    const u = new URL(options.url);
    return {
      db,
      kind: 'postgres',
      description: `postgresql://${u.hostname}:${u.port || 5432}${u.pathname}`,
      close: () => client.end({ timeout: 5 }),
    };
  }
  let pg = options.pglite;
  if (!pg) {
    if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
    pg = await PGlite.create(options.dataDir ? { dataDir: options.dataDir } : {});
  }
  const client = pg;
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    description: options.dataDir ? `embedded PGlite at ${options.dataDir}` : 'embedded PGlite (in memory)',
    close: () => client.close(),
  };
}

/** Makes a handle the process database. */
export function setDatabase(handle: DatabaseHandle): void {
  setSingleton('database', handle);
}

/** The process database handle; throws when start-up has not opened one. */
export function getDatabaseHandle(): DatabaseHandle {
  const handle = peekSingleton<DatabaseHandle>('database');
  if (!handle) throw new Error('The database is not open yet.');
  return handle;
}

/** The process database. */
export function getDb(): Database {
  return getDatabaseHandle().db;
}
