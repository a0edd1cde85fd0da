import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { rowsOf } from '../../../db/migrate';
import { jobs } from '../../../db/schema/jobs';
import {
  cancelJob,
  defineJobType,
  enqueueJob,
  getJob,
  type JobInterruptedError,
  startWorkers,
  stopWorkers,
  type WorkerOptions,
} from '../../../server/jobs';
import { beginStep, claimJobs, endStep, finishAttempt, reapExpiredLeases, writeProgress } from '../../../server/jobs/lease';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { EFFECTS_TABLE_SQL, defineThreeStepJob } from './fixtures/three-step-job';
import { alice, uniqueType, waitFor, waitForState } from './helpers';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.superuser(EFFECTS_TABLE_SQL);
});
afterEach(() => stopWorkers({ timeoutMs: 1000 }));
afterAll(() => database.close());

const fast: WorkerOptions = { pollIntervalMs: 20, leaseMs: 1000, progressIntervalMs: 0 };

async function effects(jobId: string): Promise<string[]> {
  const rows = rowsOf<{ note: string }>(
    await database.db.execute(sql`select note from job_test_effects where job_id = ${jobId} order by note`),
  );
  return rows.map((r) => r.note);
}

/** Claims a job the way a worker does, as a worker that will then die silently. */
async function claimAsDeadWorker(type: string, leaseMs: number) {
  // Taken before the claim: the lease runs from the database's now() inside the claim, no earlier.
  const at = Date.now();
  const [claimed] = await claimJobs(database.db, { workerId: 'dead-worker', types: [type], limit: 1, leaseMs });
  if (!claimed) throw new Error('nothing to claim');
  return { id: claimed.id, token: claimed.leaseToken!, at };
}

describe('a worker that stops heartbeating', () => {
  it('loses its job after the lease; another worker resumes at the first unfinished step', async () => {
    const type = uniqueType('resume');
    const ran: string[] = [];
    let stepOneOutput: unknown;
    let resumedAt = 0;
    defineJobType(type, {
      handler: async (ctx) => {
        resumedAt ||= Date.now();
        stepOneOutput = await ctx.step('one', () => {
          ran.push('one');
          return 'recomputed';
        });
        await ctx.step('two', () => ran.push('two'));
        await ctx.step('three', () => ran.push('three'));
        return ctx.job.attempt;
      },
    });
    const { id } = await enqueueJob(database.db, { type });
    // The first worker claims, finishes step one, starts step two … and dies.
    const dead = await claimAsDeadWorker(type, 300);
    expect(await beginStep(database.db, id, dead.token, 'one')).toBe(true);
    expect(await endStep(database.db, id, dead.token, 'one', { state: 'succeeded', output: 'from the dead worker' })).toBe(
      true,
    );
    expect(await beginStep(database.db, id, dead.token, 'two')).toBe(true);

    await startWorkers({ ...fast, workerId: 'survivor' });
    const job = await waitForState(id, ['succeeded']);
    // Not before the 300 ms lease ran out (a few ms of slack for timestamp rounding).
    expect(resumedAt - dead.at).toBeGreaterThanOrEqual(295);
    expect(ran).toEqual(['two', 'three']);
    expect(stepOneOutput).toBe('from the dead worker');
    expect(job).toMatchObject({ attempts: 2, result: 2, lastError: null });
    expect(job.steps.map((s) => [s.key, s.state, s.attempts])).toEqual([
      ['one', 'succeeded', 1],
      ['two', 'succeeded', 2],
      ['three', 'succeeded', 1],
    ]);
  });

  it('fails the job when that was its last attempt, saying why', async () => {
    const type = uniqueType('last-attempt');
    defineJobType(type, { handler: async () => 'never runs' });
    const { id } = await enqueueJob(database.db, { type, maxAttempts: 1 });
    await claimAsDeadWorker(type, 100);
    await startWorkers(fast);
    const job = await waitForState(id, ['failed']);
    expect(job.lastError).toMatch(/dead-worker stopped renewing its lease during attempt 1/);
    expect(job.attempts).toBe(1);
  });

  it('ends the job as cancelled when a cancel was asked for meanwhile', async () => {
    const type = uniqueType('dead-cancel');
    defineJobType(type, { handler: async () => 'never runs' });
    const { id } = await enqueueJob(database.db, { type });
    await claimAsDeadWorker(type, 200);
    expect(await cancelJob(id, alice)).toMatchObject({ state: 'running', cancelRequested: true });
    await startWorkers(fast);
    expect((await waitForState(id, ['cancelled'])).attempts).toBe(1);
  });
});

