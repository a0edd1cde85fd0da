import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as listRoute from '~/routes/tenants._index';
import * as tenantRoute from '~/routes/tenants.$slug';
import { parseConfig } from '../../../server/config';
import { setSingleton } from '../../../server/core/singleton';
import { type JobDetail, getJob, listJobs, startWorkers, stopWorkers } from '../../../server/jobs';
import { LITELLM_SYNC_JOB } from '../../../server/tenants';
import { auditEventsOf, createTestSession, createTestUser } from '../../support/auth';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { english } from '../../support/messages';
import { startFakeLiteLlm, waitFor } from '../../server/tenants/support';

/*
 * The tenants pages' LiteLLM panel and its "Sync to LiteLLM now" button, called the way
 * Remix calls them, with real sessions, the real job queue and the fake LiteLLM in its own
 * process. The tenant and its limits are saved while LiteLLM is not configured, so the only
 * way its team can reach LiteLLM is the button.
 */

const MASTER_KEY = 'sk-route-test-master';
let database: TestDatabase;
let fake: ChildProcess;
let base = '';
let operator: { cookie: string; csrfToken: string };
let operatorName = '';
let auditor: { cookie: string; csrfToken: string };

function configure(env: Record<string, string | undefined>) {
  setSingleton('config', parseConfig({ ...process.env, ...env }));
}

