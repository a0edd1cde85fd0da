import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** queued → running → succeeded | failed | cancelled; failed → queued again on retry. */
export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];

/** States in which a job still holds its dedupe key. */
export const activeJobStates = ['queued', 'running'] as const;

export const jobStepStates = ['running', 'succeeded', 'failed'] as const;
export type JobStepState = (typeof jobStepStates)[number];

function sqlTextArray(values: readonly string[]) {
  return sql.raw(`array[${values.map((v) => `'${v}'`).join(', ')}]::text[]`);
}

/**
 * The durable job queue. A worker claims a due queued row (FOR UPDATE SKIP LOCKED), sets a
 * fresh `lease_token` and keeps `lease_expires_at` in the future by heartbeating; every
 * write a worker makes is fenced by that token, so a worker that lost its lease changes
 * nothing. Any worker turns rows with an expired lease back into queued ones.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** `<context>.<name>`, e.g. `privacy.erasure`; a handler is registered per type. */
    type: text('type').notNull(),
    payload: jsonb('payload').notNull().default({}),
    state: text('state', { enum: jobStates }).notNull().default('queued'),
    /** Higher runs first among due jobs. */
    priority: integer('priority').notNull().default(0),
    /** Not claimed before this instant; moved forward by backoff after a failed attempt. */
    runAt: timestamp('run_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** Attempts started (incremented at claim). */
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    leaseOwner: text('lease_owner'),
    /** Fencing token of the current claim; null unless running. */
    leaseToken: uuid('lease_token'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true, precision: 3 }),
    /** Set by cancelJob on a running job; the worker sees it at its next heartbeat or step. */
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true, precision: 3 }),
    progressDone: bigint('progress_done', { mode: 'number' }),
    progressTotal: bigint('progress_total', { mode: 'number' }),
    progressMessage: text('progress_message'),
    result: jsonb('result'),
    lastError: text('last_error'),
    dedupeKey: text('dedupe_key'),
    /** What the job works for (e.g. `erasure_request` + id): the UI finds a job's progress by it. */
    ownerType: text('owner_type'),
    ownerId: text('owner_id'),
    createdById: uuid('created_by_id'),
    createdBy: text('created_by').notNull().default('system'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    /** First time any attempt started. */
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    // The claim: due queued jobs, highest priority first, then oldest.
    index('jobs_claim_idx').on(t.priority.desc(), t.runAt, t.id).where(sql`state = 'queued'`),
    // The reaper: running jobs whose lease ran out.
    index('jobs_lease_expiry_idx').on(t.leaseExpiresAt).where(sql`state = 'running'`),
    // At most one active job per type and dedupe key.
    uniqueIndex('jobs_dedupe_key')
      .on(t.type, t.dedupeKey)
      .where(sql`dedupe_key is not null and state in ('queued', 'running')`),
    // The metrics' queue depth and the admin list filtered by type/state.
    index('jobs_type_state_idx').on(t.type, t.state, t.createdAt),
    // "The job of this erasure request": newest first per owner.
    index('jobs_owner_idx').on(t.ownerType, t.ownerId, t.createdAt),
    // The unfiltered list, newest first (keyset pagination).
    index('jobs_created_at_idx').on(t.createdAt, t.id),
    check('jobs_state_known', sql`${t.state} = any(${sqlTextArray(jobStates)})`),
    check('jobs_attempts_valid', sql`${t.attempts} >= 0 and ${t.maxAttempts} >= 1`),
    check('jobs_owner_complete', sql`(${t.ownerType} is null) = (${t.ownerId} is null)`),
    check(
      'jobs_lease_only_when_running',
      sql`${t.state} = 'running' or (${t.leaseToken} is null and ${t.leaseExpiresAt} is null)`,
    ),
  ],
);

/**
 * Steps of a job, recorded by `ctx.step(key, fn)`: a succeeded step is never run again for
 * the same job (not on a retry, not after a crash); its output is returned instead.
 */
export const jobSteps = pgTable(
  'job_steps',
  {
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    state: text('state', { enum: jobStepStates }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    output: jsonb('output'),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }),
    finishedAt: timestamp('finished_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    primaryKey({ name: 'job_steps_pkey', columns: [t.jobId, t.key] }),
    check('job_steps_state_known', sql`${t.state} = any(${sqlTextArray(jobStepStates)})`),
  ],
);
