import { and, asc, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { type Database, type Executor, getDb, type Tx } from '../../db/client';
import { type JobState, jobStates, jobs, jobSteps, type JobStepState } from '../../db/schema/jobs';
import { type AuditActor, recordAudit, systemActor } from '../audit';
import { ConflictError, type FieldErrors, InputError, NotFoundError } from '../core/errors';
import { isUniqueViolation } from './errors';
import { JOBS_CHANNEL, type JobRow } from './lease';
import { getJobType } from './registry';
import type { JobOwner, JobType } from './types';

/** Largest payload accepted, as JSON: jobs carry references, not data. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export interface EnqueueJobInput<P = unknown> {
  /** A registered type name, or the handle defineJobType returned (type-checks the payload). */
  type: string | JobType<P>;
  payload?: P;
  /** Not before this instant (default now). */
  runAt?: Date;
  /** Higher runs first among due jobs (default 0). */
  priority?: number;
  /** Default: the type's maxAttempts (5). */
  maxAttempts?: number;
  /** While a job of this type with this key is queued or running, enqueueing again returns it. */
  dedupeKey?: string;
  owner?: JobOwner;
  /** The person asking; given → recorded as creator and audited (`job.enqueue`). */
  actor?: AuditActor;
}

const enqueueSchema = z.object({
  runAt: z.date({ error: 'must be a date' }).refine((d) => !Number.isNaN(d.getTime()), 'must be a valid date').optional(),
  priority: z.number().int('must be a whole number').min(-1000).max(1000).optional(),
  maxAttempts: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100).optional(),
  dedupeKey: z.string().min(1, 'must not be empty').max(200, 'at most 200 characters').optional(),
  owner: z
    .object({
      type: z.string().min(1, 'must not be empty').max(100, 'at most 100 characters'),
      id: z.string().min(1, 'must not be empty').max(200, 'at most 200 characters'),
    })
    .optional(),
});

function fieldErrorsOf(error: z.ZodError, prefix = ''): FieldErrors {
  const fieldErrors: FieldErrors = {};
  for (const issue of error.issues) {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || prefix || 'input';
    (fieldErrors[path] ??= []).push(issue.message);
  }
  return fieldErrors;
}

function isTransaction(executor: Executor): executor is Tx {
  return typeof (executor as Partial<Tx>).rollback === 'function';
}

async function notify(executor: Executor, message: string): Promise<void> {
  // Delivered when the surrounding transaction commits, and never if it rolls back.
  await executor.execute(sql`select pg_notify(${JOBS_CHANNEL}, ${message})`);
}

/**
 * Adds a job inside the caller's transaction, so it exists exactly when the change that
 * asked for it commits. With a dedupe key, an active job of the same type and key is
 * returned instead of a new one (`created: false`).
 */
