import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditActor } from '../../../server/audit';
import type { KubeObject } from '../../../server/kube';
import {
  type ModelDeployment,
  PlacementError,
  abortCanary,
  checkDeploymentPlacement,
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
  setVersionStage,
  startCanary,
  stepCanary,
  undeployModel,
  updateDeployment,
} from '../../../server/models';
import { createTenant, setTenantQuota } from '../../../server/tenants';
import { auditEventsOf } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { inEnglish } from '../../support/messages';
import { kubeGet, startSimKube, stopKube, waitFor } from '../tenants/support';
import { translateServerMessage } from '../../../app/i18n/use-t';

let database: TestDatabase;
const alice: AuditActor = { id: crypto.randomUUID(), name: 'alice', roles: ['operator'] };
const bob: AuditActor = { id: crypto.randomUUID(), name: 'bob', roles: ['admin'] };
const versionIds: Record<string, string> = {};

async function productionVersion(label: string): Promise<string> {
  const v = await registerVersion(alice, 'qwen-7b', {
    label,
    artifactUri: `pvc://model-store/qwen/${label}`,
    format: 'safetensors',
    quantization: 'bf16',
    parameterCount: '7.6B',
    contextLength: 32768,
    sizeBytes: '15.2GB',
    sha256: crypto.createHash('sha256').update(label).digest('hex'),
  });
  await setVersionStage(alice, 'qwen-7b', label, { stage: 'staging' });
  const request = await requestPromotion(alice, 'qwen-7b', label, { reason: 'evaluated' });
  await decidePromotion(bob, request.id, { decision: 'approve' });
  return v.id;
}

async function waitReady(d: ModelDeployment, what: string) {
  return waitFor(
    what,
    async () => {
      const progress = await deploymentProgress(d, await listDeploymentObjects(d));
      return progress.ready ? progress : undefined;
    },
    20_000,
    100,
  );
}

const liveRoute = (d: ModelDeployment) => kubeGet<KubeObject>(`/apis/gateway.networking.k8s.io/v1/namespaces/${d.namespace}/httproutes/${d.name}`);
const routeWeights = (route: KubeObject | undefined) =>
  Object.fromEntries(((route?.spec as { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> }).rules[0]?.backendRefs ?? []).map((b) => [b.name, b.weight]));
const liveVersion = async (d: ModelDeployment) => {
  const live = await kubeGet<KubeObject>(`/apis/apps/v1/namespaces/${d.namespace}/deployments/${d.name}-stable`);
  return (live?.spec as { template: { metadata: { labels: Record<string, string> } } } | undefined)?.template.metadata.labels['leitstand.io/model-version'];
};

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'models-test' });
  await createModel(alice, { name: 'qwen-7b', family: 'qwen', owner: 'ML platform', license: 'apache-2.0' });
  versionIds.v1 = await productionVersion('v1');
  versionIds.v2 = await productionVersion('v2');
  await registerVersion(alice, 'qwen-7b', { label: 'draft', artifactUri: 's3://models/qwen/draft/', format: 'safetensors', quantization: 'bf16', parameterCount: '7.6B', contextLength: 32768, sizeBytes: '15GB', sha256: 'b'.repeat(64) });
}, 60_000);
afterAll(async () => {
  await stopKube();
  await database?.close();
});

