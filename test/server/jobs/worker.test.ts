import { and, eq, sql } from 'drizzle-orm';
import client from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../../db/client';
import { rowsOf } from '../../../db/migrate';
import { auditEvents } from '../../../db/schema/audit';
import { parseConfig } from '../../../server/config';
import { InputError } from '../../../server/core/errors';
import {
  cancelJob,
  createJobsLifecycle,
  defineJobType,
  enqueueJob,
  getJob,
  type JobContext,
  type JobDetail,
  type JobInterruptedError,
  jobsLifecycle,
  listJobSteps,
  PermanentJobError,
  retryJob,
  startWorkers,
  stopWorkers,
  type WorkerOptions,
} from '../../../server/jobs';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { alice, gate, uniqueType, waitFor, waitForState } from './helpers';

let database: TestDatabase;
/** A second connection pool on a PostgreSQL server; the same PGlite otherwise (one connection). */
let second: DatabaseHandle;
beforeAll(async () => {
  database = await createTestDatabase();
  second = database.url ? await openDatabase({ url: database.url, poolSize: 4 }) : database;
});
afterEach(() => stopWorkers({ timeoutMs: 1000 }));
afterAll(async () => {
  if (second !== database) await second.close();
  await database.close();
});

const fast: WorkerOptions = { pollIntervalMs: 20, leaseMs: 1000, progressIntervalMs: 0 };

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

