import type { ComponentType } from 'react';
import { renderToString } from 'react-dom/server';
import { StaticRouterProvider, createStaticHandler, createStaticRouter } from 'react-router-dom/server';
import { describe, expect, it } from 'vitest';
import type { Locale } from '~/i18n/locale';
import { LocaleContext } from '~/i18n/use-t';
import Overview from '~/routes/_index';
import GuardPlayground from '~/routes/guard.playground';
import DeploymentPage from '~/routes/models.deployments.$id';
import TenantPage from '~/routes/tenants.$slug';

/*
 * Pages as a German (and an English) reader sees them, rendered the way the server renders
 * them inside a real data router, from fixed loader data: numbers, dates, role and field names
 * in the reader's language, not raw keys, bytes or ISO strings.
 */

async function render(Page: ComponentType, data: unknown, locale: Locale): Promise<string> {
  const handler = createStaticHandler([{ id: 'page', path: '/p', loader: () => data as Record<string, unknown>, Component: Page }]);
  const context = await handler.query(new Request('http://localhost/p'));
  if (context instanceof Response) throw new Error('unexpected redirect');
  const html = renderToString(
    <LocaleContext.Provider value={locale}>
      <StaticRouterProvider router={createStaticRouter(handler.dataRoutes, context)} context={context} hydrate={false} />
    </LocaleContext.Provider>,
  );
  return html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/\s+/g, ' ');
}

const deployment = {
  deployment: {
    id: 'd1',
    model: 'llama',
    name: 'llama',
    namespace: 'platform',
    engine: 'vllm',
    stableLabel: 'v2',
    canaryLabel: null,
    canaryVersionId: null,
    canaryWeight: 0,
    previousLabel: 'v1',
    previousVersionId: null,
    replicas: 2,
    gpusPerReplica: 1,
    gpuProduct: null,
    cpu: '8',
    memory: '64Gi',
    revision: 3,
    removedAt: null,
  },
  progress: {
    ready: false,
    clusterError: null,
    failures: [],
    tracks: [{ track: 'stable', applied: true, desired: 2, updated: 1, ready: 1, available: 1 }],
    pods: [{ name: 'llama-0', track: 'stable', version: 'v2', node: 'gpu-01', phase: 'Running', ready: true, problem: null }],
    events: [],
  },
  objects: [],
  rollouts: [
    {
      id: 'r1',
      revision: 3,
      kind: 'update',
      from: 'v1',
      to: 'v2',
      weight: 0,
      reason: 'new version',
      actor: 'ada',
      at: '2026-11-22T04:26:00.000Z',
      changes: [
        { field: 'stableVersionId', before: 'v1', after: 'v2' },
        { field: 'settings.maxModelLen', before: null, after: 16384 },
        { field: 'settings.gpuMemoryUtilization', before: 0.9, after: 0.85 },
      ],
      job: { state: 'running', progress: { done: 1, total: 2, message: 'models.rollout.progress.replicasReady?done=1&total=2&_n=done%2Ctotal' }, lastError: null },
    },
  ],
  canaryCandidates: [],
  manifests: '',
  canWrite: false,
};

describe('deployment page', () => {
  it('reads in German only: progress note, lane, history with field and version labels, numbers with a comma', async () => {
    const text = await render(DeploymentPage, deployment, 'de');
    expect(text).toContain('Wird ausgerollt 1 von 2 Replikaten bereit');
    expect(text).not.toContain('replicas ready');
    expect(text).toContain('llama-0 stabil v2');
    expect(text).toContain('Stabile Version: v1 → v2');
    expect(text).toContain('Maximale Kontextlänge: — → 16.384');
    expect(text).toContain('Anteil des GPU-Speichers: 0,9 → 0,85');
    expect(text).not.toContain('settings.');
    expect(text).toContain('22.11.2026, 04:26 UTC');
  });

  it('names a canary candidate’s stage in German', async () => {
    const data = { ...deployment, canWrite: true, canaryCandidates: [{ value: 'id-v3', label: 'v3', stage: 'staging' }] };
    expect(await render(DeploymentPage, data, 'de')).toContain('v3 (Erprobung)');
  });

  it('reads in English for an English reader', async () => {
    const text = await render(DeploymentPage, deployment, 'en');
    expect(text).toContain('1 of 2 replicas ready');
    expect(text).toContain('Maximum context length: — → 16,384');
    expect(text).toContain('GPU memory fraction: 0.9 → 0.85');
  });
});

const tenant = {
  litellmBudget: { maxBudget: 1234.5, softBudget: 987.6 },
  canWrite: false,
  tenant: {
    slug: 'search',
    name: 'Search',
    namespace: 'tenant-search',
    costCentre: null,
    contacts: [],
    status: 'active',
    quota: null,
    limitDefaults: null,
    tokenBudget: 1_000_000,
    budgetPeriod: 'month',
    alertThresholdPercent: 80,
    requestsPerMinute: null,
    tokensPerMinute: null,
  },
  models: [],
  objects: [],
  usage: {
    slug: 'search',
    resources: [
      { resource: 'requests.memory', used: 68_719_476_736, hard: 274_877_906_944 },
      { resource: 'requests.cpu', used: 3.5, hard: 16 },
    ],
    gpus: { used: 0, quota: null },
    tokens: { used: null, budget: 1_000_000, period: 'month', start: '', end: '', alert: false },
  },
  usageError: null,
};

describe('tenant page usage', () => {
  it('shows memory in GiB with the resource named in words, and the budget grouped', async () => {
    const text = await render(TenantPage, tenant, 'de');
    expect(text).toContain('Arbeitsspeicher 64 GiB / 256 GiB');
    expect(text).toContain('CPU (Kerne) 3,5 / 16');
    expect(text).toContain('Budget 1.000.000');
    expect(text).toContain('max_budget 1.234,5 USD');
    expect(text).not.toContain('68719476736');
  });

  it('in English too', async () => {
    const text = await render(TenantPage, tenant, 'en');
    expect(text).toContain('Memory 64 GiB / 256 GiB');
    expect(text).toContain('budget 1,000,000');
  });
});

describe('role and status names', () => {
  it('overview names the roles in the reader’s language', async () => {
    const data = { displayName: 'Ada', roles: ['admin', 'operator'], permissions: [] };
    expect(await render(Overview, data, 'de')).toContain('Ihre Rollen: Administration, Betrieb.');
    expect(await render(Overview, data, 'en')).toContain('Your roles: Admin, Operator.');
  });

  it('guard playground translates the version status', async () => {
    const data = { options: [{ value: 'p1:1', name: 'klinik-standard', version: 1, status: 'published' }] };
    expect(await render(GuardPlayground, data, 'de')).toContain('klinik-standard v1 (veröffentlicht)');
    expect(await render(GuardPlayground, data, 'en')).toContain('klinik-standard v1 (published)');
  });
});
