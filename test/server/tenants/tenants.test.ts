import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../server/audit';
import type { KubeObject } from '../../../server/kube';
import {
  archiveTenant,
  createTenant,
  getGatewayLimits,
  getTenant,
  getTenantQuotaState,
  getTenantUsage,
  registerTokenUsageSource,
  renderTenantLimitRange,
  renderTenantNamespace,
  renderTenantQuota,
  setTenantLimits,
  setTenantQuota,
  updateTenant,
} from '../../../server/tenants';
import { auditEventsOf } from '../../support/auth';
import { englishFieldErrors, inEnglish } from '../../support/messages';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { gpuDeployment, kubeCreate, kubeGet, startSimKube, stopKube, waitFor } from './support';

let database: TestDatabase;
const actor = { ...systemActor, name: 'tenant-test' };

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube();
});
afterAll(async () => {
  registerTokenUsageSource(undefined);
  await stopKube();
  await database?.close();
});

async function fieldErrorsOf(promise: Promise<unknown>): Promise<Record<string, string[]>> {
  try {
    await promise;
  } catch (error) {
    // As the English reader sees them (the server sends message keys).
    const fieldErrors = (error as { fieldErrors?: Record<string, string[]> }).fieldErrors;
    return fieldErrors ? englishFieldErrors(fieldErrors) : { _thrown: [String(error)] };
  }
  throw new Error('expected a refusal');
}

describe('tenant manifests', () => {
  it('validate against the Kubernetes schemas', () => {
    const ns = renderTenantNamespace({ slug: 'a', name: 'Team A', costCentre: 'CC-1' });
    new Namespace(ns as never).validate();
    const quota = renderTenantQuota('a', { gpus: 4, mig: { '1g.10gb': 7 }, cpu: '64', memory: '256Gi', pods: 20 })!;
    new ResourceQuota(quota as never).validate();
    expect(quota.spec).toEqual({
      hard: { 'requests.nvidia.com/gpu': '4', 'requests.nvidia.com/mig-1g.10gb': '7', 'requests.cpu': '64', 'requests.memory': '256Gi', pods: '20' },
    });
    const lr = renderTenantLimitRange('a', { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '1Gi', memoryLimit: '4Gi' })!;
    new LimitRange(lr as never).validate();
    expect(renderTenantQuota('a', { gpus: null, mig: {}, cpu: null, memory: null, pods: null })).toBeNull();
  });
});

describe('createTenant', () => {
  it('creates the row, the namespace (desired and then live), an audit event and a gateway entry', async () => {
    const tenant = await createTenant(actor, { slug: 'search', name: 'Search team', costCentre: 'CC-4711', contacts: 'Ada Lovelace <ada@example.org>\nops@example.org' });
    expect(tenant).toMatchObject({ slug: 'search', namespace: 'tenant-search', status: 'active' });
    expect(tenant.contacts).toEqual([{ name: 'Ada Lovelace', email: 'ada@example.org' }, { name: 'ops@example.org', email: 'ops@example.org' }]);
    const ns = await waitFor('namespace applied', () => kubeGet('/api/v1/namespaces/tenant-search'));
    expect(ns.metadata.labels).toMatchObject({ 'leitstand.io/tenant': 'search', 'app.kubernetes.io/managed-by': 'leitstand' });
    expect((await auditEventsOf({ action: 'tenant.create', targetId: 'search' })).length).toBe(1);
    const limits = await getGatewayLimits(database.db);
    expect(limits?.content.tenants.map((t) => t.tenant)).toContain('search');
  });

  it('refuses a bad slug and a taken slug with field errors', async () => {
    expect(Object.keys(await fieldErrorsOf(createTenant(actor, { slug: 'Not OK', name: 'x' })))).toEqual(['slug']);
    const taken = await fieldErrorsOf(createTenant(actor, { slug: 'search', name: 'again' }));
    expect(taken.slug?.[0]).toMatch(/exists already/);
  });

  it('renames without touching the slug or namespace', async () => {
    const t = await updateTenant(actor, 'search', { name: 'Search & Ranking', costCentre: '', contacts: '' });
    expect(t).toMatchObject({ slug: 'search', namespace: 'tenant-search', name: 'Search & Ranking', costCentre: null });
    const ns = await waitFor('annotation updated', async () => {
      const o = await kubeGet('/api/v1/namespaces/tenant-search');
      return o?.metadata.annotations?.['leitstand.io/tenant-name'] === 'Search & Ranking' ? o : undefined;
    });
    expect(ns.metadata.annotations?.['leitstand.io/cost-centre']).toBeUndefined();
  });
});