beforeAll(async () => {
  ({ base, process: fake } = await startFakeLiteLlm(MASTER_KEY));
  configure({});
  database = await createTestDatabase();
  const user = await createTestUser({ roles: ['operator'] });
  operatorName = user.username;
  operator = await createTestSession(user);
  auditor = await createTestSession(await createTestUser({ roles: ['auditor'] }));
});
afterAll(async () => {
  await stopWorkers();
  await database?.close();
  fake?.kill('SIGTERM');
});

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });
const get = (path: string, session = operator) => new Request(`http://localhost${path}`, { headers: { cookie: session.cookie } });
function post(path: string, fields: Record<string, string>, session = operator) {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { cookie: session.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: session.csrfToken, ...fields }),
  });
}
type ListData = Awaited<ReturnType<Awaited<ReturnType<typeof listRoute.loader>>['json']>>;
const listPage = async (): Promise<ListData> => (await (await listRoute.loader(args(get('/tenants')))).json()) as ListData;
const teamInfo = async (id: string) =>
  fetch(`${base}/team/info?team_id=${id}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { team_info?: Record<string, unknown> },
  }));

describe('tenants page: LiteLLM panel and "Sync to LiteLLM now"', () => {
  it('says plainly that nothing goes to LiteLLM without its URL and price, and refuses the sync', async () => {
    const created = (await listRoute.action(args(post('/tenants', { intent: 'create', slug: 'search', name: 'Search' })))) as Response;
    expect(created.status).toBe(302);
    const limits = (await tenantRoute.action(
      args(post('/tenants/search', { intent: 'limits', tokenBudget: '2000000', budgetPeriod: 'month', alertThresholdPercent: '50', models: 'llama-3.1-8b' }), { slug: 'search' }),
    )) as Response;
    expect(limits.status).toBe(200);

    const page = await listPage();
    expect(page.litellm).toEqual({ target: null, usdPerMillionTokens: null, latest: null, lastFinished: null });
    const detail = (await (await tenantRoute.loader(args(get('/tenants/search'), { slug: 'search' }))).json()) as { litellmBudget: unknown };
    expect(detail.litellmBudget).toBeNull();

    const refused = (await listRoute.action(args(post('/tenants', { intent: 'litellm-sync' })))) as Response;
    expect(refused.status).toBe(409);
    const refusal = (await refused.json()) as { ok: boolean; intent: string; formError: string };
    expect(refusal).toMatchObject({ ok: false, intent: 'litellm-sync' });
    // The form gets a message key; the page shows its text.
    expect(english(refusal.formError)).toMatch(/LEITSTAND_LITELLM_URL/);
    expect((await listJobs({ type: LITELLM_SYNC_JOB })).jobs).toEqual([]);
  });

  it('refuses the button to a reader', async () => {
    configure({ LEITSTAND_LITELLM_URL: base, LEITSTAND_LITELLM_API_KEY: MASTER_KEY, LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS: '0.50' });
    const denied = await listRoute.action(args(post('/tenants', { intent: 'litellm-sync' }, auditor))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(denied).toBeInstanceOf(Response);
    expect((denied as Response).status).toBe(403);
    expect((await listJobs({ type: LITELLM_SYNC_JOB })).jobs).toEqual([]);
  });

  it('queues the sync of the current version with its audit event, and the fake LiteLLM gets the team with its dollar budget', async () => {
    expect((await teamInfo('search')).status).toBe(404);
    const before = await listPage();
    expect(before.litellm).toMatchObject({ target: new URL(base).host, usdPerMillionTokens: 0.5, latest: null });

    const response = (await listRoute.action(args(post('/tenants', { intent: 'litellm-sync' })))) as Response;
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: true; version: number; created: boolean };
    expect(body).toMatchObject({ ok: true, intent: 'litellm-sync', created: true });
    const { jobs } = await listJobs({ type: LITELLM_SYNC_JOB });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'queued', owner: { type: 'gateway-limits', id: String(body.version) }, createdBy: { name: operatorName } });
    const [request] = await auditEventsOf({ action: 'tenant.litellm.sync-request' });
    expect(request).toMatchObject({ actorName: operatorName, after: { version: body.version, job: jobs[0]!.id, queued: true } });
    expect(await auditEventsOf({ action: 'job.enqueue', targetId: jobs[0]!.id })).toHaveLength(1);

    // Pressed again while it waits: the same job, said so.
    const again = (await (await listRoute.action(args(post('/tenants', { intent: 'litellm-sync' }))) as Response).json()) as { created: boolean };
    expect(again.created).toBe(false);
    expect((await listJobs({ type: LITELLM_SYNC_JOB })).jobs).toHaveLength(1);
    const queued = await listPage();
    expect(queued.litellm.latest).toMatchObject({ state: 'queued', createdBy: operatorName, version: body.version });

    await startWorkers({ pollIntervalMs: 20, leaseMs: 3_000, progressIntervalMs: 0, shutdownTimeoutMs: 2_000 });
    const job = await waitFor('sync finished', async () => {
      const j: JobDetail | null = await getJob(jobs[0]!.id);
      return j && ['succeeded', 'failed'].includes(j.state) ? j : undefined;
    });
    expect(job.lastError).toBeNull();
    expect(job.state).toBe('succeeded');
    const team = await teamInfo('search');
    expect(team.status).toBe(200);
    // 2,000,000 tokens at 0.50 USD per million: 1 USD a month, alert at 50 %.
    expect(team.body.team_info).toMatchObject({ team_alias: 'Search', models: ['llama-3.1-8b'], max_budget: 1, soft_budget: 0.5, budget_duration: '30d' });

    const after = await listPage();
    expect(after.litellm.latest).toMatchObject({ state: 'succeeded', counts: { created: 1, updated: 0, unchanged: 0, blocked: 0 }, error: null });
    expect(after.litellm.latest!.finishedAt).toEqual(expect.any(String));
    const detail = (await (await tenantRoute.loader(args(get('/tenants/search'), { slug: 'search' }))).json()) as { litellmBudget: unknown };
    expect(detail.litellmBudget).toEqual({ maxBudget: 1, softBudget: 0.5 });
  });

  it('shows a failed sync with its error', async () => {
    configure({ LEITSTAND_LITELLM_URL: base, LEITSTAND_LITELLM_API_KEY: 'sk-wrong', LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS: '0.50' });
    try {
      const response = (await listRoute.action(args(post('/tenants', { intent: 'litellm-sync' })))) as Response;
      expect(((await response.json()) as { created: boolean }).created).toBe(true);
      const page = await waitFor('failed sync shown', async () => {
        const p = await listPage();
        return p.litellm.latest?.state === 'failed' ? p : undefined;
      });
      expect(page.litellm.latest!.error).toMatch(/401.*LEITSTAND_LITELLM_API_KEY/);
    } finally {
      configure({ LEITSTAND_LITELLM_URL: base, LEITSTAND_LITELLM_API_KEY: MASTER_KEY });
    }
  });
});
