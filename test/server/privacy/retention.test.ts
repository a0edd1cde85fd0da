import crypto from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../../db/schema/audit';
import { startWorkers, stopWorkers } from '../../../server/jobs';
import {
  createPolicy,
  createStore,
  floorFor,
  listRuns,
  recordsOfProcessing,
  recordsOfProcessingCsv,
  runPolicy,
  setFloor,
  setPrivacyKeys,
  type SignedDocument,
  verifyDocument,
} from '../../../server/privacy';
import { chatStoreMapping, type ChatStore, createChatStore } from '../../fixtures/privacy/chat-store';
import { dpo } from '../../fixtures/privacy/harness';
import { storeServerUrl } from '../../fixtures/privacy/servers';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { waitFor } from '../jobs/helpers';

let database: TestDatabase;
let chat: ChatStore;
let storeId: string;
const keys = setPrivacyKeys(crypto.randomBytes(32));

beforeAll(async () => {
  database = await createTestDatabase();
  chat = await createChatStore(storeServerUrl(), { users: 2000 });
  storeId = (await createStore({ name: 'chat', kind: 'postgres', config: chatStoreMapping, credentials: { url: chat.url } }, dpo)).id;
  await startWorkers({ pollIntervalMs: 20, leaseMs: 2000, progressIntervalMs: 0 });
}, 120_000);

afterAll(async () => {
  await stopWorkers({ timeoutMs: 1000 });
  await chat?.drop();
  await database?.close();
});

describe('legal floors', () => {
  it('keep audit and AI-system logs at least six months (184 days, prefix match)', async () => {
    expect(await floorFor('audit')).toMatchObject({ minDays: 184 });
    expect(await floorFor('ai_system.logs.gateway')).toMatchObject({ minDays: 184 });
    expect(await floorFor('ai_systemx.logs')).toBeNull();
    expect(await floorFor('user.content.private')).toBeNull();
  });

  it('refuse a policy that undercuts a floor, naming the floor', async () => {
    await setFloor({ category: 'user.content', minDays: 90, basis: 'Internal support record keeping (test)' }, dpo);
    await expect(
      createPolicy({ category: 'user.content.private', storeId, maxAgeDays: 30, action: 'delete' }, dpo),
    ).rejects.toMatchObject({ name: 'InputError', fieldErrors: { maxAgeDays: [expect.stringMatching(/^privacy\.error\.atLeastDays\?days=90&basis=/)] } });
  });

  it('refuse a policy for a category the store does not hold, or without a timestamp column', async () => {
    await expect(createPolicy({ category: 'billing.invoice', storeId, maxAgeDays: 400, action: 'delete' }, dpo)).rejects.toMatchObject({
      fieldErrors: { category: ['privacy.error.noTimestamp?tables=invoices'] },
    });
    await expect(createPolicy({ category: 'user.nothing', storeId, maxAgeDays: 400, action: 'delete' }, dpo)).rejects.toMatchObject({ name: 'InputError' });
  });
});

describe('a purge run', () => {
  it('deletes rows older than the limit in batches, children first, keeps referenced parents, and leaves signed evidence', async () => {
    const policy = await createPolicy({ category: 'user.content.private', storeId, maxAgeDays: 365, action: 'delete' }, dpo);
    await expect(setFloor({ category: 'user.content', minDays: 400, basis: 'would undercut the policy (test)' }, dpo)).rejects.toMatchObject({ name: 'ConflictError' });
    const [before] = await chat.sql`
      select (select count(*) from messages where created_at < now() - interval '365 days')::int as old_messages,
             (select count(*) from messages where created_at >= now() - interval '364 days')::int as new_messages,
             (select count(*) from conversations)::int as conversations`;
    expect(before!.old_messages).toBeGreaterThan(10_000);
    const run = await runPolicy(policy.id, dpo);
    const done = await waitFor('the run to finish', async () => (await listRuns({ policyId: policy.id })).find((r) => r.id === run.id && r.finishedAt), 60_000);

    const [after] = await chat.sql`
      select (select count(*) from messages where created_at < ${run.cutoff})::int as old_messages,
             (select count(*) from messages where created_at >= now() - interval '364 days')::int as new_messages,
             (select count(*) from conversations c where created_at < ${run.cutoff}
                and not exists (select 1 from messages m where m.conversation_id = c.id))::int as orphan_old_conversations,
             (select count(*) from conversations)::int as conversations`;
    expect(after).toMatchObject({ old_messages: 0, new_messages: before!.new_messages, orphan_old_conversations: 0 });
    expect(after!.conversations).toBeLessThan(before!.conversations);

    const signed = done.evidence as SignedDocument<{ rows: number; tables: { table: string; rows: number }[] }>;
    expect(verifyDocument(signed, keys.evidencePublicKey).ok).toBe(true);
    expect(signed.document.tables.map((t) => t.table)).toEqual(['messages', 'conversations']);
    expect(signed.document.rows).toBe(done.rows);
    expect(done.rows).toBe(signed.document.tables.reduce((s, t) => s + t.rows, 0));
    const audit = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'privacy.retention.run'));
    expect(audit).toHaveLength(1);
  }, 90_000);

  it('lists the time limits per category for the records of processing, exportable as CSV', async () => {
    const ropa = await recordsOfProcessing();
    const row = ropa.find((r) => r.category === 'user.content.private')!;
    expect(row.limits).toEqual([{ store: 'chat', tenant: null, maxAgeDays: 365, action: 'delete' }]);
    expect(ropa.find((r) => r.category === 'billing.invoice')!.unlimitedIn).toEqual(['chat']);
    const csv = await recordsOfProcessingCsv();
    expect(csv.split('\r\n')[0]).toBe('category,stores,store,tenant,max_age_days,action,legal_floor_days,floor_basis,no_limit_in');
    expect(csv).toContain('user.content.private,chat,chat,,365,delete,90,');
  });
});