describe('placement check', () => {
  it('estimates the GPU memory and says where it fits, and why not with the alternatives', async () => {
    const fits = await checkDeploymentPlacement('qwen-7b', { versionId: versionIds.v1, engine: 'vllm', replicas: 2, gpusPerReplica: 1, gpuProduct: 'NVIDIA-L40S' });
    expect(fits.estimate.weightsGiB).toBeCloseTo((7.6e9 * 2) / 1024 ** 3, 0);
    expect(fits.outcome.checked && fits.outcome.result.fits).toBe(true);
    const tooBig = await checkDeploymentPlacement('qwen-7b', { versionId: versionIds.v1, engine: 'vllm', replicas: 1, gpusPerReplica: 5, gpuProduct: 'NVIDIA-L40S' });
    expect(tooBig.outcome.checked && !tooBig.outcome.result.fits).toBe(true);
    if (tooBig.outcome.checked && !tooBig.outcome.result.fits) {
      expect(tooBig.outcome.result.reasons.map((r) => translateServerMessage('en', r)).join(' ')).toMatch(/fewer than 5 GPUs/);
      expect(tooBig.outcome.result.alternatives.map((a) => translateServerMessage('en', a.description))).toContain('On any GPU product');
    }
  });

  it('refuses to deploy what does not fit, a version not in production, and an engine that cannot load the format', async () => {
    const err = await inEnglish(deployModel(alice, 'qwen-7b', { versionId: versionIds.v1, engine: 'vllm', gpusPerReplica: 9 })).catch((e: Error & { fieldErrors?: Record<string, string[]> }) => e);
    expect((err as { fieldErrors: Record<string, string[]> }).fieldErrors.placement?.join(' ')).toMatch(/None of the 7 nodes|fewer than 9 GPUs/);
    const [draft] = await Promise.all([inEnglish(deployModel(alice, 'qwen-7b', { versionId: (await listVersionsId('draft'))!, engine: 'vllm' })).catch((e: { fieldErrors: Record<string, string[]> }) => e.fieldErrors)]);
    expect((draft as Record<string, string[]>).versionId?.[0]).toMatch(/draft; only production/);
    const gguf = await inEnglish(deployModel(alice, 'qwen-7b', { versionId: versionIds.v1, engine: 'llamacpp' })).catch((e: { fieldErrors: Record<string, string[]> }) => e.fieldErrors);
    expect((gguf as Record<string, string[]>).engine?.[0]).toMatch(/cannot load safetensors/);
  });

  it('counts a tenant’s quota', async () => {
    await createTenant(alice, { slug: 'legal', name: 'Legal' });
    await setTenantQuota(alice, 'legal', { gpus: '1' });
    const check = await checkDeploymentPlacement('qwen-7b', { versionId: versionIds.v1, engine: 'vllm', target: 'tenant:legal', replicas: 2, gpusPerReplica: 1 });
    expect(check.outcome.checked && !check.outcome.result.fits && check.outcome.result.reasons.map((r) => translateServerMessage('en', r)).join(' ')).toMatch(/quota allows 1/);
    const unknown = await inEnglish(checkDeploymentPlacement('qwen-7b', { versionId: versionIds.v1, engine: 'vllm', target: 'tenant:nobody' })).catch((e: { fieldErrors: Record<string, string[]> }) => e.fieldErrors);
    expect((unknown as Record<string, string[]>).target?.[0]).toMatch(/no tenant called nobody/);
  });
});

async function listVersionsId(label: string): Promise<string | undefined> {
  const { findVersion } = await import('../../../server/models');
  return (await findVersion(database.db, 'qwen-7b', label)).id;
}

