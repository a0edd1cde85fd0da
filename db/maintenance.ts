import { sql } from 'drizzle-orm';
import type { Database, DatabaseHandle } from './client';
import { rowsOf } from './migrate';

/**
 * Autovacuum for embedded PGlite.
 *
 * PGlite runs PostgreSQL in single-user mode inside this process, so no autovacuum launcher
 * runs: tables are never analysed and dead rows never reclaimed. Without statistics the
 * planner guesses, and guesses badly: a registry search over 2,000 models × 10 versions,
 * planned before any statistics existed, took 18 ms (a bitmap AND over the stage index,
 * once per model) where it takes 1.4 ms after one ANALYZE.
 *
 * Nor does PGlite publish the table counters autovacuum decides by (`n_mod_since_analyze`,
 * `n_dead_tup` stay 0: its single-user loop never flushes them). So the rule here is by
 * size, which the catalogue does know: a table is vacuumed and analysed when it has never
 * been (`reltuples` < 0 with pages on disk), or when it has grown by more than 10 % (at
 * least one page) beyond the `relpages` its last VACUUM or ANALYZE recorded. Updates grow a
 * table too (new row versions), so churn is caught; VACUUM makes the dead space reusable,
 * so a table that churns in place settles. A server with PostgreSQL needs none of this.
 */

const growthFactor = 0.1;

/** How often the embedded database is checked (autovacuum_naptime's default). */
export const maintenanceIntervalMs = 60_000;

export interface MaintenanceResult {
  /** The tables vacuumed and analysed. */
  tables: string[];
  ms: number;
}

interface TableSize {
  name: string;
  tuples: number;
  pagesThen: number;
  pagesNow: number;
}

/** VACUUM (ANALYZE) each table of the current schema that was never analysed or has grown since. */
export async function maintainTables(db: Database): Promise<MaintenanceResult> {
  const started = performance.now();
  const sizes = rowsOf<TableSize>(
    await db.execute(sql`
      select c.relname as name, c.reltuples::float8 as tuples, c.relpages as "pagesThen",
             (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as "pagesNow"
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r'
      order by c.relname`),
  );
  const tables: string[] = [];
  for (const table of sizes) {
    const now = Number(table.pagesNow);
    const then = Number(table.pagesThen);
    const stale = Number(table.tuples) < 0 ? now > 0 : now - then > Math.max(1, growthFactor * then);
    if (!stale) continue;
    await db.execute(sql`vacuum (analyze) ${sql.identifier(table.name)}`);
    tables.push(table.name);
  }
  return { tables, ms: Math.round(performance.now() - started) };
}

interface Logger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Start and stop hooks (structurally a server/http Lifecycle) that keep an embedded database
 * analysed and vacuumed: a check right after start-up, then every minute. On PostgreSQL
 * they do nothing; the server's autovacuum does the work.
 */
export function embeddedMaintenanceLifecycle(
  handle: () => DatabaseHandle,
  log: Logger,
  intervalMs = maintenanceIntervalMs,
): { start(): Promise<void>; stop(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const check = () => {
    if (running) return;
    running = maintainTables(handle().db)
      .then((result) => {
        if (result.tables.length) log.info(result, 'embedded database vacuumed and analysed');
      })
      .catch((error: unknown) => log.error({ err: error }, 'embedded database maintenance failed'))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    async start() {
      if (handle().kind !== 'pglite') return;
      // After the server listens: a first check must not delay readiness.
      timer = setTimeout(function tick() {
        check();
        timer = setTimeout(tick, intervalMs);
        timer.unref();
      }, 1_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
