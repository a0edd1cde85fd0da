import { and, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Tx } from '../../db/client';
import { jobs, jobSteps } from '../../db/schema/jobs';
import { log } from '../core/log';
import { retryDelay } from './backoff';
import { errorText, isJobInterruption, isPermanentError, type InterruptionKind, JobInterruptedError, PermanentJobError } from './errors';
import {
  type AttemptOutcome,
  beginStep,
  completedSteps,
  endStep,
  finishAttempt,
  type JobRow,
  renewLease,
  writeProgress,
} from './lease';
import { jobMetrics } from './metrics';
import type { RegisteredJobType } from './registry';
import type { JobContext } from './types';

export interface RunOptions {
  leaseMs: number;
  /** Minimum time between two progress writes. */
  progressIntervalMs: number;
  /** How long an interrupted handler gets to stop before the worker records the outcome anyway. */
  graceMs: number;
}

/** How the handler ended: returned, threw, or ignored an interruption past the grace period. */
type Settled = { ok: true; value: unknown } | { ok: false; error: unknown } | { abandoned: true };

/** What became of an attempt, from this worker's point of view. */
export type RunResult = AttemptOutcome['kind'] | 'lost';

const STEP_KEY_MAX = 200;

/** JSON in, JSON out: what a step or handler returns is what a resumed run gets back. */
function asJson(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as unknown);
}

/**
 * One attempt of one claimed job: builds the handler's context, keeps the lease alive,
 * watches for cancel and timeout, and records how the attempt ended.
 */