describe('rollout, canary, promote, rollback', () => {
  let d: ModelDeployment;

  it('deploys through desired state; the controller applies it and the pods become ready', async () => {
    const started = Date.now();
    ({ deployment: d } = await deployModel(alice, 'qwen-7b', { versionId: versionIds.v1, engine: 'vllm', replicas: 2, gpusPerReplica: 1, gpuProduct: 'NVIDIA-H100-80GB-HBM3', maxModelLen: 16384, reason: 'first rollout' }));
    expect(d).toMatchObject({ name: 'qwen-7b', namespace: 'llm-platform', revision: 1 });
    const progress = await waitReady(d, 'stable ready');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(progress.tracks).toEqual([expect.objectContaining({ track: 'stable', desired: 2, ready: 2, available: 2, done: true })]);
    expect(progress.pods).toHaveLength(2);
    expect(progress.pods.every((p) => p.scheduled && p.ready && p.node?.startsWith('gpu-h100'))).toBe(true);
    expect(progress.events.some((e) => e.reason === 'Scheduled' || e.reason === 'Started' || e.reason === 'ScalingReplicaSet')).toBe(true);
    expect(await liveVersion(d)).toBe('v1');
    // The controller applies the Service independently of the Deployment: it may land a moment later.
    const service = await waitFor('service', () => kubeGet<KubeObject>('/api/v1/namespaces/llm-platform/services/qwen-7b-stable'));
    expect(service.metadata?.name).toBe('qwen-7b-stable');
    expect(routeWeights(await waitFor('route', () => liveRoute(d)))).toEqual({ 'qwen-7b-stable': 100 });
  });

  it('runs a 10 % canary beside the stable version, steps it up and promotes it', async () => {
    ({ deployment: d } = await startCanary(alice, d.id, { versionId: versionIds.v2, weight: 10, reason: 'try v2' }));
    await expect(inEnglish(startCanary(alice, d.id, { versionId: versionIds.v2, weight: 10, reason: 'again' }))).rejects.toThrow(/canary runs already/);
    const progress = await waitReady(d, 'canary ready');
    expect(progress.tracks.map((t) => [t.track, t.ready])).toEqual([
      ['stable', 2],
      ['canary', 1],
    ]);
    await waitFor('weights 90/10', async () => JSON.stringify(routeWeights(await liveRoute(d))) === JSON.stringify({ 'qwen-7b-stable': 90, 'qwen-7b-canary': 10 }));
    d = await stepCanary(bob, d.id, { weight: 50 });
    await waitFor('weights 50/50', async () => routeWeights(await liveRoute(d))['qwen-7b-canary'] === 50);
    d = await promoteCanary(bob, d.id, { reason: 'v2 is better' });
    expect(d).toMatchObject({ stableVersionId: versionIds.v2, previousVersionId: versionIds.v1, canaryVersionId: null, canaryWeight: 0 });
    await waitFor('stable runs v2', async () => (await liveVersion(d)) === 'v2');
    await waitFor('canary removed', async () => (await kubeGet(`/apis/apps/v1/namespaces/llm-platform/deployments/qwen-7b-canary`)) === undefined);
    await waitReady(d, 'promoted ready');
    expect(routeWeights(await liveRoute(d))).toEqual({ 'qwen-7b-stable': 100 });
  });

  it('rolls back to the previous production version in one action', async () => {
    d = await rollbackDeployment(alice, d.id, { reason: 'latency regression' });
    expect(d.stableVersionId).toBe(versionIds.v1);
    await waitFor('stable runs v1 again', async () => (await liveVersion(d)) === 'v1');
    await waitReady(d, 'rolled back ready');
  });

  it('keeps a history of who did what, when and why, and audits every step', async () => {
    const history = await listRollouts(d.id);
    expect(history.map((h) => [h.kind, h.actorName, h.toLabel])).toEqual([
      ['rollback', 'alice', 'v1'],
      ['canary-promote', 'bob', 'v2'],
      ['canary-step', 'bob', 'v2'],
      ['canary-start', 'alice', 'v2'],
      ['deploy', 'alice', 'v1'],
    ]);
    expect(history[0]!.reason).toBe('latency regression');
    expect(history[0]!.changes.stableVersionId).toEqual([versionIds.v2, versionIds.v1]);
    const actions = (await auditEventsOf({ targetId: 'llm-platform/qwen-7b' })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['model.deployment.deploy', 'model.deployment.canary-start', 'model.deployment.canary-step', 'model.deployment.canary-promote', 'model.deployment.rollback']));
  });

  it('aborts a canary and undeploys, deleting every object', async () => {
    ({ deployment: d } = await startCanary(alice, d.id, { versionId: versionIds.v2, weight: 5, reason: 'retry' }));
    d = await abortCanary(alice, d.id, { reason: 'errors' });
    expect(d.canaryVersionId).toBeNull();
    await expect(inEnglish(abortCanary(alice, d.id, { reason: 'again' }))).rejects.toThrow(/No canary/);
    await undeployModel(alice, d.id, { reason: 'done' });
    await waitFor('objects deleted', async () => (await listDeploymentObjects(d)).length === 0, 20_000, 100);
    expect(await kubeGet('/apis/apps/v1/namespaces/llm-platform/deployments/qwen-7b-stable')).toBeUndefined();
    expect((await getDeployment(d.id)).removedAt).not.toBeNull();
  });
  it('checks the GPU memory the version rolled back to needs: refused with the reason while one GPU per replica is too small, rolled back once there are two', async () => {
    // A 20 B bf16 version needs about 54 GiB (2 × L40S with 45 GiB each), an AWQ 4-bit one fits one L40S.
    await createModel(alice, { name: 'big-20b', family: 'big', owner: 'ML platform', license: 'apache-2.0' });
    const version = async (label: string, quantization: string, sizeBytes: string) => {
      const v = await registerVersion(alice, 'big-20b', { label, artifactUri: `pvc://model-store/big/${label}`, format: 'safetensors', quantization, parameterCount: '20B', contextLength: 8192, sizeBytes, sha256: crypto.createHash('sha256').update(`big ${label}`).digest('hex') });
      await setVersionStage(alice, 'big-20b', label, { stage: 'staging' });
      await decidePromotion(bob, (await requestPromotion(alice, 'big-20b', label, { reason: 'evaluated' })).id, { decision: 'approve' });
      return v.id;
    };
    const bf16 = await version('bf16', 'bf16', '40GB');
    const awq = await version('awq', 'awq', '11GB');
    let big = (await deployModel(alice, 'big-20b', { versionId: bf16, engine: 'vllm', replicas: 1, gpusPerReplica: 2, tensorParallelSize: 2, gpuProduct: 'NVIDIA-L40S', cpu: '2', memory: '8Gi', reason: 'first' })).deployment;
    big = (await startCanary(alice, big.id, { versionId: awq, weight: 10, reason: 'quantised' })).deployment;
    big = await promoteCanary(bob, big.id, { reason: 'AWQ is as good' });
    // One GPU per replica is enough for AWQ (the update checks the running version).
    big = (await updateDeployment(alice, big.id, { gpusPerReplica: 1, tensorParallelSize: null, reason: 'half the GPUs' })).deployment;
    await waitReady(big, 'AWQ on one GPU');
    const before = { row: await getDeployment(big.id), rollouts: (await listRollouts(big.id)).length, audit: (await auditEventsOf({ targetId: `${big.namespace}/${big.name}` })).length };
    const refused = await inEnglish(rollbackDeployment(alice, big.id, { reason: 'AWQ regresses' })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(PlacementError);
    const refusal = refused as PlacementError;
    expect(refusal.check.estimate.requiredGiB).toBeGreaterThan(45);
    expect(refusal.check.request).toMatchObject({ replicas: 1, gpusPerReplica: 1 });
    expect(refusal.fieldErrors.placement?.join(' ')).toMatch(/None of the 7 nodes can run a replica needing 1 GPU: .*2 too little GPU memory \(1 × 45 GiB\)/);
    expect(refusal.message).toMatch(/^The rollback to bf16 /);
    // Nothing was recorded or changed.
    expect(await getDeployment(big.id)).toEqual(before.row);
    expect((await listRollouts(big.id)).length).toBe(before.rollouts);
    expect((await auditEventsOf({ targetId: `${big.namespace}/${big.name}` })).length).toBe(before.audit);
    expect(await liveVersion(big)).toBe('awq');
    // With two GPUs per replica the rollback fits.
    big = (await updateDeployment(alice, big.id, { gpusPerReplica: 2, tensorParallelSize: 2, reason: 'room for bf16' })).deployment;
    big = await rollbackDeployment(alice, big.id, { reason: 'AWQ regresses' });
    expect(big).toMatchObject({ stableVersionId: bf16, previousVersionId: awq });
    await waitReady(big, 'rolled back to bf16');
    expect(await liveVersion(big)).toBe('bf16');
    await undeployModel(alice, big.id, { reason: 'done' });
  });
});