describe('running a job', () => {
  it('runs its steps in order and stores the result', async () => {
    const type = uniqueType('steps');
    const order: string[] = [];
    defineJobType<{ n: number }>(type, {
      handler: async (ctx) => {
        const a = await ctx.step('double', () => {
          order.push('double');
          return ctx.payload.n * 2;
        });
        const b = await ctx.step('at', () => {
          order.push('at');
          return { at: new Date(0) };
        });
        return { a, b, attempt: ctx.job.attempt };
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type, payload: { n: 21 } });
    const job = await waitForState(id, ['succeeded']);
    expect(order).toEqual(['double', 'at']);
    // Outputs are JSON both on a fresh run and on resume: the Date is a string already.
    expect(job.result).toEqual({ a: 42, b: { at: '1970-01-01T00:00:00.000Z' }, attempt: 1 });
    expect(job.steps.map((s) => [s.key, s.state, s.attempts])).toEqual([
      ['double', 'succeeded', 1],
      ['at', 'succeeded', 1],
    ]);
    expect(job).toMatchObject({ attempts: 1, lastError: null, leaseOwner: null, leaseExpiresAt: null });
    expect(job.finishedAt).toBeInstanceOf(Date);
  });

  it('gives the owning context its steps with their outputs, by key prefix (getJob leaves outputs out)', async () => {
    const type = uniqueType('outputs');
    defineJobType(type, {
      maxAttempts: 1,
      handler: async (ctx) => {
        await ctx.step('pod:a', () => ({ name: 'a' }));
        await ctx.step('pod:b', () => ({ name: 'b' }));
        await ctx.step('other', () => 1);
        await ctx.step('pod:c', () => {
          throw new Error('c refused');
        });
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type, payload: {} });
    const job = await waitForState(id, ['failed']);
    expect(job.steps[0]).not.toHaveProperty('output');
    expect((await listJobSteps(id, { keyPrefix: 'pod:' })).map((s) => [s.key, s.state, s.output, s.error])).toEqual([
      ['pod:a', 'succeeded', { name: 'a' }, null],
      ['pod:b', 'succeeded', { name: 'b' }, null],
      ['pod:c', 'failed', null, 'c refused'],
    ]);
    expect((await listJobSteps(id)).map((s) => s.key).sort()).toEqual(['other', 'pod:a', 'pod:b', 'pod:c']);
    expect(await listJobSteps('not-a-uuid')).toEqual([]);
  });

  it('refuses a step key used twice in one job (its output would be wrong on resume)', async () => {
    const type = uniqueType('dup-step');
    defineJobType(type, {
      handler: async (ctx) => {
        await ctx.step('same', () => 1);
        await ctx.step('same', () => 2);
      },
      maxAttempts: 1,
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type });
    expect((await waitForState(id, ['failed'])).lastError).toMatch(/used twice/);
  });

  it('retries with exponential backoff, then succeeds without re-running finished steps', async () => {
    const type = uniqueType('backoff');
    const attemptsAt: number[] = [];
    const seenOnRetry: JobDetail[] = [];
    let prepared = 0;
    defineJobType(type, {
      backoff: { baseMs: 150, maxMs: 10_000 },
      handler: async (ctx) => {
        attemptsAt.push(Date.now());
        // What the previous failure left on the row, as a page would have shown it.
        if (ctx.job.attempt > 1) seenOnRetry.push((await getJob(ctx.job.id))!);
        await ctx.step('prepare', () => ++prepared);
        if (ctx.job.attempt < 3) throw new Error(`flaky store (attempt ${ctx.job.attempt})`);
        return 'done';
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type });
    const job = await waitForState(id, ['succeeded']);
    expect(job).toMatchObject({ attempts: 3, result: 'done', lastError: null });
    expect(prepared).toBe(1);
    expect(seenOnRetry.map((j) => j.lastError)).toEqual(['flaky store (attempt 1)', 'flaky store (attempt 2)']);
    // Equal jitter: at least half of base·2^(n-1) between attempts, as scheduled in run_at.
    expect(seenOnRetry[0]!.runAt.getTime() - attemptsAt[0]!).toBeGreaterThanOrEqual(75);
    expect(seenOnRetry[1]!.runAt.getTime() - attemptsAt[1]!).toBeGreaterThanOrEqual(150);
    expect(attemptsAt[1]! - attemptsAt[0]!).toBeGreaterThanOrEqual(75);
    expect(attemptsAt[2]! - attemptsAt[1]!).toBeGreaterThanOrEqual(150);
  });

  it('fails at once on a permanent error, however many attempts are left', async () => {
    const type = uniqueType('permanent');
    let runs = 0;
    defineJobType(type, {
      backoff: { baseMs: 10, maxMs: 10 },
      handler: async () => {
        runs += 1;
        throw new InputError('The data store no longer exists.');
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type, maxAttempts: 5 });
    const job = await waitForState(id, ['failed']);
    expect(job).toMatchObject({ attempts: 1, lastError: 'InputError: The data store no longer exists.' });
    expect(runs).toBe(1);
  });

  it('fails with the last error once every attempt is used', async () => {
    const type = uniqueType('exhausted');
    defineJobType(type, {
      backoff: { baseMs: 10, maxMs: 20 },
      handler: async (ctx) => {
        throw new Error(`timeout talking to the store (#${ctx.job.attempt})`);
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type, maxAttempts: 3 });
    const job = await waitForState(id, ['failed']);
    expect(job).toMatchObject({ attempts: 3, lastError: 'timeout talking to the store (#3)' });
  });

  it('fails an attempt that outlives the type timeout', async () => {
    const type = uniqueType('timeout');
    let reason: unknown;
    defineJobType(type, {
      timeoutMs: 100,
      handler: async (ctx) => {
        try {
          await untilAborted(ctx.signal);
        } catch (error) {
          reason = error;
          throw error;
        }
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type, maxAttempts: 1 });
    const job = await waitForState(id, ['failed']);
    expect(job.lastError).toMatch(/longer than the job type allows/);
    expect((reason as JobInterruptedError).kind).toBe('timeout');
  });

  it('shows progress while the job runs, and keeps the last value', async () => {
    const type = uniqueType('progress');
    const proceed = gate();
    defineJobType(type, {
      handler: async (ctx) => {
        await ctx.setProgress(3, 10, 'copying rows');
        await proceed.wait;
        for (let i = 4; i <= 10; i++) await ctx.setProgress(i, 10, `row ${i}`);
      },
    });
    // A long progress interval: the loop's writes are throttled, only the last must survive.
    await startWorkers({ ...fast, progressIntervalMs: 60_000 });
    const { id } = await enqueueJob(database.db, { type });
    const running = await waitFor('progress to show', async () => {
      const job = await getJob(id);
      return job?.progress ? job : null;
    });
    expect(running.state).toBe('running');
    expect(running.progress).toEqual({ done: 3, total: 10, message: 'copying rows' });
    proceed.open();
    const done = await waitForState(id, ['succeeded']);
    expect(done.progress).toEqual({ done: 10, total: 10, message: 'row 10' });
  });

  it('writes exactly once what a transactional step changes, even when a later step fails', async () => {
    await database.superuser('create table if not exists job_test_effects (job_id uuid, note text)');
    const type = uniqueType('tx-step');
    defineJobType(type, {
      backoff: { baseMs: 10, maxMs: 10 },
      handler: async (ctx) => {
        await ctx.stepInTransaction('record', async (tx) => {
          await tx.execute(sql`insert into job_test_effects values (${ctx.job.id}, 'kept')`);
        });
        await ctx.stepInTransaction('rolled-back', async (tx) => {
          await tx.execute(sql`insert into job_test_effects values (${ctx.job.id}, 'undone')`);
          if (ctx.job.attempt === 1) throw new Error('constraint failed half-way');
        });
        return 'ok';
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type });
    const job = await waitForState(id, ['succeeded']);
    expect(job.attempts).toBe(2);
    const rows = rowsOf<{ note: string }>(
      await database.db.execute(sql`select note from job_test_effects where job_id = ${id} order by note`),
    );
    expect(rows.map((r) => r.note)).toEqual(['kept', 'undone']);
    expect(job.steps.find((s) => s.key === 'rolled-back')).toMatchObject({ state: 'succeeded', attempts: 2 });
  });
});

describe('claiming', () => {
  it('takes due jobs by priority, and none before its runAt', async () => {
    const type = uniqueType('priority');
    const order: string[] = [];
    defineJobType<{ name: string }>(type, {
      handler: async (ctx) => {
        order.push(ctx.payload.name);
      },
    });
    const later = new Date(Date.now() + 60_000);
    await database.db.transaction(async (tx) => {
      await enqueueJob(tx, { type, payload: { name: 'low' }, priority: -5 });
      await enqueueJob(tx, { type, payload: { name: 'normal' } });
      await enqueueJob(tx, { type, payload: { name: 'urgent' }, priority: 10 });
      await enqueueJob(tx, { type, payload: { name: 'tomorrow' }, priority: 100, runAt: later });
    });
    await startWorkers({ ...fast, concurrency: 1 });
    await waitFor('three jobs to run', () => order.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(order).toEqual(['urgent', 'normal', 'low']);
  });

  it('fails a job whose result cannot be stored as JSON, rather than losing it', async () => {
    const type = uniqueType('bad-result');
    defineJobType(type, { handler: async () => ({ bytes: 10n }) });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type });
    expect((await waitForState(id, ['failed'])).lastError).toMatch(/result is not JSON.*BigInt/);
  });
});

describe('cancelJob on a running job', () => {
  it.each([
    // Heartbeats every 20 s: only the notification can be this quick.
    ['NOTIFY', { listen: true, leaseMs: 60_000 }],
    ['the next heartbeat', { listen: false, leaseMs: 600 }],
  ] as const)('interrupts the handler through its signal (noticed by %s)', async (_how, options) => {
    const type = uniqueType('cancel');
    let reason: unknown;
    defineJobType(type, {
      handler: async (ctx) => {
        await ctx.setProgress(1, 100);
        try {
          await untilAborted(ctx.signal);
        } catch (error) {
          reason = error;
          throw error;
        }
      },
    });
    await startWorkers({ ...fast, ...options });
    const { id } = await enqueueJob(database.db, { type });
    await waitFor('the job to run', async () => (await getJob(id))?.progress);
    const view = await cancelJob(id, alice);
    expect(view).toMatchObject({ state: 'running', cancelRequested: true });
    const job = await waitForState(id, ['cancelled'], 3000);
    expect(job.finishedAt).toBeInstanceOf(Date);
    expect((reason as JobInterruptedError).kind).toBe('cancelled');
    const events = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, 'job.cancel')));
    expect(events).toHaveLength(1);
    expect(events[0]!.after).toEqual({ state: 'running', cancelRequested: true });
  });

  it('still records success when the handler finished before it noticed the cancel', async () => {
    const type = uniqueType('cancel-late');
    const proceed = gate();
    defineJobType(type, {
      handler: async (ctx) => {
        await ctx.setProgress(0, 1);
        await proceed.wait;
        return 'finished anyway';
      },
    });
    await startWorkers({ ...fast, listen: false });
    const { id } = await enqueueJob(database.db, { type });
    await waitFor('the job to run', async () => (await getJob(id))?.progress);
    await cancelJob(id, alice);
    proceed.open();
    expect((await waitForState(id, ['succeeded', 'cancelled'])).state).toBe('succeeded');
  });
});

describe('retryJob', () => {
  it('queues a failed job again and skips the steps that had succeeded', async () => {
    const type = uniqueType('retry');
    const runs = { fetch: 0, write: 0 };
    let broken = true;
    defineJobType(type, {
      handler: async (ctx) => {
        await ctx.step('fetch', () => ++runs.fetch);
        await ctx.step('write', () => {
          runs.write += 1;
          if (broken) throw new PermanentJobError('target table is missing');
        });
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type });
    const failed = await waitForState(id, ['failed']);
    expect(failed.lastError).toBe('PermanentJobError: target table is missing');
    expect(failed.steps.map((s) => [s.key, s.state])).toEqual([
      ['fetch', 'succeeded'],
      ['write', 'failed'],
    ]);

    broken = false;
    const view = await retryJob(id, alice);
    expect(view).toMatchObject({ state: 'queued', attempts: 0, lastError: null });
    const job = await waitForState(id, ['succeeded']);
    expect(runs).toEqual({ fetch: 1, write: 2 });
    expect(job.steps.find((s) => s.key === 'write')).toMatchObject({ state: 'succeeded', attempts: 2 });
    const [event] = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, 'job.retry')));
    expect(event).toMatchObject({ actorName: 'alice', before: { state: 'failed', attempts: 1 } });
  });
});

describe('workers', () => {
  it('never run the same job twice, nor two at once, across two workers', async () => {
    const type = uniqueType('exclusive');
    const active = new Set<string>();
    const runsPerJob = new Map<string, number>();
    const byWorker = new Map<string, number>();
    const overlaps: string[] = [];
    defineJobType(type, {
      handler: async (ctx: JobContext) => {
        if (active.has(ctx.job.id)) overlaps.push(ctx.job.id);
        active.add(ctx.job.id);
        runsPerJob.set(ctx.job.id, (runsPerJob.get(ctx.job.id) ?? 0) + 1);
        const worker = (await getJob(ctx.job.id))!.leaseOwner!;
        byWorker.set(worker, (byWorker.get(worker) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 15));
        active.delete(ctx.job.id);
      },
    });
    const ids: string[] = [];
    await database.db.transaction(async (tx) => {
      for (let i = 0; i < 40; i++) ids.push((await enqueueJob(tx, { type, priority: i % 3 })).id);
    });
    await Promise.all([
      startWorkers({ ...fast, workerId: 'worker-a', concurrency: 3, database }),
      startWorkers({ ...fast, workerId: 'worker-b', concurrency: 3, database: second }),
    ]);
    await waitFor('all jobs to finish', async () => {
      const rows = rowsOf<{ n: number }>(
        await database.db.execute(sql`select count(*)::int as n from jobs where type = ${type} and state = 'succeeded'`),
      );
      return Number(rows[0]!.n) === ids.length;
    }, 20_000);
    expect(overlaps).toEqual([]);
    expect([...runsPerJob.values()].every((n) => n === 1)).toBe(true);
    expect(runsPerJob.size).toBe(40);
    expect(byWorker.get('worker-a')).toBeGreaterThan(0);
    expect(byWorker.get('worker-b')).toBeGreaterThan(0);
  });

  it('keep a heartbeated lease alive past its length: the other worker does not take the job', async () => {
    const type = uniqueType('long');
    let runs = 0;
    defineJobType(type, {
      handler: async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 1600));
      },
    });
    await startWorkers({ ...fast, leaseMs: 500, workerId: 'holder', database });
    const { id } = await enqueueJob(database.db, { type });
    await waitForState(id, ['running']);
    await startWorkers({ ...fast, leaseMs: 500, workerId: 'other', database: second });
    const job = await waitForState(id, ['succeeded']);
    expect(runs).toBe(1);
    expect(job.attempts).toBe(1);
  });

  it('wake up on NOTIFY instead of waiting for the next poll', async () => {
    const type = uniqueType('notify');
    defineJobType(type, { handler: async () => 'ran' });
    await startWorkers({ pollIntervalMs: 60_000, leaseMs: 120_000 });
    // Let the first (empty) poll pass, so only a notification can wake the worker.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const { id } = await database.db.transaction((tx) => enqueueJob(tx, { type }));
    await waitForState(id, ['succeeded'], 5000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('hand running jobs back on stop without counting the interrupted attempt', async () => {
    const type = uniqueType('shutdown');
    let interrupted: JobInterruptedError | undefined;
    let first = true;
    defineJobType(type, {
      handler: async (ctx) => {
        if (!first) return 'finished elsewhere';
        first = false;
        await ctx.setProgress(1, 2);
        try {
          await untilAborted(ctx.signal);
        } catch (error) {
          interrupted = error as JobInterruptedError;
          throw error;
        }
      },
    });
    await startWorkers({ ...fast, workerId: 'leaving' });
    const { id } = await enqueueJob(database.db, { type });
    await waitFor('the job to run', async () => (await getJob(id))?.progress);
    await stopWorkers({ timeoutMs: 50 });
    expect(interrupted?.kind).toBe('shutdown');
    expect(await getJob(id)).toMatchObject({ state: 'queued', attempts: 0, leaseOwner: null });

    await startWorkers({ ...fast, workerId: 'staying' });
    expect(await waitForState(id, ['succeeded'])).toMatchObject({ attempts: 1, result: 'finished elsewhere' });
  });

  it('export queue depth, oldest queued age, durations and failures to the default registry', async () => {
    const type = uniqueType('metrics');
    defineJobType(type, {
      maxAttempts: 1,
      handler: async () => {
        throw new PermanentJobError('no');
      },
    });
    await enqueueJob(database.db, { type });
    await enqueueJob(database.db, { type });
    await database.db.execute(sql`update jobs set run_at = now() - interval '90 seconds' where type = ${type}`);
    const text = await client.register.metrics();
    expect(text).toMatch(new RegExp(`leitstand_job_queue_depth\\{type="${type}",state="queued"\\} 2`));
    const age = new RegExp(`leitstand_job_oldest_queued_age_seconds\\{type="${type}"\\} ([0-9.]+)`).exec(text);
    expect(Number(age?.[1])).toBeGreaterThanOrEqual(90);

    await startWorkers(fast);
    await waitFor('both jobs to fail', async () => {
      const rows = rowsOf<{ n: number }>(
        await database.db.execute(sql`select count(*)::int as n from jobs where type = ${type} and state = 'failed'`),
      );
      return Number(rows[0]!.n) === 2;
    });
    const after = await client.register.metrics();
    expect(after).toMatch(new RegExp(`leitstand_job_failures_total\\{type="${type}",kind="permanent"\\} 2`));
    expect(after).toMatch(
      new RegExp(`leitstand_job_attempt_duration_seconds_count\\{type="${type}",outcome="failed"\\} 2`),
    );
    expect(after).toMatch(new RegExp(`leitstand_job_queue_depth\\{type="${type}",state="queued"\\} 0`));
  });
});

describe('jobsLifecycle', () => {
  it('starts a worker named after the instance and stops it', async () => {
    const type = uniqueType('lifecycle');
    defineJobType(type, { handler: async (ctx) => (await getJob(ctx.job.id))!.leaseOwner });
    await jobsLifecycle.start(parseConfig({ LEITSTAND_INSTANCE_ID: 'replica-1' }));
    const { id } = await enqueueJob(database.db, { type });
    expect((await waitForState(id, ['succeeded'])).result).toBe('replica-1');
    await jobsLifecycle.stop();
    // Stopped: a new job stays queued.
    const { id: later } = await enqueueJob(database.db, { type });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await getJob(later))!.state).toBe('queued');
  });

  it('runs no worker when concurrency is 0', async () => {
    const type = uniqueType('no-workers');
    let ran = false;
    defineJobType(type, {
      handler: async () => {
        ran = true;
      },
    });
    const lifecycle = createJobsLifecycle();
    await lifecycle.start(parseConfig({ LEITSTAND_JOB_CONCURRENCY: '0' }));
    const { id } = await enqueueJob(database.db, { type });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await getJob(id))!.state).toBe('queued');
    expect(ran).toBe(false);
    await lifecycle.stop();
  });
});
