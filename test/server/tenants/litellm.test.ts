import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../server/audit';
import { parseConfig } from '../../../server/config';
import { setSingleton } from '../../../server/core/singleton';
import { type JobDetail, getJob, listJobs, startWorkers, stopWorkers } from '../../../server/jobs';
import { LITELLM_SYNC_JOB, archiveTenant, createTenant, enqueueLiteLlmSync, getGatewayLimits, liteLlmBudget, setTenantLimits } from '../../../server/tenants';
import { auditEventsOf } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { startFakeLiteLlm, startSimKube, stopKube, waitFor } from './support';

const MASTER_KEY = 'sk-leitstand-test-master';
let database: TestDatabase;
let fake: ChildProcess;
let base = '';
const actor = { ...systemActor, name: 'litellm-test' };

/** Points the process's config at the fake LiteLLM (the config is parsed once per process), optionally with a price. */
function configure(apiKey: string, usdPerMillionTokens?: string) {
  setSingleton(
    'config',
    parseConfig({
      ...process.env,
      LEITSTAND_LITELLM_URL: base,
      LEITSTAND_LITELLM_API_KEY: apiKey,
      LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS: usdPerMillionTokens,
    }),
  );
}

beforeAll(async () => {
  ({ base, process: fake } = await startFakeLiteLlm(MASTER_KEY));
  configure(MASTER_KEY);
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'litellm-test' });
  await startWorkers({ pollIntervalMs: 20, leaseMs: 3_000, progressIntervalMs: 0, shutdownTimeoutMs: 2_000 });
});
afterAll(async () => {
  await stopWorkers();
  await stopKube();
  await database?.close();
  fake?.kill('SIGTERM');
});

async function litellm<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${pathAndQuery}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
  return { status: res.status, body: (await res.json()) as T };
}
type TeamInfo = { team_info: Record<string, unknown> & { metadata: Record<string, unknown> } };
const calls = async () => (await litellm<Array<{ method: string; path: string; body?: Record<string, unknown> }>>('/__calls')).body;

/** The sync job of the newest published version, once finished. */
async function syncOfLatest(states: JobDetail['state'][] = ['succeeded']): Promise<JobDetail> {
  const latest = (await getGatewayLimits(database.db))!.version;
  return waitFor(`LiteLLM sync of version ${latest}`, async () => {
    const { jobs } = await listJobs({ type: LITELLM_SYNC_JOB, owner: { type: 'gateway-limits', id: String(latest) } });
    const job = jobs[0] && (await getJob(jobs[0].id));
    return job && states.includes(job.state) ? job : undefined;
  });
}

