import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditEvents } from '../../../db/schema/audit';
import { jobs, jobSteps } from '../../../db/schema/jobs';
import {
  cancelJob,
  defineJobType,
  enqueueJob,
  getJob,
  listJobs,
  MAX_PAYLOAD_BYTES,
  purgeFinishedJobs,
  retryJob,
} from '../../../server/jobs';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { alice, uniqueType } from './helpers';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const noop = async () => null;

async function auditFor(targetId: string) {
  return database.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.targetType, 'job'), eq(auditEvents.targetId, targetId)));
}

describe('enqueueJob', () => {
  it('commits the job with the transaction that asked for it', async () => {
    const type = uniqueType('commit');
    defineJobType(type, { handler: noop });
    const { id, created } = await database.db.transaction((tx) =>
      enqueueJob(tx, { type, payload: { requestId: 'r-1' }, owner: { type: 'erasure_request', id: 'r-1' } }),
    );
    expect(created).toBe(true);
    const job = await getJob(id);
    expect(job).toMatchObject({
      type,
      state: 'queued',
      attempts: 0,
      maxAttempts: 5,
      payload: { requestId: 'r-1' },
      owner: { type: 'erasure_request', id: 'r-1' },
      createdBy: { id: null, name: 'system' },
      progress: null,
      steps: [],
    });
  });

  it('leaves no job behind when the transaction rolls back', async () => {
    const type = uniqueType('rollback');
    defineJobType(type, { handler: noop });
    let enqueued: string | undefined;
    await expect(
      database.db.transaction(async (tx) => {
        enqueued = (await enqueueJob(tx, { type, actor: alice })).id;
        throw new Error('the change failed after the job was queued');
      }),
    ).rejects.toThrow('the change failed');
    expect(enqueued).toBeDefined();
    expect(await getJob(enqueued!)).toBeNull();
    expect(await database.db.select().from(jobs).where(eq(jobs.type, type))).toEqual([]);
    expect(await auditFor(enqueued!)).toEqual([]);
  });

  it('returns the active job for a repeated dedupe key, and a new one once it ended', async () => {
    const type = uniqueType('dedupe');
    defineJobType(type, { handler: noop });
    const first = await enqueueJob(database.db, { type, dedupeKey: 'tenant-7' });
    const again = await enqueueJob(database.db, { type, dedupeKey: 'tenant-7', payload: { other: true } });
    expect(again).toEqual({ id: first.id, created: false });
    // The key is per type: another type may use it too.
    const otherType = uniqueType('dedupe-other');
    defineJobType(otherType, { handler: noop });
    expect((await enqueueJob(database.db, { type: otherType, dedupeKey: 'tenant-7' })).created).toBe(true);

    await cancelJob(first.id, alice);
    const afterCancel = await enqueueJob(database.db, { type, dedupeKey: 'tenant-7' });
    expect(afterCancel.created).toBe(true);
    expect(afterCancel.id).not.toBe(first.id);
  });

  it('lets only one of two concurrent transactions create a job for the same dedupe key', async () => {
    const type = uniqueType('dedupe-race');
    defineJobType(type, { handler: noop });
    const results = await Promise.all(
      [1, 2, 3].map(() => database.db.transaction((tx) => enqueueJob(tx, { type, dedupeKey: 'same' }))),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await database.db.select().from(jobs).where(eq(jobs.type, type))).toHaveLength(1);
  });

  it('audits a job a person enqueued, without its payload', async () => {
    const type = uniqueType('audited');
    defineJobType(type, { handler: noop });
    const { id } = await enqueueJob(database.db, { type, payload: { email: 'person@example.org' }, actor: alice });
    const [event] = await auditFor(id);
    expect(event).toMatchObject({ action: 'job.enqueue', actorName: 'alice', after: { type } });
    expect(JSON.stringify(event)).not.toContain('person@example.org');
    expect((await getJob(id))!.createdBy).toEqual({ id: alice.id, name: 'alice' });
  });

  it('names the field for bad input', async () => {
    const type = uniqueType('invalid');
    defineJobType(type, { handler: noop, payload: z.object({ requestId: z.uuid('must be a request id') }) });
    await expect(enqueueJob(database.db, { type: 'test.no-such-type' })).rejects.toMatchObject({
      name: 'InputError',
      fieldErrors: { type: [expect.stringContaining('not a registered job type')] },
    });
    await expect(enqueueJob(database.db, { type, payload: { requestId: 'x' } })).rejects.toMatchObject({
      name: 'InputError',
      fieldErrors: { 'payload.requestId': ['must be a request id'] },
    });
    await expect(
      enqueueJob(database.db, {
        type,
        payload: { requestId: crypto.randomUUID() },
        maxAttempts: 0,
        priority: 1.5,
        dedupeKey: '',
      }),
    ).rejects.toMatchObject({
      fieldErrors: { maxAttempts: [expect.any(String)], priority: [expect.any(String)], dedupeKey: [expect.any(String)] },
    });
  });

  it('refuses a payload larger than the limit', async () => {
    const type = uniqueType('large');
    defineJobType(type, { handler: noop });
    await expect(
      enqueueJob(database.db, { type, payload: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES) } }),
    ).rejects.toMatchObject({ name: 'InputError', fieldErrors: { payload: [expect.stringContaining('KiB')] } });
  });
});

