import crypto from 'node:crypto';
import type { ActionFunctionArgs } from '@remix-run/node';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { action as deployApi } from '../../../app/routes/api.v1.models.$name.deployments';
import { action as deploymentApi } from '../../../app/routes/api.v1.models.deployments.$id';
import { action as canaryApi } from '../../../app/routes/api.v1.models.deployments.$id.canary';
import { action as rollbackApi } from '../../../app/routes/api.v1.models.deployments.$id.rollback';
import { action as deploymentPage } from '../../../app/routes/models.deployments.$id';
import { getDb } from '../../../db/client';
import { modelDeployments } from '../../../db/schema/models';
import type { AuditActor } from '../../../server/audit';
import { createApiToken } from '../../../server/auth';
import { cordonNode, getClusterSnapshot, uncordonNode } from '../../../server/gpu';
import {
  type DeploymentProgress,
  type ModelDeployment,
  createModel,
  decidePromotion,
  deploymentProgress,
  getDeployment,
  listDeploymentObjects,
  listDeployments,
  listRollouts,
  registerVersion,
  requestPromotion,
  setVersionStage,
} from '../../../server/models';
import { auditEventsOf, createTestSession, createTestUser, sessionPrincipal } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { english, german } from '../../support/messages';
import { translateServerMessage } from '../../../app/i18n/use-t';
import { startSimKube, stopKube, waitFor } from '../tenants/support';

/*
 * What a CI pipeline gets when the API refuses a change: a placement refusal carries the
 * whole check (estimate with its parts, reasons, where it would fit instead) beside the
 * usual error and field errors; a version whose context is shorter than the deployment's
 * max model length is refused up front with both numbers and the way out, through the API
 * and the page alike. A refusal writes nothing.
 */

let database: TestDatabase;
let ciToken: string;
let operatorSession: { cookie: string; csrfToken: string };
const alice: AuditActor = { id: crypto.randomUUID(), name: 'alice', roles: ['operator'] };
const bob: AuditActor = { id: crypto.randomUUID(), name: 'bob', roles: ['admin'] };
const versionIds: Record<string, string> = {};
const L40S_NODES = ['gpu-l40s-01', 'gpu-l40s-02'];

interface Placement {
  fits: boolean;
  checked: boolean;
  reasons: string[];
  request: { replicas: number; gpusPerReplica: number; gpuMemoryGiBPerReplica: number | null; pool: string | null; gpuProduct: string | null };
  estimate: { totalGiB: number; requiredGiB: number; weightsGiB: number; kvCacheGiB: number; overheadGiB: number; parts: Array<{ part: string; gib: number; explanation: string }> };
  alternatives: Array<{
    description: string;
    replicas: number;
    gpusPerReplica: number;
    pool: string | null;
    gpuProduct: string | null;
    quotaGpus: number | null;
    nodes: string[];
    assignments: Array<{ replica: number; node: string; gpus: number; resource: string }>;
  }>;
}
interface ApiAnswer {
  error?: string;
  fieldErrors?: Record<string, string[]>;
  placement?: Placement;
  deployment?: { id: string; stableLabel: string | null; revision: number };
}