describe('setTenantQuota', () => {
  it('applies a ResourceQuota and LimitRange, and a deployment beyond the quota fails visibly', async () => {
    await createTenant(actor, { slug: 'chat', name: 'Chat' });
    await setTenantQuota(actor, 'chat', { gpus: '2', cpu: '16', memory: '64Gi', pods: '10', cpuRequest: '250m', memoryRequest: '256Mi' });
    const quota = await waitFor('quota applied', () => kubeGet('/api/v1/namespaces/tenant-chat/resourcequotas/tenant-quota'));
    expect((quota.spec as { hard: Record<string, string> }).hard['requests.nvidia.com/gpu']).toBe('2');
    await waitFor('limit range applied', () => kubeGet('/api/v1/namespaces/tenant-chat/limitranges/tenant-defaults'));
    await waitFor('quota status', async () => {
      const q = await kubeGet('/api/v1/namespaces/tenant-chat/resourcequotas/tenant-quota');
      return (q?.status as { hard?: object } | undefined)?.hard;
    });

    await kubeCreate('/apis/apps/v1/namespaces/tenant-chat/deployments', gpuDeployment('big', 3, 1));
    const deployment = await waitFor('ReplicaFailure', async () => {
      const d = await kubeGet<KubeObject>('/apis/apps/v1/namespaces/tenant-chat/deployments/big');
      const conditions = ((d?.status as { conditions?: Array<{ type: string; status: string; message?: string }> })?.conditions ?? []);
      return conditions.find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    });
    expect(deployment.message).toMatch(/exceeded quota: tenant-quota/);
    expect(deployment.message).toMatch(/requests\.nvidia\.com\/gpu=1, used: requests\.nvidia\.com\/gpu=2, limited: requests\.nvidia\.com\/gpu=2/);
    const d = await kubeGet<KubeObject>('/apis/apps/v1/namespaces/tenant-chat/deployments/big');
    expect((d!.status as { readyReplicas?: number }).readyReplicas ?? 0).toBeLessThanOrEqual(2);
  });

  it('refuses a quota below current usage, with the numbers', async () => {
    await waitFor('two GPU pods counted', async () => (await getTenantQuotaState('chat'))?.used['requests.nvidia.com/gpu'] === 2);
    const errors = await fieldErrorsOf(setTenantQuota(actor, 'chat', { gpus: '1', pods: '1' }));
    expect(errors.gpus?.[0]).toBe(
      'GPUs: 1 is below the 2 that pods in tenant-chat already request. Scale them down first, or set at least 2.',
    );
    expect(errors.pods?.[0]).toMatch(/^pods: 1 is below the 2 /);
    // Nothing changed: the stored quota and the desired object still say 2.
    const { tenant } = await getTenant('chat');
    expect(tenant.quota?.gpus).toBe(2);
    expect((await auditEventsOf({ action: 'tenant.quota.set', targetId: 'chat' })).length).toBe(1);
  });

  it('refuses a default request above the default limit', async () => {
    const errors = await fieldErrorsOf(setTenantQuota(actor, 'chat', { gpus: '4', cpuRequest: '4', cpuLimit: '2' }));
    expect(errors.cpuRequest?.[0]).toMatch(/must not exceed/);
  });

  it('reports GPUs used against quota', async () => {
    const [usage] = await getTenantUsage(['chat']);
    expect(usage!.gpus).toEqual({ used: 2, quota: 2 });
    expect(usage!.tokens.used).toBeNull();
  });
});