describe('listJobs', () => {
  it('filters by type, state and owner and pages newest first without gaps or repeats', async () => {
    const type = uniqueType('list');
    defineJobType(type, { handler: noop });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await enqueueJob(database.db, { type, owner: { type: 'report', id: `r${i % 2}` } })).id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listJobs({ type, limit: 2, cursor });
      seen.push(...page.jobs.map((j) => j.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(ids));
    const createdAts = (await listJobs({ type })).jobs.map((j) => j.createdAt.getTime());
    expect(createdAts).toEqual([...createdAts].sort((a, b) => b - a));

    expect((await listJobs({ type, owner: { type: 'report', id: 'r1' } })).jobs).toHaveLength(2);
    await cancelJob(ids[0]!, alice);
    expect((await listJobs({ type, state: 'cancelled' })).jobs.map((j) => j.id)).toEqual([ids[0]]);
    expect((await listJobs({ type, state: ['queued'] })).jobs).toHaveLength(4);
  });

  it('rejects a malformed cursor and limit with field errors', async () => {
    await expect(listJobs({ cursor: 'garbage' })).rejects.toMatchObject({ fieldErrors: { cursor: [expect.any(String)] } });
    await expect(listJobs({ limit: 1000 })).rejects.toMatchObject({ fieldErrors: { limit: ['at most 200'] } });
  });
});

describe('getJob', () => {
  it('returns null for an unknown or malformed id', async () => {
    expect(await getJob(crypto.randomUUID())).toBeNull();
    expect(await getJob('not-a-uuid')).toBeNull();
  });
});

describe('cancelJob', () => {
  it('cancels a queued job at once and audits it', async () => {
    const type = uniqueType('cancel-queued');
    defineJobType(type, { handler: noop });
    const { id } = await enqueueJob(database.db, { type });
    const view = await cancelJob(id, alice);
    expect(view).toMatchObject({ state: 'cancelled', cancelRequested: false });
    expect(view.finishedAt).toBeInstanceOf(Date);
    const [event] = await auditFor(id);
    expect(event).toMatchObject({ action: 'job.cancel', before: { state: 'queued' }, after: { state: 'cancelled' } });
  });

  it('refuses to cancel a job that already ended, and an unknown one', async () => {
    const type = uniqueType('cancel-ended');
    defineJobType(type, { handler: noop });
    const { id } = await enqueueJob(database.db, { type });
    await cancelJob(id, alice);
    await expect(cancelJob(id, alice)).rejects.toMatchObject({ name: 'ConflictError' });
    await expect(cancelJob(crypto.randomUUID(), alice)).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe('retryJob', () => {
  it('only retries failed jobs', async () => {
    const type = uniqueType('retry-queued');
    defineJobType(type, { handler: noop });
    const { id } = await enqueueJob(database.db, { type });
    await expect(retryJob(id, alice)).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringContaining('queued'),
    });
  });

  it('refuses when a newer job holds the same dedupe key, leaving the caller transaction usable', async () => {
    const type = uniqueType('retry-dedupe');
    defineJobType(type, { handler: noop });
    const { id } = await enqueueJob(database.db, { type, dedupeKey: 'k' });
    await database.db.update(jobs).set({ state: 'failed', lastError: 'boom' }).where(eq(jobs.id, id));
    await enqueueJob(database.db, { type, dedupeKey: 'k' });
    const after = await database.db.transaction(async (tx) => {
      await expect(retryJob(id, alice, tx)).rejects.toMatchObject({ name: 'ConflictError' });
      return getJob(id, tx);
    });
    expect(after!.state).toBe('failed');
    expect(await auditFor(id)).toEqual([]);
  });
});

describe('purgeFinishedJobs', () => {
  it('deletes jobs that ended before the date, with their steps, and never an active one', async () => {
    const type = uniqueType('purge');
    defineJobType(type, { handler: noop });
    const old = await enqueueJob(database.db, { type });
    const recent = await enqueueJob(database.db, { type });
    const active = await enqueueJob(database.db, { type });
    await cancelJob(old.id, alice);
    await cancelJob(recent.id, alice);
    await database.db.update(jobs).set({ finishedAt: new Date('2020-01-01T00:00:00Z') }).where(eq(jobs.id, old.id));
    await database.superuser(`insert into job_steps (job_id, key, state) values ('${old.id}', 'one', 'succeeded')`);
    await database.db
      .update(jobs)
      .set({ createdAt: new Date('2019-01-01T00:00:00Z') })
      .where(eq(jobs.id, active.id));

    const count = await purgeFinishedJobs({ finishedBefore: new Date('2021-01-01T00:00:00Z'), actor: alice, type });
    expect(count).toBe(1);
    expect(await getJob(old.id)).toBeNull();
    expect(await database.db.select().from(jobSteps).where(eq(jobSteps.jobId, old.id))).toEqual([]);
    expect(await getJob(recent.id)).not.toBeNull();
    expect((await getJob(active.id))!.state).toBe('queued');
    const events = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'job.purge'));
    expect(events.at(-1)).toMatchObject({ after: { count: 1, type } });
  });
});
