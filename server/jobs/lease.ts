import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client';
import { jobs, jobSteps } from '../../db/schema/jobs';

/**
 * The SQL a worker runs on rows it holds. Every write is fenced by the lease token of the
 * claim: a worker whose lease expired (and whose job another worker may now run) changes
 * nothing, it only learns that it lost.
 */

export type JobRow = typeof jobs.$inferSelect;

/** The channel of NOTIFY wake-ups: `queued` when work is due, `cancel:<id>` on a cancel. */
export const JOBS_CHANNEL = 'leitstand_jobs';

function leaseInterval(leaseMs: number) {
  return sql`now() + ${Math.round(leaseMs)}::integer * interval '1 millisecond'`;
}

function heldBy(id: string, token: string) {
  return and(eq(jobs.id, id), eq(jobs.leaseToken, token), eq(jobs.state, 'running'));
}

export interface ClaimOptions {
  workerId: string;
  types: readonly string[];
  limit: number;
  leaseMs: number;
}

/**
 * Claims up to `limit` due jobs of the given types in one statement. SKIP LOCKED lets
 * concurrent claimers pass over each other's rows instead of queueing behind them;
 * `= any(array(subquery))` makes PostgreSQL run the locking subquery exactly once.
 */
export async function claimJobs(db: Database, options: ClaimOptions): Promise<JobRow[]> {
  if (options.limit < 1 || options.types.length === 0) return [];
  const due = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.state, 'queued'), lte(jobs.runAt, sql`now()`), inArray(jobs.type, [...options.types])))
    // Matches jobs_claim_idx (priority desc nulls last, run_at, id).
    .orderBy(sql`${jobs.priority} desc nulls last`, asc(jobs.runAt), asc(jobs.id))
    .limit(options.limit)
    .for('update', { skipLocked: true });
  const claimed = await db
    .update(jobs)
    .set({
      state: 'running',
      attempts: sql`${jobs.attempts} + 1`,
      leaseOwner: options.workerId,
      leaseToken: sql`gen_random_uuid()`,
      leaseExpiresAt: leaseInterval(options.leaseMs),
      startedAt: sql`coalesce(${jobs.startedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(sql`${jobs.id} = any(array(${due}))`)
    .returning();
  return claimed.sort((a, b) => b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime());
}

export interface ReapedJob {
  id: string;
  type: string;
  state: JobRow['state'];
}

/**
 * Takes back running jobs whose lease expired (their worker died or hung): queued again
 * to run at once, or failed when that was the last attempt, or cancelled when a cancel
 * was asked for. Any worker may run it; SKIP LOCKED keeps reapers out of each other's way.
 */
export async function reapExpiredLeases(db: Database, limit = 100): Promise<ReapedJob[]> {
  const expired = db
    .select({ id: jobs.id })
    .from(jobs)
    .where(and(eq(jobs.state, 'running'), sql`${jobs.leaseExpiresAt} < now()`))
    .orderBy(asc(jobs.leaseExpiresAt))
    .limit(limit)
    .for('update', { skipLocked: true });
  const outcome = sql`case when ${jobs.cancelRequestedAt} is not null then 'cancelled'
    when ${jobs.attempts} >= ${jobs.maxAttempts} then 'failed' else 'queued' end`;
  return db
    .update(jobs)
    .set({
      state: sql`${outcome}`,
      lastError: sql`case when ${jobs.cancelRequestedAt} is not null then ${jobs.lastError}
        else 'Worker ' || coalesce(${jobs.leaseOwner}, '?') || ' stopped renewing its lease during attempt '
          || ${jobs.attempts} || ' (crashed or hung).' end`,
      finishedAt: sql`case when ${outcome} = 'queued' then null else now() end`,
      runAt: sql`now()`,
      leaseOwner: null,
      leaseToken: null,
      leaseExpiresAt: null,
      updatedAt: sql`now()`,
    })
    .where(sql`${jobs.id} = any(array(${expired}))`)
    .returning({ id: jobs.id, type: jobs.type, state: jobs.state });
}

/** Extends the lease. null: the lease is gone (expired and reaped, or the job was finished). */
export async function renewLease(
  db: Database,
  id: string,
  token: string,
  leaseMs: number,
): Promise<{ cancelRequested: boolean } | null> {
  const [row] = await db
    .update(jobs)
    .set({ leaseExpiresAt: leaseInterval(leaseMs) })
    .where(heldBy(id, token))
    .returning({ cancelRequestedAt: jobs.cancelRequestedAt });
  return row ? { cancelRequested: row.cancelRequestedAt !== null } : null;
}

/** Writes the progress bar's numbers. false: the lease is gone. */
export async function writeProgress(
  db: Database,
  id: string,
  token: string,
  progress: { done: number; total: number; message: string | null },
): Promise<boolean> {
  const rows = await db
    .update(jobs)
    .set({
      progressDone: progress.done,
      progressTotal: progress.total,
      progressMessage: progress.message,
      updatedAt: sql`now()`,
    })
    .where(heldBy(id, token))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** How an attempt ended, as the worker records it. */
export type AttemptOutcome =
  | { kind: 'succeeded'; result: unknown }
  | { kind: 'failed'; error: string }
  | { kind: 'retry'; error: string; delayMs: number }
  | { kind: 'cancelled' }
  /** The worker stops: back to the queue, and the interrupted attempt does not count. */
  | { kind: 'released' };

/**
 * Records the end of an attempt and gives up the lease. A failure on a job someone asked
 * to cancel ends as cancelled rather than being retried. false: the lease was already gone.
 */
export async function finishAttempt(db: Database, id: string, token: string, outcome: AttemptOutcome): Promise<boolean> {
  const free = { leaseOwner: null, leaseToken: null, leaseExpiresAt: null, updatedAt: sql`now()` } as const;
  let set: PgUpdateSetSource<typeof jobs>;
  switch (outcome.kind) {
    case 'succeeded':
      set = { state: 'succeeded', result: outcome.result, lastError: null, finishedAt: sql`now()` };
      break;
    case 'failed':
      set = {
        state: sql`case when ${jobs.cancelRequestedAt} is not null then 'cancelled' else 'failed' end`,
        lastError: outcome.error,
        finishedAt: sql`now()`,
      };
      break;
    case 'retry':
      set = {
        state: sql`case when ${jobs.cancelRequestedAt} is not null then 'cancelled' else 'queued' end`,
        lastError: outcome.error,
        runAt: sql`now() + ${Math.round(outcome.delayMs)}::integer * interval '1 millisecond'`,
        finishedAt: sql`case when ${jobs.cancelRequestedAt} is not null then now() else null end`,
      };
      break;
    case 'cancelled':
      set = { state: 'cancelled', finishedAt: sql`now()` };
      break;
    case 'released':
      set = { state: 'queued', attempts: sql`greatest(${jobs.attempts} - 1, 0)`, runAt: sql`now()` };
      break;
  }
  const rows = await db
    .update(jobs)
    .set({ ...set, ...free })
    .where(heldBy(id, token))
    .returning({ id: jobs.id });
  return rows.length > 0;
}

/** Outputs of the steps of a job that already succeeded. */
export async function completedSteps(db: Database, jobId: string): Promise<Map<string, unknown>> {
  const rows = await db
    .select({ key: jobSteps.key, output: jobSteps.output })
    .from(jobSteps)
    .where(and(eq(jobSteps.jobId, jobId), eq(jobSteps.state, 'succeeded')));
  return new Map(rows.map((r) => [r.key, r.output]));
}

/** Records that a step starts (another attempt of it). false: the lease is gone. */
export async function beginStep(db: Database, jobId: string, token: string, key: string): Promise<boolean> {
  const rows = await db
    .insert(jobSteps)
    .select(
      db
        .select({
          jobId: jobs.id,
          key: sql`${key}`.as('key'),
          state: sql`'running'`.as('state'),
          attempts: sql`1`.as('attempts'),
          output: sql`null::jsonb`.as('output'),
          error: sql`null::text`.as('error'),
          createdAt: sql`now()`.as('created_at'),
          startedAt: sql`now()`.as('started_at'),
          finishedAt: sql`null::timestamptz`.as('finished_at'),
        })
        .from(jobs)
        .where(heldBy(jobId, token)),
    )
    .onConflictDoUpdate({
      target: [jobSteps.jobId, jobSteps.key],
      set: {
        state: 'running',
        attempts: sql`${jobSteps.attempts} + 1`,
        error: null,
        startedAt: sql`now()`,
        finishedAt: null,
      },
    })
    .returning({ key: jobSteps.key });
  return rows.length > 0;
}

/** Records how a step ended. false: the lease is gone (the record is not written). */
export async function endStep(
  db: Database,
  jobId: string,
  token: string,
  key: string,
  end: { state: 'succeeded'; output: unknown } | { state: 'failed'; error: string },
): Promise<boolean> {
  const rows = await db
    .update(jobSteps)
    .set({
      state: end.state,
      output: end.state === 'succeeded' ? end.output : null,
      error: end.state === 'failed' ? end.error : null,
      finishedAt: sql`now()`,
    })
    .where(
      and(
        eq(jobSteps.jobId, jobId),
        eq(jobSteps.key, key),
        sql`exists (select 1 from ${jobs} where ${heldBy(jobId, token)})`,
      ),
    )
    .returning({ key: jobSteps.key });
  return rows.length > 0;
}