/** A request to a models API route with the pipeline's Bearer token, as JSON. */
async function api(handler: (args: ActionFunctionArgs) => Promise<Response>, path: string, body: unknown, params: Record<string, string>, method = 'POST') {
  const request = new Request(`http://leitstand.test${path}`, {
    method,
    headers: { authorization: `Bearer ${ciToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const response = await handler({ request, params, context: {} });
  return { status: response.status, body: (await response.json()) as ApiAnswer };
}
const canary = (d: ModelDeployment, body: unknown) => api(canaryApi, `/api/v1/models/deployments/${d.id}/canary`, body, { id: d.id });
const rollback = (d: ModelDeployment, body: unknown) => api(rollbackApi, `/api/v1/models/deployments/${d.id}/rollback`, body, { id: d.id });
const patch = (d: ModelDeployment, body: unknown) => api(deploymentApi, `/api/v1/models/deployments/${d.id}`, body, { id: d.id }, 'PATCH');

/** The deployment page's action, as the browser posts it. */
async function pagePost(d: ModelDeployment, fields: Record<string, string>) {
  const request = new Request(`http://localhost/models/deployments/${d.id}`, {
    method: 'POST',
    headers: { cookie: operatorSession.cookie, origin: 'http://localhost', 'sec-fetch-site': 'same-origin' },
    body: new URLSearchParams({ csrf: operatorSession.csrfToken, ...fields }),
  });
  const response = (await deploymentPage({ request, params: { id: d.id }, context: {} } as ActionFunctionArgs)) as Response;
  return { status: response.status, body: (await response.json()) as { ok: boolean; intent?: string; fieldErrors: Record<string, string[]>; placement?: Placement } };
}

/** Everything a change would write: the row, the history, the audit trail, the desired objects. */
async function recorded(d: ModelDeployment) {
  const row = await getDeployment(d.id);
  return {
    revision: row.revision,
    stable: row.stableVersionId,
    previous: row.previousVersionId,
    canary: row.canaryVersionId,
    settings: row.settings,
    replicas: row.replicas,
    gpusPerReplica: row.gpusPerReplica,
    rollouts: (await listRollouts(d.id)).length,
    audit: (await auditEventsOf({ targetId: `${d.namespace}/${d.name}` })).length,
    desired: (await listDeploymentObjects(d)).map((o) => `${o.kind}/${o.name}@${o.generation}`).sort(),
  };
}

const waitProgress = (d: ModelDeployment, what: string, until: (p: DeploymentProgress) => boolean) =>
  waitFor(
    what,
    async () => {
      const p = await deploymentProgress(d, await listDeploymentObjects(d));
      return until(p) ? p : undefined;
    },
    20_000,
    100,
  );

/** Cordons (or uncordons) the L40S nodes and waits until the planner's snapshot sees it. */
async function setL40sCordoned(cordoned: boolean) {
  for (const node of L40S_NODES) await (cordoned ? cordonNode : uncordonNode)(alice, node);
  await waitFor(cordoned ? 'cordon seen' : 'uncordon seen', async () => (await getClusterSnapshot()).nodes.filter((n) => L40S_NODES.includes(n.name)).every((n) => n.unschedulable === cordoned));
}

async function productionVersion(label: string, contextLength: number): Promise<string> {
  const v = await registerVersion(alice, 'llama-8b', {
    label,
    artifactUri: `pvc://model-store/llama/${label}`,
    format: 'safetensors',
    quantization: 'bf16',
    parameterCount: '8B',
    contextLength,
    sizeBytes: '16GB',
    sha256: crypto.createHash('sha256').update(label).digest('hex'),
  });
  await setVersionStage(alice, 'llama-8b', label, { stage: 'staging' });
  const request = await requestPromotion(alice, 'llama-8b', label, { reason: 'evaluated' });
  await decidePromotion(bob, request.id, { decision: 'approve' });
  return v.id;
}

/** Expects the placement object of a refusal: not fitting, the estimate with its parts, the reasons. */
function expectRefusedPlacement(answer: { status: number; body: ApiAnswer }, reason: RegExp): Placement {
  expect(answer.status).toBe(400);
  expect(answer.body.error).toMatch(/does not fit/);
  expect(answer.body.fieldErrors?.placement?.join(' ')).toMatch(reason);
  const placement = answer.body.placement!;
  expect(placement).toMatchObject({ fits: false, checked: true });
  expect(placement.reasons.map((r) => translateServerMessage('en', r)).join(' ')).toMatch(reason);
  expect(placement.reasons).toEqual(answer.body.fieldErrors!.placement);
  // 8 B parameters in bf16: ~14.9 GiB of weights; the total is the sum of the parts (vLLM's 90 % share on top).
  expect(placement.estimate.weightsGiB).toBeCloseTo((8e9 * 2) / 1024 ** 3, 0);
  expect(placement.estimate.parts.map((p) => p.part)).toEqual(['weights', 'kvCache', 'overhead', 'fraction']);
  expect(placement.estimate.totalGiB).toBeCloseTo(placement.estimate.weightsGiB + placement.estimate.kvCacheGiB + placement.estimate.overheadGiB, 0);
  expect(placement.estimate.requiredGiB).toBeGreaterThan(placement.estimate.totalGiB);
  return placement;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'models-refusals-test' });
  const admin = await createTestUser({ roles: ['admin'] });
  ciToken = (await createApiToken(sessionPrincipal(admin), 'service', { name: 'ci', scopes: ['models:read', 'models:write'], expiresInDays: 30 })).token;
  operatorSession = await createTestSession(await createTestUser({ roles: ['operator'] }));
  await createModel(alice, { name: 'llama-8b', family: 'llama', owner: 'Research', license: 'llama3' });
  versionIds.v1 = await productionVersion('v1', 8192);
  versionIds.v2 = await productionVersion('v2', 32768);
  versionIds.v3 = await productionVersion('v3', 8192);
}, 60_000);
afterAll(async () => {
  await stopKube();
  await database?.close();
});

