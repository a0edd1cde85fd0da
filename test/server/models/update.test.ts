import crypto from 'node:crypto';
import type { ActionFunctionArgs } from '@remix-run/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { action as deploymentApi } from '../../../app/routes/api.v1.models.deployments.$id';
import type { AuditActor } from '../../../server/audit';
import { createApiToken } from '../../../server/auth';
import type { KubeObject } from '../../../server/kube';
import {
  type DeploymentProgress,
  type ModelDeployment,
  PlacementError,
  createModel,
  decidePromotion,
  deployModel,
  deploymentProgress,
  getDeployment,
  listDeploymentObjects,
  listRollouts,
  planDeploymentUpdate,
  registerVersion,
  requestPromotion,
  setVersionStage,
  updateDeployment,
} from '../../../server/models';
import { createTenant, setTenantQuota } from '../../../server/tenants';
import { auditEventsOf, createTestUser, sessionPrincipal } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { inEnglish } from '../../support/messages';
import { kubeGet, startSimKube, stopKube, waitFor } from '../tenants/support';

/*
 * Changing a running deployment: the placement check for what the change adds, the
 * controller rolling the pods to the new settings, a history entry with the diff and the
 * audit event; refusals change nothing. Also through the API with tokens.
 */

let database: TestDatabase;
let writeToken: string;
let readToken: string;
let versionId: string;
const alice: AuditActor = { id: crypto.randomUUID(), name: 'alice', roles: ['operator'] };
const bob: AuditActor = { id: crypto.randomUUID(), name: 'bob', roles: ['admin'] };

const progressOf = async (d: ModelDeployment) => deploymentProgress(d, await listDeploymentObjects(d));
const waitProgress = (d: ModelDeployment, what: string, until: (p: DeploymentProgress) => boolean) =>
  waitFor(
    what,
    async () => {
      const p = await progressOf(d);
      return until(p) ? p : undefined;
    },
    20_000,
    100,
  );

interface LiveDeployment {
  spec: { replicas: number; template: { spec: { containers: Array<{ args?: string[]; resources: { requests: Record<string, string> } }>; affinity?: unknown } } };
}
const liveStable = async (d: ModelDeployment) => (await kubeGet<KubeObject>(`/apis/apps/v1/namespaces/${d.namespace}/deployments/${d.name}-stable`)) as unknown as LiveDeployment | undefined;
const flag = (args: string[] | undefined, name: string) => {
  const i = (args ?? []).indexOf(name);
  return i >= 0 ? args![i + 1] : undefined;
};

