import crypto from 'node:crypto';
import type { LoaderFunctionArgs } from '@remix-run/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loader as deploymentApi } from '../../../app/routes/api.v1.models.deployments.$id';
import type { AuditActor } from '../../../server/audit';
import { createApiToken } from '../../../server/auth';
import { cordonNode, uncordonNode } from '../../../server/gpu';
import { startWorkers, stopWorkers } from '../../../server/jobs';
import type { KubeObject } from '../../../server/kube';
import {
  type DeploymentProgress,
  type ModelDeployment,
  ROLLOUT_DEADLINE_MS,
  createModel,
  decidePromotion,
  deployModel,
  deploymentProgress,
  listDeploymentObjects,
  listRollouts,
  promoteCanary,
  registerVersion,
  requestPromotion,
  rollbackDeployment,
  setRolloutTiming,
  setVersionStage,
  startCanary,
  updateDeployment,
} from '../../../server/models';
import { QUOTA_NAME, createTenant, namespaceOf, setTenantQuota } from '../../../server/tenants';
import { createTestUser, sessionPrincipal } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { kubeGet, startSimKube, stopKube, waitFor } from '../tenants/support';

/*
 * Rollouts that fail in the cluster after the placement check said yes: the tenant's
 * ResourceQuota leaves no room for the rolling update's surge pod (the ReplicaSet cannot
 * create it), and the GPU nodes are cordoned (the surge pod stays unschedulable). The
 * progress (and the API) must show Kubernetes' own reasons, and the rollout must finish
 * once the cause is gone. The job following each rollout shows the failure as its progress
 * and records how the rollout ended.
 */

let database: TestDatabase;
let readToken: string;
const alice: AuditActor = { id: crypto.randomUUID(), name: 'alice', roles: ['operator'] };
const bob: AuditActor = { id: crypto.randomUUID(), name: 'bob', roles: ['admin'] };
const versionIds: Record<string, string> = {};
const L40S_NODES = ['gpu-l40s-01', 'gpu-l40s-02'];

async function productionVersion(label: string): Promise<string> {
  const v = await registerVersion(alice, 'llama-8b', {
    label,
    artifactUri: `pvc://model-store/llama/${label}`,
    format: 'safetensors',
    quantization: 'bf16',
    parameterCount: '8B',
    contextLength: 8192,
    sizeBytes: '16GB',
    sha256: crypto.createHash('sha256').update(label).digest('hex'),
  });
  await setVersionStage(alice, 'llama-8b', label, { stage: 'staging' });
  const request = await requestPromotion(alice, 'llama-8b', label, { reason: 'evaluated' });
  await decidePromotion(bob, request.id, { decision: 'approve' });
  return v.id;
}

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
/** The newest rollout's job, once `until` holds for it. */
const waitJob = (d: ModelDeployment, what: string, until: (job: NonNullable<Awaited<ReturnType<typeof listRollouts>>[number]['job']>) => boolean) =>
  waitFor(
    what,
    async () => {
      const [newest] = await listRollouts(d.id);
      return newest?.job && newest.revision === d.revision && until(newest.job) ? newest.job : undefined;
    },
    20_000,
    50,
  );
const quotaGpus = async () =>
  ((await kubeGet<KubeObject>(`/api/v1/namespaces/${namespaceOf('research')}/resourcequotas/${QUOTA_NAME}`))?.spec as { hard?: Record<string, string> } | undefined)?.hard?.['requests.nvidia.com/gpu'];

