import crypto from 'node:crypto';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loader as deploymentApi } from '../../../app/routes/api.v1.models.deployments.$id';
import { action as canaryApi } from '../../../app/routes/api.v1.models.deployments.$id.canary';
import { action as rollbackApi } from '../../../app/routes/api.v1.models.deployments.$id.rollback';
import { action as deploymentPage } from '../../../app/routes/models.deployments.$id';
import type { AuditActor } from '../../../server/audit';
import { createApiToken } from '../../../server/auth';
import { cordonNode, getClusterSnapshot, uncordonNode } from '../../../server/gpu';
import { startWorkers, stopWorkers } from '../../../server/jobs';
import { type KubeObject, getKubeRuntime } from '../../../server/kube';
import {
  type DeploymentProgress,
  type ModelDeployment,
  PlacementError,
  ROLLOUT_DEADLINE_MS,
  createModel,
  decidePromotion,
  deployModel,
  deploymentProgress,
  getDeployment,
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
import { auditEventsOf, createTestSession, createTestUser, sessionPrincipal } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { inEnglish } from '../../support/messages';
import { translateServerMessage } from '../../../app/i18n/use-t';
import { kubeGet, startSimKube, stopKube, waitFor } from '../tenants/support';

/*
 * Promote and rollback are placement-checked like deploy: a rolling update that has no room
 * for its surge pod (quota, cordoned nodes) is refused with the reasons and where it would
 * fit instead, and records nothing. Rollouts can still fail in the cluster when it changes
 * after the check said yes: here the quota is lowered, or the GPU nodes are cordoned, while
 * the first surge pod is still starting (the simulated kubelet holds it Pending); the next
 * new pod then cannot be created (FailedCreate: exceeded quota) or scheduled
 * (Unschedulable). The progress (and the API) must show Kubernetes' own reasons, and the
 * rollout must finish once the cause is gone. The job following each rollout shows the
 * failure as its progress and records how the rollout ended.
 */

let database: TestDatabase;
let readToken: string;
let writeToken: string;
let operatorSession: { cookie: string; csrfToken: string };
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

async function apiPost(handler: (args: ActionFunctionArgs) => Promise<Response>, d: ModelDeployment, path: string, body: unknown) {
  const request = new Request(`http://leitstand.test/api/v1/models/deployments/${d.id}/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${writeToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const response = await handler({ request, params: { id: d.id }, context: {} } as ActionFunctionArgs);
  return { status: response.status, body: (await response.json()) as { error?: string; fieldErrors?: Record<string, string[]>; placement?: { fits: boolean; alternatives: Array<{ description: string; quotaGpus: number | null; replicas: number }> } } };
}

/** The deployment page's action, as the browser posts it. */
async function pagePost(d: ModelDeployment, fields: Record<string, string>) {
  const request = new Request(`http://localhost/models/deployments/${d.id}`, {
    method: 'POST',
    headers: { cookie: operatorSession.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: operatorSession.csrfToken, ...fields }),
  });
  const response = (await deploymentPage({ request, params: { id: d.id }, context: {} } as ActionFunctionArgs)) as Response;
  return { status: response.status, body: (await response.json()) as { ok: boolean; intent?: string; placement?: { fits: boolean; reasons: string[]; alternatives: Array<{ description: string; nodes: string[] }>; estimate: { requiredGiB: number } } } };
}

/** Everything a rollout would write: the row, the history, the audit trail, the desired objects. */
async function recorded(d: ModelDeployment) {
  const row = await getDeployment(d.id);
  return {
    revision: row.revision,
    stable: row.stableVersionId,
    previous: row.previousVersionId,
    canary: row.canaryVersionId,
    rollouts: (await listRollouts(d.id)).length,
    audit: (await auditEventsOf({ targetId: `${d.namespace}/${d.name}` })).length,
    desired: (await listDeploymentObjects(d)).map((o) => `${o.kind}/${o.name}@${o.generation}`).sort(),
  };
}

