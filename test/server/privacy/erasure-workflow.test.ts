import crypto from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { and, eq, like, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../../db/schema/audit';
import { jobs } from '../../../db/schema/jobs';
import { erasureRequests, erasureTasks } from '../../../db/schema/privacy';
import { reapExpiredLeases } from '../../../server/jobs/lease';
import { getJob, startWorkers, stopWorkers } from '../../../server/jobs';
import {
  approveRequest,
  createDataset,
  createHold,
  createRequest,
  createStore,
  decideModel,
  extendDeadline,
  findPastErasures,
  getRequest,
  pgliteSqlClient,
  recordVerification,
  rejectRequest,
  retryRequest,
  runDiscovery,
  setPrivacyKeys,
  submitForApproval,
  useSqlClientForStore,
  verifyEvidence,
  type ErasureEvidence,
  type SignedDocument,
} from '../../../server/privacy';
import { subject, subjectIdentifiers, subjectRows } from '../../fixtures/privacy/chat-store';
import { approver, dpo, setUpStores, type Stores } from '../../fixtures/privacy/harness';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { waitFor } from '../jobs/helpers';

let database: TestDatabase;
let stores: Stores;
let vectors: PGlite;
const keys = setPrivacyKeys(crypto.randomBytes(32));

beforeAll(async () => {
  database = await createTestDatabase();
  stores = await setUpStores({ users: 5000 });
  // A pgvector store: PGlite's vector extension, reached through the same connector code.
  vectors = await PGlite.create({ extensions: { vector } });
  await vectors.exec(`
    create extension vector;
    create table chunks (id bigserial primary key, embedding vector(3) not null, metadata jsonb not null);
    insert into chunks (embedding, metadata)
      select ('[' || (g % 7) || ',1,2]')::vector, jsonb_build_object('user_id', (4240 + g % 5)::text) from generate_series(1, 500) g;`);
  const placeholder = crypto.randomUUID();
  useSqlClientForStore(placeholder, pgliteSqlClient(vectors));
  const vectorStore = await createStore(
    {
      name: 'd-embeddings',
      kind: 'pgvector',
      config: { tables: [{ table: 'chunks', identifiers: [{ column: 'metadata', kind: 'user_id', jsonKey: 'user_id' }], categories: ['user.content.embedding'], method: 'delete' }] },
      credentials: { url: 'postgres://embedded/vectors' },
    },
    dpo,
    { sqlClient: pgliteSqlClient(vectors) },
  );
  useSqlClientForStore(placeholder, undefined);
  useSqlClientForStore(vectorStore.id, pgliteSqlClient(vectors));
  await startWorkers({ pollIntervalMs: 20, leaseMs: 2000, progressIntervalMs: 0 });
}, 120_000);

afterAll(async () => {
  await stopWorkers({ timeoutMs: 1000 });
  await stores?.close();
  await vectors?.close();
  await database?.close();
});

async function untilState(id: string, states: string[], timeoutMs = 30_000) {
  return waitFor(`request to be ${states.join('/')}`, async () => {
    const detail = await getRequest(id);
    return states.includes(detail.request.state) ? detail : null;
  }, timeoutMs);
}

describe('an erasure request across PostgreSQL, Redis, pgvector and a webhook processor', () => {
  let requestId: string;

  it('is taken in with a deadline, and its identifiers are sealed', async () => {
    const request = await createRequest(
      {
        identifiers: subjectIdentifiers,
        requesterName: 'Anna Schmidt',
        requesterContact: 'anna.schmidt@example.org',
        channel: 'email',
        receivedOn: '2024-01-31',
      },
      dpo,
    );
    requestId = request.id;
    expect(request).toMatchObject({ state: 'received', dueOn: '2024-02-29' });
    expect(request.subject).not.toContain('anna');
    expect(request.subjectHashes).toHaveLength(3);
    const [audit] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'privacy.erasure.create'), eq(auditEvents.targetId, request.id)));
    expect(JSON.stringify(audit)).not.toContain('anna');
  });

  it('refuses discovery before the identity is verified, and an extension without timely notice', async () => {
    await expect(runDiscovery(requestId, dpo)).rejects.toThrow('privacy.error.wrongState?doing=privacy.doing.discover&state=privacy.state.received');
    await expect(extendDeadline(requestId, { reason: 'Many stores across tenants', noticeOn: '2024-03-01' }, dpo)).rejects.toMatchObject({ name: 'InputError', fieldErrors: { noticeOn: ['privacy.error.noticeTooLate?due=2024-02-29'] } });
    const extended = await extendDeadline(requestId, { reason: 'Many stores across tenants', noticeOn: '2024-02-20' }, dpo);
    expect(extended.extendedDueOn).toBe('2024-04-29');
    await recordVerification(requestId, { method: 'reply from the registered e-mail address' }, dpo);
  });

  it('discovers per store, target and category without changing anything, flags models and shows holds', async () => {
    await createHold({ kind: 'exemption', ground: 'art17_3_b_legal_obligation', category: 'billing.*', description: 'Invoices kept 10 years (tax law)' }, dpo);
    await createDataset(
      { name: 'support-chats-2023', models: [{ modelName: 'support-llm', versionLabel: 'v3' }], subjectIndex: `email:${subject.email}\nemail:someone@else.org` },
      dpo,
    );
    await createDataset({ name: 'unrelated', models: [{ modelName: 'other-llm', versionLabel: 'v1' }], subjectIndex: 'email:nobody@example.org' }, dpo);
    const result = await runDiscovery(requestId, dpo);
    const chat = result.stores.find((s) => s.name === 'a-chat-postgres');
    expect(chat?.ok).toBe(true);
    const counts = Object.fromEntries(chat!.ok ? chat!.targets.map((t) => [t.key, t.count]) : []);
    expect(counts).toEqual(subjectRows());
    expect(chat!.ok && chat!.targets.find((t) => t.key === 'invoices')!.holds).toHaveLength(1);
    const byName = Object.fromEntries(result.stores.map((s) => [s.name, s.ok ? s.targets.reduce((n, t) => n + t.count, 0) : -1]));
    expect(byName).toEqual({ 'a-chat-postgres': 59, 'b-cache-redis': 13, 'c-support-webhook': 7, 'd-embeddings': 100 });
    expect(result.byCategory['user.content.private']).toBe(5 + 50 + 12);
    const detail = await getRequest(requestId);
    expect(detail.flags.map((f) => `${f.modelName}@${f.versionLabel}`)).toEqual(['support-llm@v3']);
    const [left] = await stores.chat.sql`select count(*)::int as n from messages`;
    expect(left!.n).toBe(5000 * 50);
  });

  it('needs a second person to approve', async () => {
    await submitForApproval(requestId, dpo);
    await expect(approveRequest(requestId, dpo)).rejects.toMatchObject({ name: 'ForbiddenError' });
    const approved = await approveRequest(requestId, approver);
    expect(approved.state).toBe('executing');
    expect(approved.refusals).toEqual([expect.objectContaining({ storeName: 'a-chat-postgres', target: 'invoices', records: 1 })]);
  });

  it('executes, verifies, then waits for the decision on the flagged model', async () => {
    const detail = await untilState(requestId, ['verifying']);
    await waitFor('the job to end', async () => (await getJob(detail.request.jobId!))?.state === 'succeeded');
    const after = await getRequest(requestId);
    expect(after.request.state).toBe('verifying');
    expect(after.tasks.map((t) => [t.storeName, t.state, t.remaining])).toEqual([
      ['a-chat-postgres', 'succeeded', 0],
      ['b-cache-redis', 'succeeded', 0],
      ['c-support-webhook', 'succeeded', 0],
      ['d-embeddings', 'succeeded', 0],
    ]);
    expect(after.job?.progress).toMatchObject({ done: 8, total: 8 });
    await expect(decideModel(requestId, { ...flagOf(after), decision: 'keep', justification: 'too short' }, approver)).rejects.toMatchObject({
      name: 'InputError',
      fieldErrors: { justification: [expect.stringContaining('justification')] },
    });
  });

  it('completes with signed evidence once the model decision is recorded, and wipes the identifiers', async () => {
    const before = await getRequest(requestId);
    await decideModel(requestId, { ...flagOf(before), decision: 'retrain' }, approver);
    const done = await getRequest(requestId);
    expect(done.request.state).toBe('partially_refused');
    expect(done.request.hasIdentifiers).toBe(false);
    const [row] = await database.db.select().from(erasureRequests).where(eq(erasureRequests.id, requestId));
    expect(row!.subject).toBeNull();
    expect(row!.subjectHashes).toHaveLength(3);

    const signed = done.request.evidence as SignedDocument<ErasureEvidence>;
    expect(verifyEvidence(signed, keys.evidencePublicKey)).toMatchObject({ ok: true, trusted: true });
    const evidence = signed.document;
    const perStore = Object.fromEntries(evidence.stores.map((s) => [s.name, Object.fromEntries(s.targets.map((t) => [t.target, t.records]))]));
    const { invoices: _refused, ...erasedRows } = subjectRows();
    expect(perStore['a-chat-postgres']).toEqual(erasedRows);
    expect(evidence.stores.find((s) => s.name === 'a-chat-postgres')!.targets.find((t) => t.target === 'users')!.method).toBe('overwrite');
    expect(perStore['c-support-webhook']).toEqual({ processor: 7 });
    expect(perStore['d-embeddings']).toEqual({ chunks: 100 });
    expect(evidence.approval.by).toBe('dpo-two');
    expect(evidence.refusals).toHaveLength(1);
    expect(evidence.models).toEqual([expect.objectContaining({ model: 'support-llm', version: 'v3', decision: 'retrain', decidedBy: 'dpo-two' })]);
    expect(JSON.stringify(signed)).not.toMatch(/anna/i);
    const tampered = { ...signed, document: { ...evidence, totalRecords: evidence.totalRecords - 1 } };
    expect(verifyEvidence(tampered, keys.evidencePublicKey).ok).toBe(false);
  });

  it('touched nothing outside the subject', async () => {
    const [pg] = await stores.chat.sql`
      select (select count(*) from messages)::int as messages, (select count(*) from conversations)::int as conversations,
             (select count(*) from invoices where user_id = ${subject.userId})::int as invoices,
             (select email from users where id = 4243) as neighbour`;
    expect(pg).toEqual({ messages: 5000 * 50 - 50, conversations: 5000 * 5 - 5, invoices: 1, neighbour: 'user4243@example.org' });
    expect(await stores.redis.hGetAll(`${stores.redisPrefix}profiles`)).toEqual({ '4243': 'Carl' });
    expect(await stores.redis.exists(`${stores.redisPrefix}chat:4243:msg:0`)).toBe(1);
    expect(await stores.redis.exists(`${stores.redisPrefix}chat:4242:msg:0`)).toBe(0);
    expect((await stores.processorState()).records).toEqual({ 'user4243@example.org': 2, 'bob@example.org': 3 });
    const vec = await vectors.query<{ n: number }>(`select count(*)::int as n from chunks`);
    expect(vec.rows[0]!.n).toBe(400);
  });

  it('recognises the subject when they reappear, by keyed hash only', async () => {
    const past = await findPastErasures([{ kind: 'email', value: 'ANNA.SCHMIDT@example.org' }]);
    expect(past.map((p) => p.id)).toContain(requestId);
    const rerun = await createRequest(
      { identifiers: [{ kind: 'email', value: subject.email }], requesterName: 'DPO', requesterContact: 'dpo@example.org', channel: 'other', receivedOn: '2024-06-01' },
      dpo,
    );
    expect(rerun.rerunOf).toBe(requestId);
    await rejectRequest(rerun.id, { reason: 'Opened only to test recognition' }, dpo);
  });

  it('writes an audit event for every step', async () => {
    const events = await database.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.targetId, requestId));
    expect(new Set(events.map((e) => e.action))).toEqual(
      new Set([
        'privacy.erasure.create',
        'privacy.erasure.extend',
        'privacy.erasure.verify-identity',
        'privacy.erasure.discover',
        'privacy.erasure.submit',
        'privacy.erasure.approve',
        'privacy.webhook.callback',
        'privacy.erasure.verifying',
        'privacy.model.decide',
        'privacy.erasure.complete',
      ]),
    );
    const stores = await database.db.select().from(auditEvents).where(like(auditEvents.action, 'privacy.store.%'));
    expect(JSON.stringify(stores)).not.toContain('processor-shared-secret');
  });
});