describe('API placement refusals', () => {
  let d: ModelDeployment;

  it('refuses a deploy that does not fit with the estimate, the reasons and where it would fit instead, and writes nothing', async () => {
    const body = { versionId: versionIds.v1, engine: 'vllm', replicas: 1, gpusPerReplica: 5, gpuProduct: 'NVIDIA-L40S', cpu: '2', memory: '8Gi', reason: 'first' };
    const refused = await api(deployApi, '/api/v1/models/llama-8b/deployments', body, { name: 'llama-8b' });
    const placement = expectRefusedPlacement(refused, /fewer than 5 GPUs/);
    expect(placement.request).toMatchObject({ replicas: 1, gpusPerReplica: 5, gpuProduct: 'NVIDIA-L40S', pool: null });
    // No L40S node has 5 GPUs; any product does (the H100 nodes have 8), with the replica placed on a node.
    const anyProduct = placement.alternatives.find((a) => translateServerMessage('en', a.description) === 'On any GPU product');
    expect(anyProduct).toMatchObject({ replicas: 1, gpusPerReplica: 5, gpuProduct: null, pool: null, quotaGpus: null });
    expect(anyProduct!.assignments).toHaveLength(1);
    expect(anyProduct!.assignments[0]).toMatchObject({ replica: 0, gpus: 5, resource: 'nvidia.com/gpu' });
    expect(anyProduct!.nodes).toEqual([anyProduct!.assignments[0]!.node]);
    expect(anyProduct!.nodes[0]).toMatch(/^gpu-h100-0[12]$/);
    expect(await listDeployments()).toEqual([]);
    expect(await auditEventsOf({ action: 'model.deployment.deploy' })).toEqual([]);

    const deployed = await api(deployApi, '/api/v1/models/llama-8b/deployments', { ...body, gpusPerReplica: 1 }, { name: 'llama-8b' });
    expect(deployed.status).toBe(201);
    d = await getDeployment(deployed.body.deployment!.id);
    await waitProgress(d, 'v1 ready', (p) => p.ready);
  });

  it('refuses a canary start with how many replicas fit as asked, and a change of the deployment that does not fit', async () => {
    const before = await recorded(d);
    // Two L40S nodes with 4 GPUs each, one used by the stable replica: 7 of 9 canary replicas fit there.
    const refused = await canary(d, { action: 'start', versionId: versionIds.v2, weight: 10, replicas: 9, reason: 'try v2' });
    const placement = expectRefusedPlacement(refused, /Only 7 of 9 replicas fit/);
    const fewer = placement.alternatives.find((a) => translateServerMessage('en', a.description) === '7 replicas fit as asked');
    expect(fewer).toMatchObject({ replicas: 7, gpusPerReplica: 1, gpuProduct: 'NVIDIA-L40S' });
    expect(fewer!.assignments).toHaveLength(7);
    expect([...fewer!.nodes].sort()).toEqual(L40S_NODES);
    expect(placement.alternatives.find((a) => translateServerMessage('en', a.description) === 'On any GPU product')).toMatchObject({ replicas: 9, gpuProduct: null });

    const change = await patch(d, { gpusPerReplica: 5, reason: 'bigger' });
    expect(change.body.placement?.request).toMatchObject({ replicas: 1, gpusPerReplica: 5 });
    expect(expectRefusedPlacement(change, /fewer than 5 GPUs/).alternatives.map((a) => translateServerMessage('en', a.description))).toContain('On any GPU product');
    expect(await recorded(d)).toEqual(before);
  });

  it('refuses a rollback and a promote without room for the surge pod with the whole check', async () => {
    expect((await canary(d, { action: 'start', versionId: versionIds.v2, weight: 10, reason: 'try v2' })).status).toBe(201);
    d = await getDeployment(d.id);
    await waitProgress(d, 'canary ready', (p) => p.ready && p.tracks.length === 2);
    const promoted = await canary(d, { action: 'promote', reason: 'v2 is better' });
    expect(promoted.status).toBe(200);
    d = await getDeployment(d.id);
    await waitProgress(d, 'v2 ready', (p) => p.ready && p.tracks.length === 1 && p.pods.every((x) => x.version === 'v2'));
    expect((await canary(d, { action: 'start', versionId: versionIds.v3, weight: 10, reason: 'try v3' })).status).toBe(201);
    d = await getDeployment(d.id);
    await waitProgress(d, 'canary v3 ready', (p) => p.ready && p.tracks.length === 2);

    await setL40sCordoned(true);
    try {
      const before = await recorded(d);
      for (const refused of [await rollback(d, { reason: 'v2 regresses' }), await canary(d, { action: 'promote' })]) {
        const placement = expectRefusedPlacement(refused, /None of the 7 nodes can run a replica needing 1 GPU: .*2 cordoned/);
        expect(placement.request).toMatchObject({ replicas: 1, gpusPerReplica: 1, gpuProduct: 'NVIDIA-L40S' });
        const anyProduct = placement.alternatives.find((a) => translateServerMessage('en', a.description) === 'On any GPU product');
        expect(anyProduct).toMatchObject({ replicas: 1, gpuProduct: null });
        expect(anyProduct!.nodes).toHaveLength(1);
        expect(L40S_NODES).not.toContain(anyProduct!.nodes[0]);
      }
      // The page gets the same check for its report next to the rollback.
      const viaPage = await pagePost(d, { intent: 'rollback', reason: 'v2 regresses' });
      expect(viaPage.status).toBe(400);
      expect(viaPage.body).toMatchObject({ ok: false, intent: 'rollback', fieldErrors: {}, placement: { fits: false } });
      expect(viaPage.body.placement!.alternatives.map((a) => translateServerMessage('en', a.description))).toContain('On any GPU product');
      expect(await recorded(d)).toEqual(before);
    } finally {
      await setL40sCordoned(false);
    }
    expect((await canary(d, { action: 'abort', reason: 'not now' })).status).toBe(200);
    d = await getDeployment(d.id);
  });
});

