import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { Tx } from '../../db/client';
import type { BackoffPolicy } from './backoff';

/** What a job works for, e.g. `{ type: 'erasure_request', id }`; the UI finds jobs by it. */
export interface JobOwner {
  type: string;
  id: string;
}

/** What a handler receives. Everything it writes is fenced by the lease it runs under. */
export interface JobContext<P = unknown> {
  job: {
    id: string;
    type: string;
    /** 1 on the first attempt; counts across crashes and retries. */
    attempt: number;
    maxAttempts: number;
    owner: JobOwner | null;
    createdBy: { id: string | null; name: string };
  };
  payload: P;
  /**
   * Aborted when the job is cancelled, the attempt times out, the lease is lost or the
   * worker stops; `signal.reason` is a JobInterruptedError saying which. Pass it on to
   * fetch and friends, check it between units of work.
   */
  signal: AbortSignal;
  /** A child logger carrying job id, type and attempt (never the payload). */
  log: Logger;
  /**
   * Runs `fn` once per job: when a step with this key already succeeded (in an earlier
   * attempt, or before a crash) its recorded output is returned and `fn` is not called.
   * `fn` must be idempotent: a crash after its effect but before the record runs it again.
   * The output is stored as JSON and returned as JSON (Dates become strings) either way.
   */
  step<T>(key: string, fn: () => T | Promise<T>): Promise<T>;
  /**
   * Like step, but `fn` runs inside a transaction that also records the step, so its
   * database writes happen exactly once. Use only `tx` inside, and keep it short: on PGlite
   * the transaction holds the only connection, so any other query waits for it to end.
   */
  stepInTransaction<T>(key: string, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** What the progress bar shows; written at most every few hundred ms (the last value always). */
  setProgress(done: number, total: number, message?: string): Promise<void>;
  /** Extends the lease now and throws if the job was cancelled or the lease lost. */
  heartbeat(): Promise<void>;
}

export interface JobTypeDefinition<P = unknown, R = unknown> {
  /** Its return value is stored as the job's result (JSON). */
  handler: (ctx: JobContext<P>) => Promise<R>;
  /** Validates the payload at enqueue (InputError) and again before each attempt. */
  payload?: ZodType<P>;
  /** Aborts an attempt that runs longer (counted as a failed attempt). No limit by default. */
  timeoutMs?: number;
  /** Delay between attempts; defaults to 5 s doubling up to 15 min, with jitter. */
  backoff?: Partial<BackoffPolicy>;
  /** Default for enqueueJob's maxAttempts (5). */
  maxAttempts?: number;
}

/** A registered job type; pass it as `type` to enqueueJob to have the payload type-checked. */
export interface JobType<P = unknown> {
  readonly type: string;
  /** Phantom: carries the payload type, never set. */
  readonly payloadType?: P;
}
