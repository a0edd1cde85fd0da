import type { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

/**
 * The little a SQL connector needs from a PostgreSQL connection. Two implementations: a
 * postgres.js pool for real stores, and a PGlite instance (the same engine, in process),
 * which is how the pgvector connector is tested with PGlite's vector extension.
 */
export interface SqlClient {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A small pool to a store's PostgreSQL; errors never carry the URL. */
export function postgresSqlClient(url: string, options: { max?: number } = {}): SqlClient {
  const sql = postgres(url, {
    max: options.max ?? 2,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 30,
    prepare: false,
    connection: { application_name: 'leitstand-privacy' },
  });
  return {
    query: async <T>(text: string, params: unknown[] = []) =>
      (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])) as unknown as T[],
    close: () => sql.end({ timeout: 5 }),
  };
}

/** Wraps an open PGlite; closing is left to its owner. */
export function pgliteSqlClient(pg: PGlite): SqlClient {
  return {
    query: async <T>(text: string, params: unknown[] = []) => (await pg.query<T>(text, params)).rows,
    close: async () => {},
  };
}

/** Quotes an SQL identifier (doubling quotes), so a mapped name can never inject SQL. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `schema.table` or `table`, quoted. */
export function qualified(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? ident(name) : `${ident(name.slice(0, dot))}.${ident(name.slice(dot + 1))}`;
}