export class JobRun {
  readonly id: string;
  private readonly token: string;
  private readonly controller = new AbortController();
  private interruption: JobInterruptedError | undefined;
  private interrupted: (() => void) | undefined;
  private readonly interruptedPromise: Promise<void>;
  private graceMs: number;
  private readonly log: Logger;
  /** Conservative local view of the lease: renewal time before the query was sent + leaseMs. */
  private leaseDeadline: number;
  private readonly usedStepKeys = new Set<string>();
  private completed = new Map<string, unknown>();
  private progress: { done: number; total: number; message: string | null } | undefined;
  private progressWritten = 0;
  private progressTimer: NodeJS.Timeout | undefined;
  private progressChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Database,
    private readonly row: JobRow,
    private readonly jobType: RegisteredJobType,
    private readonly options: RunOptions,
  ) {
    this.id = row.id;
    this.token = row.leaseToken!;
    this.graceMs = options.graceMs;
    this.leaseDeadline = Date.now() + options.leaseMs;
    this.log = log.child({ job: row.id, jobType: row.type, attempt: row.attempts });
    this.interruptedPromise = new Promise((resolve) => {
      this.interrupted = resolve;
    });
  }

  /** Aborts the handler's signal (first reason wins); `graceMs` overrides how long it may take to stop. */
  interrupt(kind: InterruptionKind, graceMs?: number): void {
    if (graceMs !== undefined) this.graceMs = Math.min(this.graceMs, graceMs);
    if (this.interruption) return;
    this.interruption = new JobInterruptedError(kind);
    this.log.info({ reason: kind }, 'job interrupted');
    this.controller.abort(this.interruption);
    this.interrupted?.();
  }

  /** Runs the attempt to its end and records the outcome; never throws. */
  async execute(): Promise<RunResult> {
    const started = performance.now();
    const heartbeat = setInterval(() => void this.renew().catch(() => {}), Math.max(10, this.options.leaseMs / 3));
    const timeout = this.jobType.definition.timeoutMs
      ? setTimeout(() => this.interrupt('timeout'), this.jobType.definition.timeoutMs)
      : undefined;
    let result: RunResult;
    try {
      const settled = await this.runHandler();
      clearInterval(heartbeat);
      clearTimeout(timeout);
      result = await this.record(settled);
    } catch (error) {
      // Only the database writes above can land here; the lease will expire and the
      // reaper hands the job to another worker.
      this.log.warn({ err: error }, 'could not record the end of a job attempt');
      result = 'lost';
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timeout);
      clearTimeout(this.progressTimer);
    }
    jobMetrics().attemptDuration.observe(
      { type: this.row.type, outcome: result },
      (performance.now() - started) / 1000,
    );
    return result;
  }

  private async runHandler(): Promise<Settled> {
    const handled = (async () => {
      this.completed = await completedSteps(this.db, this.id);
      let payload: unknown = this.row.payload;
      const schema = this.jobType.definition.payload;
      if (schema) {
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          throw new PermanentJobError(`The payload no longer matches its schema: ${parsed.error.message}`);
        }
        payload = parsed.data;
      }
      return this.jobType.definition.handler(this.context(payload));
    })().then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    // A handler that ignores its signal is not waited for forever: after the grace period
    // the outcome is recorded and the lease released; whatever it still writes is fenced off.
    const abandoned = this.interruptedPromise.then(
      () =>
        new Promise<{ abandoned: true }>((resolve) => {
          setTimeout(() => resolve({ abandoned: true }), this.graceMs).unref();
        }),
    );
    const settled = await Promise.race([handled, abandoned]);
    if ('abandoned' in settled) this.log.warn({ graceMs: this.graceMs }, 'handler ignored its abort signal; moving on');
    return settled;
  }

  private async record(settled: Settled): Promise<RunResult> {
    if (this.interruption?.kind === 'lease-lost') {
      jobMetrics().failures.inc({ type: this.row.type, kind: 'lease_lost' });
      return 'lost';
    }
    const outcome = this.decide(settled);
    await this.flushProgress();
    if (!(await finishAttempt(this.db, this.id, this.token, outcome))) {
      this.log.warn({ outcome: outcome.kind }, 'lease lost before the outcome could be recorded');
      return 'lost';
    }
    this.log.info({ outcome: outcome.kind }, 'job attempt finished');
    return outcome.kind;
  }

  private decide(settled: Settled): AttemptOutcome {
    const reason = this.interruption?.kind;
    if ('ok' in settled && settled.ok) {
      try {
        // Finished work is recorded as finished, whatever was asked meanwhile.
        return { kind: 'succeeded', result: asJson(settled.value) };
      } catch (error) {
        return this.failure(new PermanentJobError(`The handler's result is not JSON: ${errorText(error)}`));
      }
    }
    if (reason === 'shutdown') return { kind: 'released' };
    if (reason === 'cancelled') return { kind: 'cancelled' };
    if (reason === 'timeout') {
      return this.failure(new JobInterruptedError('timeout', `(${this.jobType.definition.timeoutMs} ms)`), 'timeout');
    }
    return this.failure('error' in settled ? settled.error : new Error('handler did not settle'));
  }

  /** Retry with backoff, or fail for good when the error is permanent or no attempt is left. */
  private failure(error: unknown, kind: 'retry' | 'timeout' = 'retry'): AttemptOutcome {
    const message = errorText(error);
    let outcome: AttemptOutcome;
    if (isPermanentError(error)) {
      outcome = { kind: 'failed', error: message };
      jobMetrics().failures.inc({ type: this.row.type, kind: 'permanent' });
    } else if (this.row.attempts >= this.row.maxAttempts) {
      outcome = { kind: 'failed', error: message };
      jobMetrics().failures.inc({ type: this.row.type, kind: 'exhausted' });
    } else {
      outcome = { kind: 'retry', error: message, delayMs: retryDelay(this.row.attempts, this.jobType.backoff) };
      jobMetrics().failures.inc({ type: this.row.type, kind });
    }
    this.log.warn({ err: error, outcome: outcome.kind }, 'job attempt failed');
    return outcome;
  }

  /** Renews the lease; interrupts on loss or cancel. Throws the interruption if there is one. */
  private async renew(): Promise<void> {
    if (this.interruption?.kind === 'lease-lost') throw this.interruption;
    const sentAt = Date.now();
    let renewed;
    try {
      renewed = await renewLease(this.db, this.id, this.token, this.options.leaseMs);
    } catch (error) {
      // The database is unreachable: the lease may be running out without our knowing.
      if (Date.now() >= this.leaseDeadline) this.interrupt('lease-lost');
      throw error;
    }
    if (!renewed) {
      this.interrupt('lease-lost');
    } else {
      this.leaseDeadline = sentAt + this.options.leaseMs;
      if (renewed.cancelRequested) this.interrupt('cancelled');
    }
    this.controller.signal.throwIfAborted();
  }

  private context(payload: unknown): JobContext<unknown> {
    const row = this.row;
    return {
      job: {
        id: row.id,
        type: row.type,
        attempt: row.attempts,
        maxAttempts: row.maxAttempts,
        owner: row.ownerType !== null && row.ownerId !== null ? { type: row.ownerType, id: row.ownerId } : null,
        createdBy: { id: row.createdById, name: row.createdBy },
      },
      payload,
      signal: this.controller.signal,
      log: this.log,
      step: (key, fn) => this.step(key, fn),
      stepInTransaction: (key, fn) => this.stepInTransaction(key, fn),
      setProgress: (done, total, message) => this.setProgress(done, total, message),
      heartbeat: () => this.renew(),
    };
  }

  private claimStepKey(key: string): void {
    if (typeof key !== 'string' || key.length === 0 || key.length > STEP_KEY_MAX) {
      throw new TypeError(`A step key must be 1–${STEP_KEY_MAX} characters.`);
    }
    // Reusing a key in one run would silently return the first step's output on resume.
    if (this.usedStepKeys.has(key)) throw new TypeError(`Step "${key}" was used twice in one job.`);
    this.usedStepKeys.add(key);
  }

  private lost(): never {
    this.interrupt('lease-lost');
    throw this.interruption!;
  }

  private async step<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
    this.claimStepKey(key);
    if (this.completed.has(key)) return this.completed.get(key) as T;
    // No new work once interrupted. (Cancels arrive through NOTIFY and heartbeats; the
    // fenced beginStep notices a lost lease.)
    this.controller.signal.throwIfAborted();
    if (!(await beginStep(this.db, this.id, this.token, key))) this.lost();
    let output: unknown;
    try {
      output = asJson(await fn());
    } catch (error) {
      await endStep(this.db, this.id, this.token, key, { state: 'failed', error: errorText(error) }).catch(
        (writeError: unknown) => this.log.warn({ err: writeError, step: key }, 'could not record a failed step'),
      );
      throw error;
    }
    if (!(await endStep(this.db, this.id, this.token, key, { state: 'succeeded', output }))) this.lost();
    this.completed.set(key, output);
    return output as T;
  }

  private async stepInTransaction<T>(key: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    this.claimStepKey(key);
    if (this.completed.has(key)) return this.completed.get(key) as T;
    this.controller.signal.throwIfAborted();
    let output: unknown;
    try {
      output = await this.db.transaction(async (tx) => {
        // Renewing inside the transaction locks the job row until commit: the lease cannot
        // be reaped half-way, so the writes and the step record land together or not at all.
        const [held] = await tx
          .update(jobs)
          .set({ leaseExpiresAt: sql`now() + ${Math.round(this.options.leaseMs)}::integer * interval '1 millisecond'` })
          .where(and(eq(jobs.id, this.id), eq(jobs.leaseToken, this.token), eq(jobs.state, 'running')))
          .returning({ cancelRequestedAt: jobs.cancelRequestedAt });
        if (!held) this.lost();
        if (held.cancelRequestedAt) {
          this.interrupt('cancelled');
          throw this.interruption!;
        }
        const value = asJson(await fn(tx));
        await tx
          .insert(jobSteps)
          .values({
            jobId: this.id,
            key,
            state: 'succeeded',
            attempts: 1,
            output: value,
            startedAt: sql`now()`,
            finishedAt: sql`now()`,
          })
          .onConflictDoUpdate({
            target: [jobSteps.jobId, jobSteps.key],
            set: {
              state: 'succeeded',
              attempts: sql`${jobSteps.attempts} + 1`,
              output: value,
              error: null,
              startedAt: sql`now()`,
              finishedAt: sql`now()`,
            },
          });
        return value;
      });
    } catch (error) {
      if (!isJobInterruption(error)) {
        // The transaction rolled back; keep a trace of the failure outside it.
        await this.recordFailedTransactionalStep(key, error).catch((writeError: unknown) =>
          this.log.warn({ err: writeError, step: key }, 'could not record a failed step'),
        );
      }
      throw error;
    }
    this.completed.set(key, output);
    return output as T;
  }

  private async recordFailedTransactionalStep(key: string, error: unknown): Promise<void> {
    if (await beginStep(this.db, this.id, this.token, key)) {
      await endStep(this.db, this.id, this.token, key, { state: 'failed', error: errorText(error) });
    }
  }

  private setProgress(done: number, total: number, message?: string): Promise<void> {
    if (!Number.isFinite(done) || !Number.isFinite(total) || done < 0 || total < 0) {
      throw new RangeError('Progress needs finite, non-negative numbers.');
    }
    this.progress = {
      done: Math.round(done),
      total: Math.round(total),
      message: message === undefined ? null : message.slice(0, 500),
    };
    const wait = this.progressWritten + this.options.progressIntervalMs - Date.now();
    if (wait <= 0) return this.flushProgress();
    // Throttled: the latest value is written when the interval is over (or at the end).
    this.progressTimer ??= setTimeout(() => {
      this.progressTimer = undefined;
      void this.flushProgress().catch(() => {});
    }, wait);
    return Promise.resolve();
  }

  private flushProgress(): Promise<void> {
    clearTimeout(this.progressTimer);
    this.progressTimer = undefined;
    const next = this.progressChain.then(async () => {
      const progress = this.progress;
      if (!progress || this.interruption?.kind === 'lease-lost') return;
      this.progress = undefined;
      this.progressWritten = Date.now();
      if (!(await writeProgress(this.db, this.id, this.token, progress))) this.lost();
    });
    this.progressChain = next.catch(() => {});
    return next;
  }
}