describe('a store failing midway', () => {
  it('shows the failed task, keeps what other stores did, and completes on retry', async () => {
    await stores.failErases(10);
    const request = await createRequest(
      {
        identifiers: [{ kind: 'user_id', value: '4243' }, { kind: 'email', value: 'user4243@example.org' }],
        requesterName: 'Carl',
        requesterContact: 'user4243@example.org',
        channel: 'web_form',
        receivedOn: '2024-05-02',
      },
      dpo,
    );
    await recordVerification(request.id, { method: 'signed-in account' }, dpo);
    await runDiscovery(request.id, dpo);
    await submitForApproval(request.id, dpo);
    await approveRequest(request.id, approver);
    const failed = await untilState(request.id, ['failed'], 30_000);
    const webhook = failed.tasks.find((t) => t.storeName === 'c-support-webhook')!;
    expect(webhook).toMatchObject({ state: 'failed', error: 'the processor answered HTTP 503' });
    expect(failed.tasks.find((t) => t.storeName === 'a-chat-postgres')!.result).not.toBeNull();
    expect(failed.job?.state).toBe('failed');
    expect((await stores.processorState()).records['user4243@example.org']).toBe(2);

    await stores.failErases(0);
    await retryRequest(request.id, approver);
    const done = await untilState(request.id, ['completed', 'partially_refused'], 30_000);
    expect(done.tasks.every((t) => t.state === 'succeeded' || t.state === 'refused')).toBe(true);
    const evidence = (done.request.evidence as SignedDocument<ErasureEvidence>).document;
    expect(evidence.stores.find((s) => s.name === 'c-support-webhook')!.records).toBe(2);
    expect(evidence.stores.find((s) => s.name === 'b-cache-redis')!.records).toBe(5);
    expect((await stores.processorState()).records['user4243@example.org']).toBeUndefined();
  }, 60_000);
});