async function apiProgress(d: ModelDeployment): Promise<DeploymentProgress> {
  const request = new Request(`http://leitstand.test/api/v1/models/deployments/${d.id}`, { headers: { authorization: `Bearer ${readToken}` } });
  const response = await deploymentApi({ request, params: { id: d.id }, context: {} } as LoaderFunctionArgs);
  expect(response.status).toBe(200);
  return ((await response.json()) as { progress: DeploymentProgress }).progress;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'models-failures-test' });
  const admin = await createTestUser({ roles: ['admin'] });
  readToken = (await createApiToken(sessionPrincipal(admin), 'service', { name: 'dashboard', scopes: ['models:read'], expiresInDays: 30 })).token;
  await createModel(alice, { name: 'llama-8b', family: 'llama', owner: 'Research', license: 'llama3' });
  versionIds.v1 = await productionVersion('v1');
  versionIds.v2 = await productionVersion('v2');
  await createTenant(alice, { slug: 'research', name: 'Research' });
  await setTenantQuota(alice, 'research', { gpus: '3' });
  setRolloutTiming({ pollMs: 50 });
  await startWorkers({ pollIntervalMs: 20, leaseMs: 5000, progressIntervalMs: 0 });
}, 60_000);
afterAll(async () => {
  await stopWorkers({ timeoutMs: 1000 });
  await stopKube();
  await database?.close();
});