describe('LiteLLM teams from the gateway limits', () => {
  it('creates a team per tenant with the documented fields when a version is published', async () => {
    await createTenant(actor, { slug: 'search', name: 'Search team' });
    expect((await syncOfLatest()).result).toMatchObject({ teams: { search: 'created' } });
    expect((await litellm<TeamInfo>('/team/info?team_id=search')).body.team_info).toMatchObject({ team_alias: 'Search team', models: [], rpm_limit: null, budget_duration: null, blocked: true });
    await setTenantLimits(actor, 'search', {
      tokenBudget: '5000000',
      budgetPeriod: 'month',
      alertThresholdPercent: '80',
      requestsPerMinute: '600',
      tokensPerMinute: '200000',
      models: 'llama-3.1-70b rpm=60 tpm=100000\nmistral-7b',
    });
    expect((await syncOfLatest()).result).toMatchObject({ teams: { search: 'updated' } });
    const { status, body } = await litellm<TeamInfo>('/team/info?team_id=search');
    expect(status).toBe(200);
    expect(body.team_info).toMatchObject({
      team_id: 'search',
      team_alias: 'Search team',
      models: ['llama-3.1-70b', 'mistral-7b'],
      rpm_limit: 600,
      tpm_limit: 200000,
      budget_duration: '30d',
      max_budget: null,
      blocked: false,
      metadata: {
        leitstand_tenant: 'search',
        token_budget: 5000000,
        alert_threshold_percent: 80,
        model_rpm_limit: { 'llama-3.1-70b': 60 },
        model_tpm_limit: { 'llama-3.1-70b': 100000 },
      },
    });
    expect((await auditEventsOf({ action: 'tenant.litellm.sync' })).map((e) => e.after)).toEqual([
      expect.objectContaining({ created: 0, updated: 1 }),
      expect.objectContaining({ created: 1, updated: 0 }),
    ]);
  });

  it('updates only what differs, keeps metadata others wrote, and leaves teams in sync alone', async () => {
    // Someone edits the team in LiteLLM's UI: a changed alias and a metadata key of their own.
    const edited = await fetch(`${base}/team/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ team_id: 'search', team_alias: 'renamed by hand', metadata: { leitstand_tenant: 'search', owner: 'ops' } }),
    });
    expect(edited.status).toBe(200);
    await setTenantLimits(actor, 'search', {
      tokenBudget: '5000000',
      budgetPeriod: 'day',
      alertThresholdPercent: '80',
      requestsPerMinute: '900',
      tokensPerMinute: '200000',
      models: 'llama-3.1-70b rpm=60 tpm=100000\nmistral-7b',
    });
    expect((await syncOfLatest()).result).toMatchObject({ teams: { search: 'updated' } });
    const { body } = await litellm<TeamInfo>('/team/info?team_id=search');
    expect(body.team_info).toMatchObject({ team_alias: 'Search team', rpm_limit: 900, budget_duration: '1d' });
    expect(body.team_info.metadata).toMatchObject({ owner: 'ops', token_budget: 5000000, model_rpm_limit: { 'llama-3.1-70b': 60 } });

    // A second tenant changes the limits again; the first team is in sync: one GET, no write.
    const before = (await calls()).length;
    await createTenant(actor, { slug: 'chat', name: 'Chat' });
    expect((await syncOfLatest()).result).toMatchObject({ teams: { search: 'unchanged', chat: 'created' } });
    const recent = (await calls()).slice(before);
    expect(recent.filter((c) => c.path.includes('search')).map((c) => `${c.method} ${c.path}`)).toEqual(['GET /team/info?team_id=search']);
    expect(recent.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/team/new']);
  });

  it('blocks the team of a tenant without models (LiteLLM reads none as all) and of an archived tenant', async () => {
    // Created without models: no access, so the team is blocked rather than given every model.
    expect((await litellm<TeamInfo>('/team/info?team_id=chat')).body.team_info).toMatchObject({ models: [], blocked: true });
    await setTenantLimits(actor, 'chat', { models: 'mistral-7b' });
    expect((await syncOfLatest()).result).toMatchObject({ teams: { chat: 'updated' } });
    expect((await litellm<TeamInfo>('/team/info?team_id=chat')).body.team_info).toMatchObject({ models: ['mistral-7b'], blocked: false });
    await archiveTenant(actor, 'chat', { confirmSlug: 'chat' });
    expect((await syncOfLatest()).result).toMatchObject({ teams: { search: 'unchanged', chat: 'blocked' } });
    expect((await litellm<TeamInfo>('/team/info?team_id=chat')).body.team_info.blocked).toBe(true);
  });

  it('fails at once, saying which setting to check, when LiteLLM refuses the key', async () => {
    configure('sk-wrong');
    try {
      const id = (await database.db.transaction(async (tx) => enqueueLiteLlmSync(tx, (await getGatewayLimits(tx))!.version)))!;
      // The version's earlier job has finished, so the dedupe key is free and this is a new job.
      const job = await waitFor('job failed', async () => {
        const j = await getJob(id);
        return j?.state === 'failed' ? j : undefined;
      });
      expect(job.attempts).toBe(1);
      expect(job.lastError).toMatch(/LiteLLM refused GET team\/info\?team_id=search \(401\).*LEITSTAND_LITELLM_API_KEY/);
    } finally {
      configure(MASTER_KEY);
    }
  });
});

/** Queues a push of the current version (as the start-up does) and waits for it to finish. */
async function syncNow(): Promise<JobDetail> {
  const id = (await database.db.transaction(async (tx) => enqueueLiteLlmSync(tx, (await getGatewayLimits(tx))!.version)))!;
  return waitFor('sync finished', async () => {
    const job = await getJob(id);
    return job && ['succeeded', 'failed'].includes(job.state) ? job : undefined;
  });
}

describe('LiteLLM dollar budgets from token budgets', () => {
  it('computes max_budget from the price and soft_budget at the alert threshold, rounded to a millionth of a dollar', () => {
    expect(liteLlmBudget({ tokens: 5_000_000, period: 'month', alertThresholdPercent: 80 }, 0.5)).toEqual({ maxBudget: 2.5, softBudget: 2 });
    expect(liteLlmBudget({ tokens: 1_234_567, period: 'day', alertThresholdPercent: 80 }, 0.3)).toEqual({ maxBudget: 0.37037, softBudget: 0.296296 });
    // An alert at the point where requests are refused says nothing new: no soft budget.
    expect(liteLlmBudget({ tokens: 1_000_000, period: 'day', alertThresholdPercent: 100 }, 2)).toEqual({ maxBudget: 2, softBudget: null });
    expect(liteLlmBudget({ tokens: 0, period: 'day', alertThresholdPercent: 50 }, 2)).toEqual({ maxBudget: 0, softBudget: null });
    expect(liteLlmBudget({ tokens: 1_000_000, period: 'day', alertThresholdPercent: 80 }, undefined)).toEqual({ maxBudget: null, softBudget: null });
    expect(liteLlmBudget(null, 2)).toEqual({ maxBudget: null, softBudget: null });
  });

  it('sends no dollar budget without a price', async () => {
    const posts = (await calls()).filter((c) => c.method === 'POST' && c.path.startsWith('/team/') && c.body?.team_id === 'search');
    expect(posts.length).toBeGreaterThan(1);
    for (const post of posts) {
      expect(post.body).not.toHaveProperty('max_budget');
      expect(post.body).not.toHaveProperty('soft_budget');
    }
    expect((await litellm<TeamInfo>('/team/info?team_id=search')).body.team_info).toMatchObject({ max_budget: null, soft_budget: null });
  });

  it('pushes max_budget and soft_budget with a price, once: equal state is not written again', async () => {
    configure(MASTER_KEY, '0.50');
    try {
      // search: 5,000,000 tokens a day, alert at 80 %.
      expect((await syncNow()).result).toMatchObject({ teams: { search: 'updated' } });
      const info = (await litellm<TeamInfo>('/team/info?team_id=search')).body.team_info;
      expect(info).toMatchObject({ max_budget: 2.5, soft_budget: 2, budget_duration: '1d', metadata: { token_budget: 5_000_000, usd_per_million_tokens: 0.5 } });

      const before = (await calls()).length;
      expect((await syncNow()).result).toMatchObject({ teams: { search: 'unchanged' } });
      expect((await calls()).slice(before).filter((c) => c.method === 'POST')).toEqual([]);

      // With a price the dollar budgets are Leitstand's: a hand edit in LiteLLM is put back.
      const edited = await fetch(`${base}/team/update`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ team_id: 'search', max_budget: 99, soft_budget: 1 }),
      });
      expect(edited.status).toBe(200);
      expect((await syncNow()).result).toMatchObject({ teams: { search: 'updated' } });
      expect((await litellm<TeamInfo>('/team/info?team_id=search')).body.team_info).toMatchObject({ max_budget: 2.5, soft_budget: 2 });

      // A threshold of 100 % takes the soft budget away; a published change is pushed by its own job.
      await setTenantLimits(actor, 'search', {
        tokenBudget: '8000000',
        budgetPeriod: 'day',
        alertThresholdPercent: '100',
        requestsPerMinute: '900',
        tokensPerMinute: '200000',
        models: 'llama-3.1-70b rpm=60 tpm=100000\nmistral-7b',
      });
      expect((await syncOfLatest()).result).toMatchObject({ teams: { search: 'updated' } });
      expect((await litellm<TeamInfo>('/team/info?team_id=search')).body.team_info).toMatchObject({ max_budget: 4, soft_budget: null });
    } finally {
      configure(MASTER_KEY);
    }
  });

  it('clears the dollar budgets it set when the price is unset, and then leaves a hand-set budget alone', async () => {
    expect((await syncNow()).result).toMatchObject({ teams: { search: 'updated' } });
    expect((await litellm<TeamInfo>('/team/info?team_id=search')).body.team_info).toMatchObject({
      max_budget: null,
      soft_budget: null,
      metadata: { token_budget: 8_000_000, usd_per_million_tokens: null },
    });
    const edited = await fetch(`${base}/team/update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ team_id: 'search', max_budget: 9 }),
    });
    expect(edited.status).toBe(200);
    expect((await syncNow()).result).toMatchObject({ teams: { search: 'unchanged' } });
    expect((await litellm<TeamInfo>('/team/info?team_id=search')).body.team_info.max_budget).toBe(9);
  });
});