async function patch(id: string, token: string, body: unknown, method = 'PATCH') {
  const request = new Request(`http://leitstand.test/api/v1/models/deployments/${id}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const response = await deploymentApi({ request, params: { id }, context: {} } as ActionFunctionArgs);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The refusal of `p` (texts in English), or undefined. */
const rejection = (p: Promise<unknown>) => inEnglish(p).then(() => undefined, (e: Error & { status?: number; fieldErrors?: Record<string, string[]> }) => e);

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'models-update-test' });
  const admin = await createTestUser({ roles: ['admin'] });
  writeToken = (await createApiToken(sessionPrincipal(admin), 'service', { name: 'ci', scopes: ['models:read', 'models:write'], expiresInDays: 30 })).token;
  readToken = (await createApiToken(sessionPrincipal(admin), 'service', { name: 'dashboard', scopes: ['models:read'], expiresInDays: 30 })).token;
  await createModel(alice, { name: 'mistral-7b', family: 'mistral', owner: 'ML platform', license: 'apache-2.0' });
  const v = await registerVersion(alice, 'mistral-7b', {
    label: 'v1',
    artifactUri: 'pvc://model-store/mistral/v1',
    format: 'safetensors',
    quantization: 'bf16',
    parameterCount: '7.2B',
    contextLength: 32768,
    sizeBytes: '14.5GB',
    sha256: crypto.createHash('sha256').update('mistral v1').digest('hex'),
  });
  await setVersionStage(alice, 'mistral-7b', 'v1', { stage: 'staging' });
  await decidePromotion(bob, (await requestPromotion(alice, 'mistral-7b', 'v1', { reason: 'evaluated' })).id, { decision: 'approve' });
  versionId = v.id;
}, 60_000);
afterAll(async () => {
  await stopKube();
  await database?.close();
});

describe('changing a running deployment', () => {
  let d: ModelDeployment;

  it('rolls the pods to new engine settings and more replicas, with the diff in the history and the audit log', async () => {
    ({ deployment: d } = await deployModel(alice, 'mistral-7b', { versionId, engine: 'vllm', replicas: 2, gpusPerReplica: 1, gpuProduct: 'NVIDIA-L40S', maxModelLen: 4096, cpu: '4', memory: '32Gi', reason: 'first' }));
    await waitProgress(d, 'first rollout ready', (p) => p.ready);
    // The page's "check placement" needs no reason and changes nothing.
    const plan = await planDeploymentUpdate(d.id, { replicas: 3, maxModelLen: 8192 }, { requireReason: false });
    expect(plan).toMatchObject({ extraReplicas: 2, changes: { replicas: [2, 3], 'settings.maxModelLen': [4096, 8192] } });
    await expect(inEnglish(planDeploymentUpdate(d.id, { replicas: 3 }))).rejects.toMatchObject({ fieldErrors: { reason: [expect.stringMatching(/Say why/)] } });
    expect((await getDeployment(d.id)).revision).toBe(d.revision);
    const { deployment, placement, changes } = await updateDeployment(bob, d.id, { revision: d.revision, replicas: 3, maxModelLen: 8192, gpuMemoryUtilization: 0.85, reason: 'longer context for RAG' });
    // One new replica plus the rolling update's surge pod were checked.
    expect(placement?.request.replicas).toBe(2);
    expect(placement?.outcome.checked && placement.outcome.result.fits).toBe(true);
    expect(changes).toEqual({ replicas: [2, 3], 'settings.maxModelLen': [4096, 8192], 'settings.gpuMemoryUtilization': [null, 0.85] });
    expect(deployment).toMatchObject({ replicas: 3, revision: d.revision + 1, settings: { maxModelLen: 8192, gpuMemoryUtilization: 0.85 } });
    d = deployment;
    const progress = await waitProgress(d, 'updated rollout ready', (p) => p.ready && p.pods.length === 3);
    expect(progress.pods.every((p) => p.ready && p.node?.startsWith('gpu-l40s'))).toBe(true);
    const live = await liveStable(d);
    expect(live?.spec.replicas).toBe(3);
    const args = live?.spec.template.spec.containers[0]?.args;
    expect(flag(args, '--max-model-len')).toBe('8192');
    expect(flag(args, '--gpu-memory-utilization')).toBe('0.85');

    const [entry] = await listRollouts(d.id);
    expect(entry).toMatchObject({ kind: 'update', actorName: 'bob', reason: 'longer context for RAG', revision: d.revision, fromLabel: 'v1', toLabel: 'v1' });
    expect(entry!.changes).toEqual(changes);
    const [audit] = await auditEventsOf({ action: 'model.deployment.update', targetId: `${d.namespace}/${d.name}` });
    expect(audit).toBeDefined();
    expect(JSON.stringify(audit)).toMatch(/longer context for RAG/);
  });

  it('moves the replicas to another GPU product and scales down without a check', async () => {
    const moved = await updateDeployment(alice, d.id, { gpuProduct: 'NVIDIA-H100-80GB-HBM3', reason: 'L40S nodes go to training' });
    // A new place for every pod: all three replicas are checked on the H100 nodes.
    expect(moved.placement?.request).toMatchObject({ replicas: 3, products: ['NVIDIA-H100-80GB-HBM3'] });
    d = moved.deployment;
    await waitProgress(d, 'moved to H100', (p) => p.ready && p.pods.length === 3 && p.pods.every((x) => x.node?.startsWith('gpu-h100')));
    const down = await updateDeployment(alice, d.id, { replicas: 1, reason: 'night' });
    expect(down.placement).toBeNull();
    d = down.deployment;
    await waitProgress(d, 'scaled down', (p) => p.ready && p.pods.length === 1);
  });

  it('refuses what does not fit, a stale revision, bad input and a change of nothing, writing nothing', async () => {
    const before = await getDeployment(d.id);
    const history = (await listRollouts(d.id)).length;
    const tooBig = await rejection(updateDeployment(alice, d.id, { gpuProduct: 'NVIDIA-L40S', gpusPerReplica: 6, reason: 'bigger' }));
    expect(tooBig).toBeInstanceOf(PlacementError);
    expect(tooBig?.fieldErrors?.placement?.join(' ')).toMatch(/fewer than 6 GPUs/);
    const stale = await rejection(updateDeployment(alice, d.id, { revision: before.revision - 1, replicas: 2, reason: 'stale form' }));
    expect(stale).toMatchObject({ status: 409 });
    expect(stale?.message).toMatch(/changed meanwhile/);
    const bad = await rejection(updateDeployment(alice, d.id, { maxModelLen: 65536, tensorParallelSize: 4, reason: '' }));
    expect(bad?.fieldErrors?.reason?.[0]).toMatch(/Say why/);
    const tooLong = await rejection(updateDeployment(alice, d.id, { maxModelLen: 65536, reason: 'longer' }));
    expect(tooLong?.fieldErrors?.maxModelLen?.[0]).toMatch(/at most 32,768 tokens/);
    const tp = await rejection(updateDeployment(alice, d.id, { tensorParallelSize: 4, reason: 'tp' }));
    expect(tp?.fieldErrors?.tensorParallelSize?.[0]).toMatch(/needs as many GPUs/);
    const same = await rejection(updateDeployment(alice, d.id, { replicas: 1, reason: 'again' }));
    expect(same).toMatchObject({ status: 409 });
    expect((await getDeployment(d.id)).revision).toBe(before.revision);
    expect((await listRollouts(d.id)).length).toBe(history);
  });

  it('counts the surge pod against a tenant’s quota: a full quota refuses a settings change', async () => {
    await createTenant(alice, { slug: 'search', name: 'Search' });
    await setTenantQuota(alice, 'search', { gpus: '2' });
    const { deployment: t } = await deployModel(alice, 'mistral-7b', { versionId, engine: 'vllm', target: 'tenant:search', replicas: 2, gpusPerReplica: 1, cpu: '2', memory: '8Gi', reason: 'search' });
    await waitProgress(t, 'tenant rollout ready', (p) => p.ready);
    const refused = await rejection(updateDeployment(alice, t.id, { maxModelLen: 16384, reason: 'longer' }));
    expect(refused).toBeInstanceOf(PlacementError);
    expect(refused?.fieldErrors?.placement?.join(' ')).toMatch(/quota allows 2 .* 2 are in use/);
    // Scaling down fits any quota.
    expect((await updateDeployment(alice, t.id, { replicas: 1, reason: 'fewer' })).placement).toBeNull();
  });
});

describe('PATCH /api/v1/models/deployments/:id', () => {
  it('needs models:write and PATCH', async () => {
    const d = (await listDeploymentsOf())[0]!;
    expect((await patch(d.id, readToken, { replicas: 2, reason: 'x' })).status).toBe(403);
    expect((await patch(d.id, writeToken, { replicas: 2, reason: 'x' }, 'POST')).status).toBe(405);
  });

  it('changes the given fields only, clears with null, answers the diff and the check; refusals are 400 and 409', async () => {
    const d = (await listDeploymentsOf()).find((x) => x.namespace === 'llm-platform')!;
    const scaled = await patch(d.id, writeToken, { replicas: 2, gpuProduct: null, reason: 'pipeline: more traffic' });
    expect(scaled.status).toBe(200);
    expect(scaled.body.changes).toEqual({ replicas: [1, 2], gpuProduct: ['NVIDIA-H100-80GB-HBM3', null] });
    expect(scaled.body.deployment).toMatchObject({ replicas: 2, gpuProduct: null, cpu: '4', memory: '32Gi', settings: { maxModelLen: 8192, gpuMemoryUtilization: 0.85 } });
    expect((scaled.body.placement as { fits: boolean }).fits).toBe(true);
    const [entry] = await listRollouts(d.id);
    expect(entry).toMatchObject({ kind: 'update', actorName: 'service:ci', reason: 'pipeline: more traffic' });
    const bad = await patch(d.id, writeToken, { replicas: 0, reason: 'none' });
    expect(bad.status).toBe(400);
    expect(bad.body.fieldErrors).toHaveProperty('replicas');
    const same = await patch(d.id, writeToken, { replicas: 2, reason: 'same' });
    expect(same.status).toBe(409);
  });
});

async function listDeploymentsOf() {
  const { listDeployments } = await import('../../../server/models');
  return listDeployments();
}