describe('a job whose last attempt lost its lease', () => {
  it('leaves the request stuck in executing; the page offers retry, which resumes and completes it (audited)', async () => {
    // No worker may pick the job up before the simulated crash: it is set up by hand.
    await stopWorkers({ timeoutMs: 1000 });
    const request = await createRequest(
      { identifiers: [{ kind: 'user_id', value: '4244' }], requesterName: 'Dora', requesterContact: 'post', channel: 'letter', receivedOn: '2024-05-03' },
      dpo,
    );
    await recordVerification(request.id, { method: 'signed-in account' }, dpo);
    await runDiscovery(request.id, dpo);
    await submitForApproval(request.id, dpo);
    const approved = await approveRequest(request.id, approver);
    const jobId = approved.jobId!;
    // The worker running the last attempt died: its lease expired with attempts used up,
    // and the erasure job's own failure handling never ran. The real reaper takes it back.
    await database.db
      .update(jobs)
      .set({ state: 'running', attempts: sql`${jobs.maxAttempts}`, leaseOwner: 'killed-worker', leaseToken: crypto.randomUUID(), leaseExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(jobs.id, jobId));
    await database.db.update(erasureTasks).set({ state: 'running' }).where(and(eq(erasureTasks.requestId, request.id), eq(erasureTasks.storeName, 'a-chat-postgres')));
    expect(await reapExpiredLeases(database.db)).toEqual([expect.objectContaining({ id: jobId, state: 'failed' })]);

    const stuck = await getRequest(request.id);
    expect(stuck.request.state).toBe('executing');
    expect(stuck.job?.state).toBe('failed');
    expect(stuck).toMatchObject({ retryable: true, stalled: true });
    const [row] = await stores.chat.sql`select count(*)::int as n from conversations where user_id = 4244`;
    expect(row!.n).toBeGreaterThan(0);

    await retryRequest(request.id, approver);
    const [retryAudit] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'privacy.erasure.retry'), eq(auditEvents.targetId, request.id)));
    expect(retryAudit).toMatchObject({ before: { state: 'executing' }, after: { state: 'executing', stores: ['a-chat-postgres'], jobEnded: { state: 'failed' } } });
    expect(await database.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'job.retry'), eq(auditEvents.targetId, jobId)))).toHaveLength(1);
    const queued = await getRequest(request.id);
    expect(queued).toMatchObject({ retryable: false, stalled: false });
    expect(queued.tasks.every((t) => t.state === 'pending')).toBe(true);
    await expect(retryRequest(request.id, approver)).rejects.toMatchObject({ name: 'ConflictError' });

    await startWorkers({ pollIntervalMs: 20, leaseMs: 2000, progressIntervalMs: 0 });
    const done = await untilState(request.id, ['completed', 'partially_refused'], 30_000);
    expect(done.tasks.every((t) => t.state === 'succeeded' || t.state === 'refused')).toBe(true);
    const [after] = await stores.chat.sql`select count(*)::int as n from conversations where user_id = 4244`;
    expect(after!.n).toBe(0);
  }, 60_000);
});

function flagOf(detail: Awaited<ReturnType<typeof getRequest>>) {
  const f = detail.flags[0]!;
  return { datasetId: f.datasetId, modelName: f.modelName, versionLabel: f.versionLabel };
}