describe('lease fencing', () => {
  it('lets a worker whose lease was taken back write nothing', async () => {
    const type = uniqueType('fenced');
    defineJobType(type, { handler: async () => null });
    const { id } = await enqueueJob(database.db, { type });
    const stale = await claimAsDeadWorker(type, 50);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await reapExpiredLeases(database.db)).toEqual([{ id, type, state: 'queued' }]);
    const [current] = await claimJobs(database.db, { workerId: 'new-owner', types: [type], limit: 1, leaseMs: 60_000 });
    expect(current!.id).toBe(id);

    expect(await beginStep(database.db, id, stale.token, 'x')).toBe(false);
    expect(await writeProgress(database.db, id, stale.token, { done: 1, total: 1, message: null })).toBe(false);
    expect(await finishAttempt(database.db, id, stale.token, { kind: 'succeeded', result: 'stale' })).toBe(false);
    expect(await getJob(id)).toMatchObject({ state: 'running', leaseOwner: 'new-owner', progress: null, steps: [] });
    expect(await finishAttempt(database.db, id, current!.leaseToken!, { kind: 'succeeded', result: 'fresh' })).toBe(true);
    expect((await getJob(id))!.result).toBe('fresh');
  });

  it('aborts a running handler whose lease another worker took, and records nothing for it', async () => {
    const type = uniqueType('stolen');
    let reason: unknown;
    defineJobType(type, {
      handler: async (ctx) => {
        await ctx.step('one', () => 1);
        try {
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
        } catch (error) {
          reason = error;
        }
        // Ignores the abort and tries to go on: the write must be refused.
        await ctx.step('two', () => 2);
      },
    });
    await startWorkers(fast);
    const { id } = await enqueueJob(database.db, { type });
    await waitFor('step one', async () => (await getJob(id))?.steps.length);
    // What a reaper plus another worker's claim would do to the row.
    await database.db
      .update(jobs)
      .set({ leaseToken: sql`gen_random_uuid()`, leaseOwner: 'thief', leaseExpiresAt: sql`now() + interval '1 hour'` })
      .where(eq(jobs.id, id));
    await waitFor('the handler to be aborted', () => reason);
    expect((reason as JobInterruptedError).kind).toBe('lease-lost');
    await stopWorkers({ timeoutMs: 1000 });
    const job = await getJob(id);
    expect(job).toMatchObject({ state: 'running', leaseOwner: 'thief', attempts: 1 });
    expect(job!.steps.map((s) => s.key)).toEqual(['one']);
    // The thief never runs: end the job so later tests' workers do not take it back.
    await database.db
      .update(jobs)
      .set({ state: 'cancelled', leaseToken: null, leaseOwner: null, leaseExpiresAt: null })
      .where(eq(jobs.id, id));
  });
});

const onServer = inject('testDatabase').kind === 'postgres';

describe('a worker process killed with SIGKILL', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  // PGlite lives inside one process: a second process cannot open it, so only a
  // PostgreSQL server (TEST_DATABASE_URL) can show a real crash.
  it.runIf(onServer)('is resumed by another process after the lease, completed steps not re-run', async () => {
    const type = uniqueType('sigkill');
    const script = path.join(import.meta.dirname, 'fixtures/crash-worker.ts');
    child = spawn(process.execPath, ['--import', 'tsx', script, database.url!, type, '600'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    await waitFor('the child worker to start', () => output.includes('READY') || child!.exitCode !== null, 20_000);
    expect(output).toContain('READY');

    // Enqueue in this process; the type must be known here to be enqueued (and run later).
    defineThreeStepJob(type, { hangInStepTwo: false });
    const { id } = await enqueueJob(database.db, { type });
    await waitFor('the child to hang inside step two', () => output.includes('HANGING'), 10_000);
    child.kill('SIGKILL');
    await exited;
    const orphan = await getJob(id);
    expect(orphan).toMatchObject({ state: 'running', leaseOwner: 'doomed-process', attempts: 1 });

    await startWorkers({ ...fast, workerId: 'rescuer' });
    const job = await waitForState(id, ['succeeded'], 10_000);
    expect(job.attempts).toBe(2);
    const childPid = child.pid!;
    expect(await effects(id)).toEqual(
      [`one:${childPid}`, `three:${process.pid}`, `two:${childPid}`, `two:${process.pid}`].sort(),
    );
    // Step one's output comes from the killed process's record.
    expect(job.result).toEqual({ one: `one by ${childPid}` });
  });
});