/** Expects a placement refusal whose reasons match `reason`; returns it (its texts in English). */
async function refusedWith(attempt: Promise<unknown>, reason: RegExp): Promise<PlacementError> {
  const error = await inEnglish(attempt).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlacementError);
  const refusal = error as PlacementError;
  expect(refusal.fieldErrors.placement?.join(' ')).toMatch(reason);
  expect(refusal.message).toMatch(reason);
  return refusal;
}

const alternativesOf = (e: PlacementError) => (e.check.outcome.checked && !e.check.outcome.result.fits ? e.check.outcome.result.alternatives.map((a) => translateServerMessage('en', a.description)) : []);

/** The simulated kubelets: pods bound from now on stay Pending this long. */
const holdPods = (ms: number) => getKubeRuntime()!.connection.sim!.setPodReadyDelay(ms);
const HOLD_MS = 4_000;
const QUICK_MS = 20;
/** The simulated kubelets: pods deleted from now on take this long to stop (the engine's grace period is 60 s). */
const stopPodsSlowly = (ms: number) => getKubeRuntime()!.connection.sim!.setPodTerminationDelay(ms);
const SLOW_STOP_MS = 12_000;

/** Waits until the planner's snapshot (the cluster watch cache) sees the L40S nodes cordoned or not: the check reads it, not the API server. */
const seenCordoned = (cordoned: boolean) =>
  waitFor(cordoned ? 'cordon seen' : 'uncordon seen', async () => (await getClusterSnapshot()).nodes.filter((n) => L40S_NODES.includes(n.name)).every((n) => n.unschedulable === cordoned));