describe('a version whose context is shorter than the deployment’s max model length', () => {
  let d: ModelDeployment;
  const shorter = /v1 supports at most 8,192 tokens, but the deployment's maximum context length \(maxModelLen\) is 16,384, so the engine would refuse to start\. Lower the maximum context length to 8,192 or less on the deployment's edit page \(Change settings\) first, or choose another version\./;

  it('refuses the rollback through the API and the page, naming both numbers, and writes nothing', async () => {
    const [deployed] = await listDeployments();
    d = await getDeployment(deployed!.id);
    expect((await patch(d, { maxModelLen: 16384, reason: 'long documents' })).status).toBe(200);
    d = await getDeployment(d.id);
    const before = await recorded(d);
    expect(before.settings.maxModelLen).toBe(16384);

    const viaApi = await rollback(d, { reason: 'v2 regresses' });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.fieldErrors?.maxModelLen?.[0]).toMatch(/^Cannot roll back to v1: /);
    expect(viaApi.body.fieldErrors?.maxModelLen?.[0]).toMatch(shorter);
    expect(viaApi.body.placement).toBeUndefined();

    const viaPage = await pagePost(d, { intent: 'rollback', reason: 'v2 regresses' });
    expect(viaPage.status).toBe(400);
    expect(viaPage.body).toMatchObject({ ok: false, intent: 'rollback' });
    // The page gets the message key; the English reader sees the same words as the API answer.
    expect(english(viaPage.body.fieldErrors.maxModelLen?.[0] ?? '')).toMatch(shorter);
    expect(await recorded(d)).toEqual(before);
  });

  it('refuses a canary of such a version, so it never crash-loops', async () => {
    const before = await recorded(d);
    const viaApi = await canary(d, { action: 'start', versionId: versionIds.v3, weight: 10, reason: 'try v3' });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.fieldErrors?.versionId?.[0]).toMatch(/^Cannot start a canary of v3: v3 supports at most 8,192 tokens, but .* is 16,384/);
    const viaPage = await pagePost(d, { intent: 'canary-start', versionId: versionIds.v3!, weight: '10', replicas: '1', reason: 'try v3' });
    expect(viaPage.status).toBe(400);
    expect(viaPage.body).toMatchObject({ ok: false, intent: 'canary-start' });
    expect(english(viaPage.body.fieldErrors.versionId?.[0] ?? '')).toMatch(/v3 supports at most 8,192 tokens/);
    // The German reader gets German, with German digit grouping.
    expect(german(viaPage.body.fieldErrors.versionId?.[0] ?? '')).toMatch(/^Ein Canary von v3 kann nicht gestartet werden: v3 unterstützt höchstens 8\.192 Tokens, .* ist aber 16\.384/);
    expect(await recorded(d)).toEqual(before);
  });

  it('rolls back once the max model length is lowered', async () => {
    expect((await patch(d, { maxModelLen: 8192, reason: 'for v1' })).status).toBe(200);
    const done = await rollback(await getDeployment(d.id), { reason: 'v2 regresses' });
    expect(done.status).toBe(200);
    d = await getDeployment(d.id);
    expect(d.stableVersionId).toBe(versionIds.v1);
    await waitProgress(d, 'v1 ready', (p) => p.ready && p.pods.every((x) => x.version === 'v1'));
  });

  it('refuses promoting such a canary (one started before this check) through the API and the page, and writes nothing', async () => {
    expect((await canary(d, { action: 'start', versionId: versionIds.v3, weight: 10, reason: 'try v3' })).status).toBe(201);
    // A deployment from before the check: its max model length was raised while the canary ran.
    await getDb()
      .update(modelDeployments)
      .set({ settings: { maxModelLen: 16384 } })
      .where(eq(modelDeployments.id, d.id));
    d = await getDeployment(d.id);
    const before = await recorded(d);
    const viaApi = await canary(d, { action: 'promote', reason: 'v3 is better' });
    expect(viaApi.status).toBe(400);
    expect(viaApi.body.fieldErrors?.maxModelLen?.[0]).toMatch(/^Cannot promote v3: v3 supports at most 8,192 tokens, but the deployment's maximum context length \(maxModelLen\) is 16,384/);
    expect(viaApi.body.fieldErrors?.maxModelLen?.[0]).toMatch(/Lower the maximum context length to 8,192 or less/);
    const viaPage = await pagePost(d, { intent: 'canary-promote' });
    expect(viaPage.status).toBe(400);
    expect(viaPage.body).toMatchObject({ ok: false, intent: 'canary-promote' });
    expect(english(viaPage.body.fieldErrors.maxModelLen?.[0] ?? '')).toMatch(/^Cannot promote v3: /);
    expect(await recorded(d)).toEqual(before);
  });
});