describe('setTenantLimits and the gateway ConfigMap', () => {
  it('publishes a new version with budgets, rate limits and models, and the LiteLLM teams', async () => {
    const before = (await getGatewayLimits(database.db))!.version;
    const { gatewayVersion } = await setTenantLimits(actor, 'search', {
      tokenBudget: '5000000',
      budgetPeriod: 'day',
      alertThresholdPercent: '75',
      requestsPerMinute: '600',
      tokensPerMinute: '200000',
      models: 'llama-3.1-70b rpm=60 tpm=100000\nmistral-7b',
    });
    expect(gatewayVersion).toBe(before + 1);
    const cm = await waitFor('ConfigMap at the new version', async () => {
      const o = await kubeGet('/api/v1/namespaces/llm-gateway/configmaps/leitstand-gateway-limits');
      return o?.metadata.annotations?.['leitstand.io/version'] === String(gatewayVersion) ? o : undefined;
    });
    new ConfigMap(cm as never).validate();
    const data = cm.data as Record<string, string>;
    const limits = JSON.parse(data['limits.json']!);
    expect(limits.version).toBe(gatewayVersion);
    expect(limits.tenants.find((t: { tenant: string }) => t.tenant === 'search')).toEqual({
      tenant: 'search',
      namespace: 'tenant-search',
      name: 'Search & Ranking',
      budget: { tokens: 5_000_000, period: 'day', alertThresholdPercent: 75 },
      rateLimits: { requestsPerMinute: 600, tokensPerMinute: 200_000 },
      models: [
        { model: 'llama-3.1-70b', requestsPerMinute: 60, tokensPerMinute: 100_000 },
        { model: 'mistral-7b', requestsPerMinute: null, tokensPerMinute: null },
      ],
    });
    const teams = JSON.parse(data['litellm-teams.json']!).teams;
    expect(teams.find((t: { team_id: string }) => t.team_id === 'search')).toMatchObject({
      team_alias: 'Search & Ranking',
      models: ['llama-3.1-70b', 'mistral-7b'],
      rpm_limit: 600,
      tpm_limit: 200_000,
      budget_duration: '1d',
      // No LEITSTAND_LITELLM_USD_PER_MILLION_TOKENS here: no dollar budget.
      max_budget: null,
      soft_budget: null,
      metadata: { token_budget: 5_000_000, usd_per_million_tokens: null, model_rpm_limit: { 'llama-3.1-70b': 60 }, model_tpm_limit: { 'llama-3.1-70b': 100_000 } },
    });
  });

  it('does not publish a new version when nothing changed', async () => {
    const before = (await getGatewayLimits(database.db))!.version;
    const { gatewayVersion } = await setTenantLimits(actor, 'search', {
      tokenBudget: '5000000', budgetPeriod: 'day', alertThresholdPercent: '75', requestsPerMinute: '600', tokensPerMinute: '200000',
      models: 'mistral-7b\nllama-3.1-70b tpm=100000 rpm=60',
    });
    expect(gatewayVersion).toBe(before);
  });

  it('refuses malformed model lines', async () => {
    const errors = await fieldErrorsOf(setTenantLimits(actor, 'search', { models: 'ok-model\nbad model rpm=x' }));
    expect(errors.models?.[0]).toMatch(/Line 2/);
  });

  it('takes token usage from a registered source and raises the soft alert', async () => {
    registerTokenUsageSource(async ({ tenants }) => new Map(tenants.map((t) => [t, 4_000_000])));
    const [usage] = await getTenantUsage(['search']);
    expect(usage!.tokens).toMatchObject({ used: 4_000_000, budget: 5_000_000, period: 'day', alert: true });
  });
});

describe('archiveTenant', () => {
  it('refuses while pods run, then archives: gateway entry and namespace go', async () => {
    await expect(inEnglish(archiveTenant(actor, 'chat', { confirmSlug: 'chat' }))).rejects.toThrow(/still runs 2 pods \(2 GPUs\)/);
    const archived = await archiveTenant(actor, 'search', { confirmSlug: 'search' });
    expect(archived.status).toBe('archived');
    const limits = await getGatewayLimits(database.db);
    expect(limits?.content.tenants.map((t) => t.tenant)).not.toContain('search');
    await waitFor('namespace gone', async () => (await kubeGet('/api/v1/namespaces/tenant-search')) === undefined);
    await expect(inEnglish(updateTenant(actor, 'search', { name: 'x' }))).rejects.toThrow(/archived/);
  });
});