describe('rollout failures in the cluster', () => {
  let d: ModelDeployment;

  it('rolls out v1 and promotes a v2 canary within the tenant’s quota', async () => {
    await waitFor('quota applied', async () => (await quotaGpus()) === '3');
    ({ deployment: d } = await deployModel(alice, 'llama-8b', {
      versionId: versionIds.v1,
      engine: 'vllm',
      target: 'tenant:research',
      replicas: 2,
      gpusPerReplica: 1,
      gpuProduct: 'NVIDIA-L40S',
      cpu: '2',
      memory: '8Gi',
      reason: 'first rollout',
    }));
    await waitProgress(d, 'v1 ready', (p) => p.ready);
    ({ deployment: d } = await startCanary(alice, d.id, { versionId: versionIds.v2, weight: 10, reason: 'try v2' }));
    await waitProgress(d, 'canary ready', (p) => p.ready && p.tracks.length === 2);
    d = await promoteCanary(bob, d.id, { reason: 'v2 is better' });
    await waitProgress(d, 'v2 ready', (p) => p.ready && p.tracks.length === 1 && p.pods.every((x) => x.version === 'v2'));
    const promoted = await waitJob(d, 'promote job ended', (j) => j.state === 'succeeded');
    expect(promoted.result).toEqual({ outcome: 'ready', replicas: 2 });
    // Each earlier rollout's job ended as ready, or superseded by the next change.
    const history = await listRollouts(d.id);
    expect(history.map((h) => h.kind)).toEqual(['canary-promote', 'canary-start', 'deploy']);
    expect(history.every((h) => h.job?.state === 'succeeded')).toBe(true);
  });

  it('shows the ReplicaSet’s FailedCreate with the exceeded quota when no room is left for the surge pod, and finishes when the quota is raised', async () => {
    // Two GPUs in use, quota lowered to two: the rolling update's surge pod needs a third.
    await setTenantQuota(alice, 'research', { gpus: '2' });
    await waitFor('quota lowered', async () => (await quotaGpus()) === '2');
    d = await rollbackDeployment(alice, d.id, { reason: 'v2 regresses' });
    const failed = await waitProgress(d, 'quota failure', (p) => p.failures.some((f) => f.includes('exceeded quota')));
    expect(failed.ready).toBe(false);
    const stable = failed.tracks.find((t) => t.track === 'stable')!;
    const replicaFailure = stable.conditions.find((c) => c.type === 'ReplicaFailure');
    expect(replicaFailure).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(replicaFailure!.message).toMatch(
      /^pods "llama-8b-stable-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: tenant-quota, requested: requests\.nvidia\.com\/gpu=1, used: requests\.nvidia\.com\/gpu=2, limited: requests\.nvidia\.com\/gpu=2$/,
    );
    expect(failed.failures).toContain(`stable: FailedCreate: ${replicaFailure!.message}`);
    // The ReplicaSet's Warning event, as kubectl describe shows it.
    const event = failed.events.find((e) => e.reason === 'FailedCreate');
    expect(event?.type).toBe('Warning');
    expect(event?.message).toMatch(/^Error creating: pods ".*" is forbidden: exceeded quota: tenant-quota/);
    // The old pods keep serving v2 meanwhile (maxUnavailable 0).
    expect(failed.pods.filter((p) => p.ready).map((p) => p.version)).toEqual(['v2', 'v2']);
    // The API a pipeline polls says the same.
    // The job following the rollout is still running and shows the reason as its progress.
    const running = await waitJob(d, 'job shows the quota failure', (j) => j.state === 'running' && Boolean(j.progress?.message?.includes('exceeded quota')));
    expect(running.progress).toMatchObject({ done: 0, total: 2 });
    const viaApi = await apiProgress(d);
    expect(viaApi.ready).toBe(false);
    expect(viaApi.failures.join('\n')).toMatch(/FailedCreate: pods ".*" is forbidden: exceeded quota: tenant-quota/);

    // A rollout that does not finish in time fails its job with the reasons (here after 1.5 s instead of 15 minutes).
    setRolloutTiming({ deadlineMs: 1_500 });
    try {
      const failedJob = await waitJob(d, 'job failed', (j) => j.state === 'failed');
      expect(failedJob.lastError).toMatch(/^Not ready after 2 s: stable: FailedCreate: pods ".*" is forbidden: exceeded quota: tenant-quota/);
    } finally {
      setRolloutTiming({ deadlineMs: ROLLOUT_DEADLINE_MS });
    }

    // The controller keeps trying (as Kubernetes does): once the quota is raised the rollout finishes.
    await setTenantQuota(alice, 'research', { gpus: '3' });
    const done = await waitProgress(d, 'rolled back after the quota was raised', (p) => p.ready && p.pods.length === 2 && p.pods.every((x) => x.version === 'v1'));
    expect(done.failures).toEqual([]);
  });

  it('shows Unschedulable with the scheduler’s reasons and FailedScheduling when the GPU nodes are cordoned, and finishes when they are back', async () => {
    for (const node of L40S_NODES) await cordonNode(alice, node);
    try {
      d = await rollbackDeployment(alice, d.id, { reason: 'v1 after all not' });
      const failed = await waitProgress(d, 'unschedulable', (p) => p.pods.some((x) => x.problem?.startsWith('Unschedulable')));
      expect(failed.ready).toBe(false);
      const pending = failed.pods.find((x) => x.problem)!;
      expect(pending).toMatchObject({ version: 'v2', scheduled: false, node: null, ready: false });
      expect(pending.problem).toMatch(/^Unschedulable: 0\/7 nodes are available: .*2 node\(s\) were unschedulable.*\. preemption: 0\/7 nodes are available: /);
      expect(pending.problem).toMatch(/5 node\(s\) didn't match Pod's node affinity\/selector/);
      expect(failed.failures).toContain(`${pending.name}: ${pending.problem}`);
      const event = failed.events.find((e) => e.reason === 'FailedScheduling');
      expect(event).toMatchObject({ type: 'Warning' });
      expect(event?.message).toMatch(/2 node\(s\) were unschedulable/);
      const viaApi = await apiProgress(d);
      expect(viaApi.pods.find((x) => x.name === pending.name)?.problem).toBe(pending.problem);
      await waitJob(d, 'job shows the scheduler', (j) => j.state === 'running' && Boolean(j.progress?.message?.includes('Unschedulable: 0/7 nodes are available')));
      // A change meanwhile takes over: the rollback's job ends as superseded, a new one follows.
      const rollbackRevision = d.revision;
      d = (await updateDeployment(alice, d.id, { replicas: 1, reason: 'fewer while the nodes are out' })).deployment;
      const [, rollback] = await listRollouts(d.id);
      expect(rollback?.revision).toBe(rollbackRevision);
      await waitFor('rollback job superseded', async () => (await listRollouts(d.id))[1]?.job?.state === 'succeeded');
      expect((await listRollouts(d.id))[1]?.job?.result).toEqual({ outcome: 'superseded', byRevision: d.revision });
    } finally {
      for (const node of L40S_NODES) await uncordonNode(alice, node);
    }
    const done = await waitProgress(d, 'rolled out after uncordon', (p) => p.ready && p.pods.length === 1 && p.pods.every((x) => x.version === 'v2'));
    expect(done.failures).toEqual([]);
    expect((await waitJob(d, 'update job ended', (j) => j.state === 'succeeded')).result).toEqual({ outcome: 'ready', replicas: 1 });
  });
});
