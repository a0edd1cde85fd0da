import { sql } from 'drizzle-orm';
import client from 'prom-client';
import { singleton } from '../core/singleton';
import { type DatabaseHandle, getDatabaseHandle } from '../../db/client';
import { rowsOf } from '../../db/migrate';
import { activeJobStates } from '../../db/schema/jobs';
import { log } from '../core/log';
import { registeredJobTypes } from './registry';

interface QueueSnapshot {
  type: string;
  state: string;
  count: number;
  /** Seconds the longest-waiting due queued job has waited (queued rows only). */
  oldestAge: number | null;
}

let pending: Promise<QueueSnapshot[]> | undefined;

/**
 * One query serves both queue gauges of a scrape (prom-client collects them concurrently,
 * so the second joins the first's query while it is in flight). It reads only queued and
 * running rows, so a long history of finished jobs costs little.
 */
function queueSnapshot(): Promise<QueueSnapshot[]> {
  if (pending) return pending;
  let handle: DatabaseHandle;
  try {
    handle = getDatabaseHandle();
  } catch {
    return Promise.resolve([]); // scraped before start-up opened the database
  }
  const rows = handle.db
    .execute(
      sql`select type, state, count(*)::int as count,
            extract(epoch from now() - min(run_at) filter (where state = 'queued' and run_at <= now()))::float8 as oldest_age
          from jobs where state in ('queued', 'running') group by type, state`,
    )
    .then((result) =>
      rowsOf<{ type: string; state: string; count: number; oldest_age: number | string | null }>(result).map((r) => ({
        type: r.type,
        state: r.state,
        count: Number(r.count),
        oldestAge: r.oldest_age === null ? null : Number(r.oldest_age),
      })),
    )
    .catch((error: unknown) => {
      log.warn({ err: error }, 'could not read the job queue for metrics');
      return [];
    });
  pending = rows.finally(() => {
    pending = undefined;
  });
  return pending;
}

/** The jobs context's metrics, on prom-client's default registry (served at /metrics). */
export function jobMetrics() {
  return singleton('jobs-metrics', () => ({
    depth: new client.Gauge({
      name: 'leitstand_job_queue_depth',
      help: 'Jobs waiting (queued, including those scheduled later) or running, by type and state',
      labelNames: ['type', 'state'] as const,
      async collect() {
        const rows = await queueSnapshot();
        this.reset();
        // Zeros for the types this process knows, so an empty queue is a series, not a gap.
        for (const type of registeredJobTypes()) for (const state of activeJobStates) this.set({ type, state }, 0);
        for (const r of rows) this.set({ type: r.type, state: r.state }, r.count);
      },
    }),
    oldestQueuedAge: new client.Gauge({
      name: 'leitstand_job_oldest_queued_age_seconds',
      help: 'How long the oldest due queued job of each type has been waiting to be claimed',
      labelNames: ['type'] as const,
      async collect() {
        const rows = await queueSnapshot();
        this.reset();
        for (const r of rows) if (r.state === 'queued' && r.oldestAge !== null) this.set({ type: r.type }, r.oldestAge);
      },
    }),
    attemptDuration: new client.Histogram({
      name: 'leitstand_job_attempt_duration_seconds',
      help: 'Duration of job attempts run by this replica, by type and outcome',
      labelNames: ['type', 'outcome'] as const,
      buckets: [0.05, 0.25, 1, 5, 15, 60, 300, 900, 3600],
    }),
    failures: new client.Counter({
      name: 'leitstand_job_failures_total',
      help: 'Failed job attempts by type and kind (retry, timeout, permanent, exhausted, lease_lost, lease_expired)',
      labelNames: ['type', 'kind'] as const,
    }),
  }));
}

// Registered on load: whoever imports the jobs context gets its series on /metrics.
jobMetrics();