export async function enqueueJob<P>(
  executor: Executor,
  input: EnqueueJobInput<P>,
): Promise<{ id: string; created: boolean }> {
  if (input.actor && !isTransaction(executor)) {
    // The audit event must share the job's transaction.
    return (executor as Database).transaction((tx) => enqueueJob(tx, input));
  }
  const typeName = typeof input.type === 'string' ? input.type : input.type.type;
  const jobType = getJobType(typeName);
  if (!jobType) {
    throw new InputError(`There is no job type "${typeName}".`, {
      type: [`"${typeName}" is not a registered job type; define it with defineJobType first.`],
    });
  }
  const parsed = enqueueSchema.safeParse(input);
  if (!parsed.success) throw new InputError('The job cannot be queued as given.', fieldErrorsOf(parsed.error));
  let payload: unknown = input.payload ?? {};
  if (jobType.definition.payload) {
    const checked = jobType.definition.payload.safeParse(payload);
    if (!checked.success) {
      throw new InputError(`The payload of a "${typeName}" job is not valid.`, fieldErrorsOf(checked.error, 'payload'));
    }
    payload = checked.data;
  }
  const json = JSON.stringify(payload);
  if (json === undefined) throw new InputError('The payload must be JSON.', { payload: ['must be JSON'] });
  if (Buffer.byteLength(json) > MAX_PAYLOAD_BYTES) {
    throw new InputError('The payload is too large.', {
      payload: [`at most ${MAX_PAYLOAD_BYTES / 1024} KiB as JSON; store the data elsewhere and pass its id`],
    });
  }
  const actor = input.actor ?? systemActor;
  const values = {
    type: typeName,
    payload: JSON.parse(json) as unknown,
    priority: input.priority ?? 0,
    maxAttempts: input.maxAttempts ?? jobType.maxAttempts,
    dedupeKey: input.dedupeKey ?? null,
    ownerType: input.owner?.type ?? null,
    ownerId: input.owner?.id ?? null,
    createdById: actor.id,
    createdBy: actor.name,
    ...(input.runAt ? { runAt: input.runAt } : {}),
  };

  let id: string | undefined;
  let created = false;
  // The existing job can finish between the conflicting insert and the look-up; then insert again.
  for (let round = 0; round < 3 && !id; round++) {
    const [inserted] = await executor
      .insert(jobs)
      .values(values)
      .onConflictDoNothing({
        target: [jobs.type, jobs.dedupeKey],
        where: sql`dedupe_key is not null and state in ('queued', 'running')`,
      })
      .returning({ id: jobs.id });
    if (inserted) {
      id = inserted.id;
      created = true;
    } else {
      const [existing] = await executor
        .select({ id: jobs.id })
        .from(jobs)
        .where(
          and(eq(jobs.type, typeName), eq(jobs.dedupeKey, values.dedupeKey!), inArray(jobs.state, ['queued', 'running'])),
        );
      id = existing?.id;
    }
  }
  if (!id) throw new ConflictError('The job could not be queued while its duplicate kept changing; try again.');
  if (!created) return { id, created };

  if (!input.runAt || input.runAt.getTime() <= Date.now()) await notify(executor, 'queued');
  if (input.actor) {
    await recordAudit(executor as Tx, {
      actor: input.actor,
      action: 'job.enqueue',
      targetType: 'job',
      targetId: id,
      // Never the payload: it may name the very person an erasure is about.
      after: { type: typeName, owner: input.owner ?? null, dedupeKey: values.dedupeKey, runAt: input.runAt ?? null },
    });
  }
  return { id, created };
}

/** What the UI shows of a job. `progress` is null until the handler first reports it. */
export interface JobView {
  id: string;
  type: string;
  state: JobState;
  priority: number;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
  progress: { done: number; total: number; message: string | null } | null;
  result: unknown;
  lastError: string | null;
  dedupeKey: string | null;
  owner: JobOwner | null;
  createdBy: { id: string | null; name: string };
  createdAt: Date;
  updatedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** A cancel was asked for while the job ran; it ends as cancelled once the handler stops. */
  cancelRequested: boolean;
}

