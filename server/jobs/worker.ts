import crypto from 'node:crypto';
import os from 'node:os';
import type { PGlite } from '@electric-sql/pglite';
import type postgres from 'postgres';
import { type DatabaseHandle, getDatabaseHandle } from '../../db/client';
import { log } from '../core/log';
import { singleton } from '../core/singleton';
import { claimJobs, finishAttempt, JOBS_CHANNEL, type JobRow, reapExpiredLeases } from './lease';
import { jobMetrics } from './metrics';
import { getJobType, registeredJobTypes } from './registry';
import { JobRun, type RunResult } from './run';

export interface WorkerOptions {
  /** Jobs this worker runs at once. Default 4. */
  concurrency?: number;
  /** How often an idle worker looks for due jobs (NOTIFY usually wakes it sooner). Default 1000. */
  pollIntervalMs?: number;
  /** How long a claim stays valid without a heartbeat; heartbeats run every third of it. Default 30 s. */
  leaseMs?: number;
  /** Shown as lease_owner; default host name, pid and a random suffix. */
  workerId?: string;
  /** Default: the process database. */
  database?: DatabaseHandle;
  /** Minimum time between two progress writes of one job. Default 500. */
  progressIntervalMs?: number;
  /** How long stopWorkers waits for running jobs before interrupting them. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Wake on NOTIFY (both PostgreSQL and PGlite support it). Default true. */
  listen?: boolean;
}

interface Running {
  run: JobRun;
  done: Promise<RunResult>;
}

function positiveInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`Job worker option ${name} must be an integer from ${min} to ${max}; got ${value}.`);
  }
  return value;
}

/**
 * One replica's job worker: claims due jobs up to its concurrency, runs each as a JobRun,
 * and reaps expired leases of any worker. Every replica runs one; no leader is needed
 * because claims are row locks, not a role.
 */
export class JobWorker {
  readonly workerId: string;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly leaseMs: number;
  private readonly database: DatabaseHandle;
  private readonly progressIntervalMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly listenEnabled: boolean;
  /** Keyed by lease token: an abandoned run of a job and its next claim may overlap briefly. */
  private readonly running = new Map<string, Running>();
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private woken = false;
  private wakeSleeper: (() => void) | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private nextReapAt = 0;

  constructor(options: WorkerOptions = {}) {
    this.concurrency = positiveInteger('concurrency', options.concurrency ?? 4, 1, 256);
    this.pollIntervalMs = positiveInteger('pollIntervalMs', options.pollIntervalMs ?? 1000, 5, 3_600_000);
    this.leaseMs = positiveInteger('leaseMs', options.leaseMs ?? 30_000, 50, 3_600_000);
    this.progressIntervalMs = positiveInteger('progressIntervalMs', options.progressIntervalMs ?? 500, 0, 60_000);
    this.shutdownTimeoutMs = positiveInteger('shutdownTimeoutMs', options.shutdownTimeoutMs ?? 10_000, 0, 3_600_000);
    this.workerId =
      options.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
    this.database = options.database ?? getDatabaseHandle();
    this.listenEnabled = options.listen ?? true;
  }

  /** Ids of the jobs this worker is running now. */
  activeJobIds(): string[] {
    return [...this.running.values()].map((r) => r.run.id);
  }

  /** Subscribes to wake-ups and starts the claim loop. */
  async start(): Promise<void> {
    jobMetrics();
    if (this.listenEnabled) await this.listen();
    this.loopDone = this.loop();
    log.info(
      { workerId: this.workerId, concurrency: this.concurrency, leaseMs: this.leaseMs, listen: Boolean(this.unlisten) },
      'job worker started',
    );
  }