/** Waits until the rollout's first surge pod (of `version`) is bound and starting, not ready. */
const waitSurgeStarting = (d: ModelDeployment, version: string) =>
  waitProgress(d, `surge pod of ${version} starting`, (p) => p.pods.some((x) => x.version === version && x.scheduled && !x.ready));

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
  operatorSession = await createTestSession(await createTestUser({ roles: ['operator'] }));
  writeToken = (await createApiToken(sessionPrincipal(admin), 'service', { name: 'ci', scopes: ['models:read', 'models:write'], expiresInDays: 30 })).token;
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
    // Quota 3 with 3 in use: the promote still fits, as the canary's pod it stops frees the GPU the stable track's surge pod needs.
    d = await promoteCanary(bob, d.id, { reason: 'v2 is better' });
    await waitProgress(d, 'v2 ready', (p) => p.ready && p.tracks.length === 1 && p.pods.every((x) => x.version === 'v2'));
    const promoted = await waitJob(d, 'promote job ended', (j) => j.state === 'succeeded');
    expect(promoted.result).toEqual({ outcome: 'ready', replicas: 2 });
    // Each earlier rollout's job ended as ready, or superseded by the next change.
    const history = await listRollouts(d.id);
    expect(history.map((h) => h.kind)).toEqual(['canary-promote', 'canary-start', 'deploy']);
    expect(history.every((h) => h.job?.state === 'succeeded')).toBe(true);
  });

  it('refuses a rollback without room in the quota for the surge pod, with the numbers, and records nothing', async () => {
    // Two GPUs in use, quota lowered to two: the rolling update's surge pod would need a third.
    await setTenantQuota(alice, 'research', { gpus: '2' });
    await waitFor('quota lowered', async () => (await quotaGpus()) === '2');
    const before = await recorded(d);
    const refusal = await refusedWith(rollbackDeployment(alice, d.id, { reason: 'v2 regresses' }), /quota allows 2 GPUs and 2 are in use, so 0 are left; 1 replica × 1 need 1 \(1 short\)/);
    expect(refusal.message).toMatch(/^The rollback to v1 \(one surge pod of 1 GPU while the stable track rolls\) does not fit: /);
    expect(alternativesOf(refusal)).toContain('Fits the cluster if the quota is raised to at least 3 GPUs (and the other quota lines allow it)');
    // The API refuses as deploy does (400 with the reasons as fieldErrors.placement).
    const viaApi = await apiPost(rollbackApi, d, 'rollback', { reason: 'v2 regresses' });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.fieldErrors?.placement?.join(' ')).toMatch(/quota allows 2 GPUs and 2 are in use/);
    // With the whole check: where it would fit instead is a quota of three GPUs for the one surge pod.
    expect(viaApi.body.placement?.fits).toBe(false);
    expect(viaApi.body.placement?.alternatives.find((a) => a.quotaGpus !== null)).toMatchObject({ quotaGpus: 3, replicas: 1 });
    expect(await recorded(d)).toEqual(before);
  });

  it('shows the ReplicaSet’s FailedCreate with the exceeded quota when a slowly stopping old pod still holds its GPU, and finishes when the quota is raised', async () => {
    await setTenantQuota(alice, 'research', { gpus: '3' });
    await waitFor('quota raised', async () => (await quotaGpus()) === '3');
    // The check passes (two GPUs in use, one for the surge pod). Then the cluster differs from the plan: the replaced
    // v2 pod drains for seconds and keeps counting against the quota (as Kubernetes counts terminating pods), while
    // the Deployment controller, which does not count it, already creates the next v1 pod.
    stopPodsSlowly(SLOW_STOP_MS);
    try {
      d = await rollbackDeployment(alice, d.id, { reason: 'v2 regresses' });
      // Only the first replaced pod (deleted while this is set) drains slowly.
      await waitProgress(d, 'first old pod replaced', (p) => p.pods.filter((x) => x.version === 'v2').length === 1);
    } finally {
      stopPodsSlowly(QUICK_MS);
    }
    // Once the surge pod is ready an old one goes, and the next new pod exceeds the quota while it still drains.
    const failed = await waitProgress(d, 'quota failure', (p) => p.failures.some((f) => f.includes('exceeded quota')));
    expect(failed.ready).toBe(false);
    const stable = failed.tracks.find((t) => t.track === 'stable')!;
    const replicaFailure = stable.conditions.find((c) => c.type === 'ReplicaFailure');
    expect(replicaFailure).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(replicaFailure!.message).toMatch(
      /^pods "llama-8b-stable-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: tenant-quota, requested: requests\.nvidia\.com\/gpu=1, used: requests\.nvidia\.com\/gpu=3, limited: requests\.nvidia\.com\/gpu=3$/,
    );
    expect(failed.failures).toContain(`stable: FailedCreate: ${replicaFailure!.message}`);
    // The ReplicaSet's Warning event, as kubectl describe shows it.
    const event = failed.events.find((e) => e.reason === 'FailedCreate');
    expect(event?.type).toBe('Warning');
    expect(event?.message).toMatch(/^Error creating: pods ".*" is forbidden: exceeded quota: tenant-quota/);
    // Two pods keep serving meanwhile (maxUnavailable 0): the ready surge pod of v1 and one old pod of v2.
    expect(failed.pods.filter((p) => p.ready).map((p) => p.version).sort()).toEqual(['v1', 'v2']);
    // The API a pipeline polls says the same.
    // The job following the rollout is still running and shows the reason as its progress.
    const running = await waitJob(d, 'job shows the quota failure', (j) => j.state === 'running' && Boolean(j.progress?.message?.includes('exceeded quota')));
    expect(running.progress).toMatchObject({ done: 1, total: 2 });
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
    await setTenantQuota(alice, 'research', { gpus: '4' });
    const done = await waitProgress(d, 'rolled back after the quota was raised', (p) => p.ready && p.pods.length === 2 && p.pods.every((x) => x.version === 'v1'));
    expect(done.failures).toEqual([]);
    // The drained pod goes in the end; back to the quota of three.
    await waitFor('drained pod gone', async () => ((await kubeGet<{ items: unknown[] }>(`/api/v1/namespaces/${namespaceOf('research')}/pods`))?.items.length ?? 0) === 2, SLOW_STOP_MS + 10_000);
    await setTenantQuota(alice, 'research', { gpus: '3' });
  });

  it('refuses a rollback when the GPU nodes are cordoned, saying where it would fit instead, and records nothing', async () => {
    for (const node of L40S_NODES) await cordonNode(alice, node);
    await seenCordoned(true);
    try {
      const before = await recorded(d);
      const refusal = await refusedWith(rollbackDeployment(alice, d.id, { reason: 'v1 after all not' }), /None of the 7 nodes can run a replica needing 1 GPU: .*2 cordoned/);
      expect(alternativesOf(refusal)).toContain('On any GPU product');
      expect(await recorded(d)).toEqual(before);
    } finally {
      for (const node of L40S_NODES) await uncordonNode(alice, node);
      await seenCordoned(false);
    }
  });

  it('shows Unschedulable with the scheduler’s reasons and FailedScheduling when the GPU nodes are cordoned during the rollout, and finishes when they are back', async () => {
    holdPods(HOLD_MS);
    try {
      // The check passes; the nodes are cordoned while the surge pod starts, so the next new pod finds none.
      d = await rollbackDeployment(alice, d.id, { reason: 'v1 after all not' });
      await waitSurgeStarting(d, 'v2');
      for (const node of L40S_NODES) await cordonNode(alice, node);
      holdPods(QUICK_MS);
      expect((await progressOf(d)).pods.filter((x) => x.version === 'v2').map((x) => x.ready)).toEqual([false]);
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
      holdPods(QUICK_MS);
      for (const node of L40S_NODES) await uncordonNode(alice, node).catch(() => undefined);
    }
    const done = await waitProgress(d, 'rolled out after uncordon', (p) => p.ready && p.pods.length === 1 && p.pods.every((x) => x.version === 'v2'));
    expect(done.failures).toEqual([]);
    expect((await waitJob(d, 'update job ended', (j) => j.state === 'succeeded')).result).toEqual({ outcome: 'ready', replicas: 1 });
  });
  it('refuses promoting a canary while the stable track has no room for its surge pod, records nothing, and promotes once there is room', async () => {
    // v2 runs with one replica, v1 as a one-replica canary.
    ({ deployment: d } = await startCanary(alice, d.id, { versionId: versionIds.v1, weight: 20, reason: 'v1 again, carefully' }));
    await waitProgress(d, 'canary ready', (p) => p.ready && p.tracks.length === 2);
    for (const node of L40S_NODES) await cordonNode(alice, node);
    await seenCordoned(true);
    try {
      const before = await recorded(d);
      const refusal = await refusedWith(promoteCanary(bob, d.id, {}), /None of the 7 nodes can run a replica needing 1 GPU: .*2 cordoned/);
      expect(refusal.message).toMatch(/^Promoting v1 \(one surge pod of 1 GPU while the stable track rolls\) does not fit: /);
      expect(alternativesOf(refusal)).toContain('On any GPU product');
      const viaApi = await apiPost(canaryApi, d, 'canary', { action: 'promote' });
      expect(viaApi.status).toBe(400);
      expect(viaApi.body.fieldErrors?.placement?.join(' ')).toMatch(/2 cordoned/);
      // The page gets the placement report for the promote action: estimate, reasons, where it would fit instead.
      const viaPage = await pagePost(d, { intent: 'canary-promote' });
      expect(viaPage.status).toBe(400);
      expect(viaPage.body).toMatchObject({ ok: false, intent: 'canary-promote', placement: { fits: false } });
      expect(viaPage.body.placement!.reasons.map((r) => translateServerMessage('en', r)).join(' ')).toMatch(/2 cordoned/);
      expect(viaPage.body.placement!.estimate.requiredGiB).toBeGreaterThan(0);
      expect(viaPage.body.placement!.alternatives.find((a) => translateServerMessage('en', a.description) === 'On any GPU product')?.nodes.length).toBeGreaterThan(0);
      expect(await recorded(d)).toEqual(before);
    } finally {
      for (const node of L40S_NODES) await uncordonNode(alice, node);
      await seenCordoned(false);
    }
    d = await promoteCanary(bob, d.id, { reason: 'nodes are back' });
    const done = await waitProgress(d, 'v1 promoted', (p) => p.ready && p.tracks.length === 1 && p.pods.length === 1 && p.pods.every((x) => x.version === 'v1'));
    expect(done.failures).toEqual([]);
    expect((await listRollouts(d.id)).map((r) => r.kind).slice(0, 2)).toEqual(['canary-promote', 'canary-start']);
  });
});