export interface JobStepView {
  key: string;
  state: JobStepState;
  attempts: number;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobDetail extends JobView {
  payload: unknown;
  /** In the order they first started. */
  steps: JobStepView[];
}

function toView(row: JobRow): JobView {
  return {
    id: row.id,
    type: row.type,
    state: row.state,
    priority: row.priority,
    runAt: row.runAt,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    progress:
      row.progressDone === null || row.progressTotal === null
        ? null
        : { done: row.progressDone, total: row.progressTotal, message: row.progressMessage },
    result: row.result,
    lastError: row.lastError,
    dedupeKey: row.dedupeKey,
    owner: row.ownerType !== null && row.ownerId !== null ? { type: row.ownerType, id: row.ownerId } : null,
    createdBy: { id: row.createdById, name: row.createdBy },
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    leaseOwner: row.leaseOwner,
    leaseExpiresAt: row.leaseExpiresAt,
    cancelRequested: row.cancelRequestedAt !== null,
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A job with its steps, or null when there is none with this id. */
export async function getJob(id: string, executor: Executor = getDb()): Promise<JobDetail | null> {
  if (!uuidPattern.test(id)) return null;
  const [row] = await executor.select().from(jobs).where(eq(jobs.id, id));
  if (!row) return null;
  const steps = await executor
    .select({
      key: jobSteps.key,
      state: jobSteps.state,
      attempts: jobSteps.attempts,
      error: jobSteps.error,
      startedAt: jobSteps.startedAt,
      finishedAt: jobSteps.finishedAt,
    })
    .from(jobSteps)
    .where(eq(jobSteps.jobId, id))
    .orderBy(asc(jobSteps.createdAt), asc(jobSteps.key));
  return { ...toView(row), payload: row.payload, steps };
}

/** A recorded step with its output (JSON, as the handler returned it). */
export interface JobStepRecord {
  key: string;
  state: JobStepState;
  attempts: number;
  output: unknown;
  error: string | null;
}

/**
 * The steps of a job with their outputs, optionally only keys starting with `keyPrefix`, in
 * the order they first started. For the job's own context, which knows what its outputs
 * mean (pages get `getJob`, which leaves outputs out).
 */
export async function listJobSteps(jobId: string, options: { keyPrefix?: string } = {}, executor: Executor = getDb()): Promise<JobStepRecord[]> {
  if (!uuidPattern.test(jobId)) return [];
  const where = options.keyPrefix
    ? and(eq(jobSteps.jobId, jobId), sql`starts_with(${jobSteps.key}, ${options.keyPrefix})`)
    : eq(jobSteps.jobId, jobId);
  return executor
    .select({ key: jobSteps.key, state: jobSteps.state, attempts: jobSteps.attempts, output: jobSteps.output, error: jobSteps.error })
    .from(jobSteps)
    .where(where)
    .orderBy(asc(jobSteps.createdAt), asc(jobSteps.key));
}

export interface ListJobsFilters {
  type?: string | string[];
  state?: JobState | JobState[];
  owner?: { type: string; id?: string };
  /** Default 50, at most 200. */
  limit?: number;
  /** nextCursor of the previous page. */
  cursor?: string;
}

const listSchema = z.object({
  type: z.union([z.string().min(1), z.array(z.string().min(1)).max(50)]).optional(),
  state: z.union([z.enum(jobStates), z.array(z.enum(jobStates))]).optional(),
  owner: z.object({ type: z.string().min(1).max(100), id: z.string().min(1).max(200).optional() }).optional(),
  limit: z.number().int('must be a whole number').min(1, 'at least 1').max(200, 'at most 200').optional(),
  cursor: z.string().max(200).optional(),
});

function encodeCursor(row: { createdAt: Date; id: string }): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  return Number.isNaN(createdAt.getTime()) || !id || !uuidPattern.test(id) ? null : { createdAt, id };
}

/** Jobs newest first, filtered; keyset-paginated through `nextCursor`. */
export async function listJobs(
  filters: ListJobsFilters = {},
  executor: Executor = getDb(),
): Promise<{ jobs: JobView[]; nextCursor: string | null }> {
  const parsed = listSchema.safeParse(filters);
  if (!parsed.success) throw new InputError('The job filters are not valid.', fieldErrorsOf(parsed.error));
  const f = parsed.data;
  const limit = f.limit ?? 50;
  const where: (SQL | undefined)[] = [];
  if (f.type !== undefined) where.push(inArray(jobs.type, Array.isArray(f.type) ? f.type : [f.type]));
  if (f.state !== undefined) where.push(inArray(jobs.state, Array.isArray(f.state) ? f.state : [f.state]));
  if (f.owner) {
    where.push(eq(jobs.ownerType, f.owner.type));
    if (f.owner.id !== undefined) where.push(eq(jobs.ownerId, f.owner.id));
  }
  if (f.cursor !== undefined) {
    const after = decodeCursor(f.cursor);
    if (!after) throw new InputError('The page cursor is not valid.', { cursor: ['start again from the first page'] });
    where.push(or(lt(jobs.createdAt, after.createdAt), and(eq(jobs.createdAt, after.createdAt), lt(jobs.id, after.id))));
  }
  const rows = await executor
    .select()
    .from(jobs)
    .where(and(...where))
    .orderBy(desc(jobs.createdAt), desc(jobs.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { jobs: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

async function inTransaction<T>(tx: Tx | undefined, work: (tx: Tx) => Promise<T>): Promise<T> {
  return tx ? work(tx) : getDb().transaction(work);
}

async function lockJob(tx: Tx, id: string): Promise<JobRow> {
  const [row] = uuidPattern.test(id) ? await tx.select().from(jobs).where(eq(jobs.id, id)).for('update') : [];
  if (!row) throw new NotFoundError('There is no such job.');
  return row;
}

/**
 * Cancels a job: a queued one at once; a running one cooperatively (its handler's signal
 * aborts, and the job ends as cancelled when the handler stops). Audited as `job.cancel`.
 */
export async function cancelJob(id: string, actor: AuditActor, tx?: Tx): Promise<JobView> {
  return inTransaction(tx, async (tx) => {
    const row = await lockJob(tx, id);
    if (row.state === 'running' && row.cancelRequestedAt) return toView(row);
    if (row.state !== 'queued' && row.state !== 'running') {
      throw new ConflictError(`This job has already ended (${row.state}); there is nothing to cancel.`);
    }
    const [updated] = await tx
      .update(jobs)
      .set(
        row.state === 'queued'
          ? { state: 'cancelled', finishedAt: sql`now()`, updatedAt: sql`now()` }
          : { cancelRequestedAt: sql`now()`, updatedAt: sql`now()` },
      )
      .where(eq(jobs.id, row.id))
      .returning();
    if (row.state === 'running') await notify(tx, `cancel:${row.id}`);
    await recordAudit(tx, {
      actor,
      action: 'job.cancel',
      targetType: 'job',
      targetId: row.id,
      before: { type: row.type, state: row.state },
      after: { state: updated!.state, cancelRequested: updated!.cancelRequestedAt !== null },
    });
    return toView(updated!);
  });
}

/**
 * Queues a failed job again with a fresh set of attempts; steps that succeeded stay done
 * and are skipped. Audited as `job.retry`.
 */
export async function retryJob(id: string, actor: AuditActor, tx?: Tx): Promise<JobView> {
  return inTransaction(tx, async (tx) => {
    const row = await lockJob(tx, id);
    if (row.state !== 'failed') {
      throw new ConflictError(`Only failed jobs can be retried; this one is ${row.state}.`);
    }
    let updated: JobRow | undefined;
    try {
      // A savepoint, so a duplicate's unique violation leaves the caller's transaction usable.
      updated = await tx.transaction(async (sp) => {
        const [u] = await sp
          .update(jobs)
          .set({
            state: 'queued',
            attempts: 0,
            runAt: sql`now()`,
            lastError: null,
            finishedAt: null,
            cancelRequestedAt: null,
            updatedAt: sql`now()`,
          })
          .where(eq(jobs.id, row.id))
          .returning();
        return u;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('Another job with the same dedupe key is already queued or running.');
      }
      throw error;
    }
    await notify(tx, 'queued');
    await recordAudit(tx, {
      actor,
      action: 'job.retry',
      targetType: 'job',
      targetId: row.id,
      before: { type: row.type, state: row.state, attempts: row.attempts, lastError: row.lastError },
      after: { state: 'queued' },
    });
    return toView(updated!);
  });
}

/**
 * Deletes jobs (and their steps) that ended before `finishedBefore`; queued and running jobs
 * are never touched. Audited as `job.purge` with the count. Returns how many were deleted.
 */
export async function purgeFinishedJobs(
  input: { finishedBefore: Date; actor: AuditActor; type?: string },
  tx?: Tx,
): Promise<number> {
  if (Number.isNaN(input.finishedBefore.getTime())) {
    throw new InputError('The purge needs a valid date.', { finishedBefore: ['must be a valid date'] });
  }
  return inTransaction(tx, async (tx) => {
    const deleted = await tx
      .delete(jobs)
      .where(
        and(
          inArray(jobs.state, ['succeeded', 'failed', 'cancelled']),
          lt(jobs.finishedAt, input.finishedBefore),
          input.type === undefined ? undefined : eq(jobs.type, input.type),
        ),
      )
      .returning({ id: jobs.id });
    if (deleted.length > 0) {
      await recordAudit(tx, {
        actor: input.actor,
        action: 'job.purge',
        targetType: 'job',
        after: { count: deleted.length, finishedBefore: input.finishedBefore, type: input.type ?? null },
      });
    }
    return deleted.length;
  });
}