  /**
   * Stops claiming, lets running jobs finish for up to `timeoutMs`, then interrupts the
   * rest and hands their jobs back to the queue (the interrupted attempt does not count).
   */
  stop(timeoutMs = this.shutdownTimeoutMs): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.wake();
      await this.loopDone;
      await this.unlisten?.().catch((error: unknown) => log.warn({ err: error }, 'could not stop listening'));
      const all = () => Promise.all([...this.running.values()].map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        all().then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        for (const { run } of this.running.values()) run.interrupt('shutdown', 2_000);
        await all();
      }
      log.info({ workerId: this.workerId }, 'job worker stopped');
    })();
    return this.stopped;
  }

  private wake(): void {
    this.woken = true;
    this.wakeSleeper?.();
  }

  private async sleep(ms: number): Promise<void> {
    if (this.woken || this.stopping) {
      this.woken = false;
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.wakeSleeper = resolve;
      timer = setTimeout(resolve, ms);
    });
    clearTimeout(timer);
    this.wakeSleeper = undefined;
    this.woken = false;
  }

  private onNotification(payload: string | undefined): void {
    if (payload?.startsWith('cancel:')) {
      const id = payload.slice('cancel:'.length);
      for (const { run } of this.running.values()) if (run.id === id) run.interrupt('cancelled');
      return;
    }
    if (this.running.size < this.concurrency) this.wake();
  }

  private async listen(): Promise<void> {
    const client = (this.database.db as unknown as { $client: unknown }).$client;
    const onNotify = (payload: string | undefined) => this.onNotification(payload);
    try {
      if (this.database.kind === 'postgres') {
        // postgres.js keeps one dedicated connection for LISTEN and re-subscribes after reconnects.
        const subscription = await (client as postgres.Sql).listen(JOBS_CHANNEL, onNotify);
        this.unlisten = () => subscription.unlisten();
      } else {
        this.unlisten = await (client as PGlite).listen(JOBS_CHANNEL, onNotify);
      }
    } catch (error) {
      log.warn({ err: error }, 'LISTEN failed; the job worker relies on polling alone');
    }
  }

  // Expired leases are rare; looking for them every half lease keeps idle polling to one
  // cheap index probe per interval while still recovering a crashed worker's job promptly.
  private reapIntervalMs(): number {
    return Math.min(Math.max(this.leaseMs / 2, 25), 60_000);
  }

  private async loop(): Promise<void> {
    const db = this.database.db;
    let failures = 0;
    while (!this.stopping) {
      try {
        if (Date.now() >= this.nextReapAt) {
          this.nextReapAt = Date.now() + this.reapIntervalMs();
          const reaped = await reapExpiredLeases(db);
          for (const job of reaped) {
            jobMetrics().failures.inc({ type: job.type, kind: 'lease_expired' });
            log.warn({ job: job.id, jobType: job.type, state: job.state }, 'took back a job whose lease expired');
          }
        }
        const free = this.concurrency - this.running.size;
        const types = registeredJobTypes();
        if (free > 0 && types.length > 0) {
          const claimed = await claimJobs(db, { workerId: this.workerId, types, limit: free, leaseMs: this.leaseMs });
          for (const row of claimed) {
            if (this.stopping) await finishAttempt(db, row.id, row.leaseToken!, { kind: 'released' });
            else this.launch(row);
          }
          // A full batch suggests more is due: look again at once (if slots are left).
          if (claimed.length === free && claimed.length > 0) this.woken = true;
        }
        failures = 0;
      } catch (error) {
        failures += 1;
        log.warn({ err: error, failures }, 'job worker could not poll the queue');
      }
      const backoff = failures > 0 ? Math.min(this.pollIntervalMs * 2 ** Math.min(failures, 10), 30_000) : 0;
      await this.sleep(Math.max(backoff, Math.min(this.pollIntervalMs, Math.max(this.nextReapAt - Date.now(), 0))));
    }
  }

  private launch(row: JobRow): void {
    const jobType = getJobType(row.type);
    const token = row.leaseToken!;
    if (!jobType) {
      // Only registered types are claimed, so this is a race with a redefinition; give it back.
      void finishAttempt(this.database.db, row.id, token, { kind: 'released' }).catch(() => {});
      return;
    }
    const run = new JobRun(this.database.db, row, jobType, {
      leaseMs: this.leaseMs,
      progressIntervalMs: this.progressIntervalMs,
      graceMs: Math.min(5_000, this.leaseMs),
    });
    const done = run.execute().finally(() => {
      this.running.delete(token);
      this.wake();
    });
    this.running.set(token, { run, done });
  }
}

const workers = singleton('jobs-workers', () => new Set<JobWorker>());

/** Starts a job worker in this process (the server starts one per replica through jobsLifecycle). */
export async function startWorkers(options: WorkerOptions = {}): Promise<JobWorker> {
  const worker = new JobWorker(options);
  workers.add(worker);
  await worker.start();
  return worker;
}

/** Gracefully stops every worker this process started (see JobWorker.stop). */
export async function stopWorkers(options: { timeoutMs?: number } = {}): Promise<void> {
  const all = [...workers];
  workers.clear();
  await Promise.all(all.map((w) => w.stop(options.timeoutMs)));
}
