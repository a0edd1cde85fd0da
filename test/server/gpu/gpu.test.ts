import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../server/audit';
import {
  DEDICATED_KEY,
  cordonNode,
  createPool,
  dedicate,
  deletePool,
  getAllocation,
  getSchedulingConstraints,
  listDedications,
  planOnCluster,
  previewDrain,
  previewMigLayout,
  releaseDedication,
  setMigLayout,
  uncordonNode,
} from '../../../server/gpu';
import type { KubeObject } from '../../../server/kube';
import { auditEventsOf } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { gpuDeployment, kubeCreate, kubeGet, startSimKube, stopKube, waitFor } from '../tenants/support';
import { translateServerMessage } from '../../../app/i18n/use-t';

/** A refusal's message and field errors in English, as the API answers them. */
async function english(work: Promise<unknown>): Promise<{ message: string; fieldErrors: Record<string, string[]> }> {
  try {
    await work;
  } catch (error) {
    const e = error as { message: string; fieldErrors?: Record<string, string[]> };
    const fieldErrors = Object.fromEntries(Object.entries(e.fieldErrors ?? {}).map(([k, v]) => [k, v.map((x) => translateServerMessage('en', x))]));
    return { message: translateServerMessage('en', e.message), fieldErrors };
  }
  throw new Error('expected a refusal');
}


let database: TestDatabase;
const actor = { ...systemActor, name: 'gpu-test' };

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'gpu-test' });
  for (const ns of ['tenant-red', 'tenant-blue', 'shop']) await kubeCreate('/api/v1/namespaces', { metadata: { name: ns } });
});
afterAll(async () => {
  await stopKube();
  await database?.close();
});

type Pod = KubeObject & { spec: { nodeName?: string }; status?: { conditions?: Array<{ type: string; status: string; message?: string }> } };
const podsOf = async (ns: string, app: string) =>
  ((await kubeGet<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`))?.items ?? []);

describe('dedication', () => {
  it('dedicates a pool to a tenant: labels and taints on its nodes, and other tenants stay off', async () => {
    await createPool(actor, { name: 'l40s', selector: 'nvidia.com/gpu.product=NVIDIA-L40S', description: 'Inference cards' });
    const d = await dedicate(actor, { targetKind: 'pool', target: 'l40s', tenant: 'red' });
    expect(d.nodes).toEqual(['gpu-l40s-01', 'gpu-l40s-02']);
    const node = await kubeGet<KubeObject & { spec: { taints?: Array<{ key: string; value?: string; effect: string }> } }>('/api/v1/nodes/gpu-l40s-01');
    expect(node!.metadata.labels?.[DEDICATED_KEY]).toBe('red');
    expect(node!.spec.taints).toContainEqual({ key: DEDICATED_KEY, value: 'red', effect: 'NoSchedule' });

    const red = await getSchedulingConstraints('red');
    expect(red.podSpec).toEqual({
      tolerations: [{ key: DEDICATED_KEY, operator: 'Equal', value: 'red', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: DEDICATED_KEY, operator: 'In', values: ['red'] }] }] } } },
    });
    expect((await getSchedulingConstraints('blue')).podSpec).toEqual({});

    // Blue asks for L40S GPUs only: the dedicated nodes are the only L40S ones, so it stays Pending.
    await kubeCreate(
      '/apis/apps/v1/namespaces/tenant-blue/deployments',
      gpuDeployment('blue-l40s', 1, 1, { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-L40S' }, ...(await getSchedulingConstraints('blue')).podSpec }),
    );
    const refused = await waitFor('blue refused', async () => {
      const [p] = await podsOf('tenant-blue', 'blue-l40s');
      return p?.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    });
    expect(refused.message).toMatch(/untolerated taint \{leitstand\.io\/dedicated: red\}/);
    // Red's pods (with its constraints) land only on red's nodes.
    await kubeCreate('/apis/apps/v1/namespaces/tenant-red/deployments', gpuDeployment('red-llm', 3, 1, red.podSpec));
    const placed = await waitFor('red scheduled', async () => {
      const pods = await podsOf('tenant-red', 'red-llm');
      return pods.length === 3 && pods.every((p) => p.spec.nodeName) ? pods : undefined;
    });
    for (const p of placed) expect(p.spec.nodeName).toMatch(/^gpu-l40s-0[12]$/);

    const plan = await planOnCluster({ replicas: 2, gpusPerReplica: 4, tenant: 'red' }, null);
    expect(plan.fits).toBe(false);
    if (!plan.fits) expect(plan.reasons.map((r) => translateServerMessage('en', r)).join(' ')).toMatch(/not dedicated to red/);

    expect((await english(deletePool(actor, 'l40s'))).message).toMatch(/dedicated to red/);
    expect((await english(dedicate(actor, { targetKind: 'node', target: 'gpu-l40s-01', tenant: 'blue' }))).message).toMatch(/gpu-l40s-01 to red/);
  });

  it('releases the dedication: taint and label go, blue schedules', async () => {
    const [d] = await listDedications();
    await releaseDedication(actor, d!.id);
    const node = await kubeGet<KubeObject & { spec: { taints?: unknown[] } }>('/api/v1/nodes/gpu-l40s-02');
    expect(node!.metadata.labels?.[DEDICATED_KEY]).toBeUndefined();
    expect(node!.spec.taints ?? []).toEqual([]);
    await waitFor('blue scheduled', async () => (await podsOf('tenant-blue', 'blue-l40s'))[0]?.spec.nodeName);
    expect((await auditEventsOf({ action: 'gpu.release' })).length).toBe(1);
  });
});

describe('allocation view', () => {
  it('shows GPUs by tenant and workload per node, free GPUs and fragmentation', async () => {
    const view = await getAllocation();
    const all = view.pools.find((p) => p.name === '')!;
    expect(all.byTenant).toContainEqual({ tenant: 'red', gpus: 3, slices: [] });
    expect(all.byTenant).toContainEqual({ tenant: 'blue', gpus: 1, slices: [] });
    const l40 = view.pools.find((p) => p.name === 'l40s')!;
    expect(l40).toMatchObject({ nodes: 2, gpus: 8, allocated: 4, free: 4 });
    // 4 free L40S GPUs spread 2+2 or 1+3: a 4-GPU replica cannot use them.
    const four = l40.fragmentation.find((f) => f.size === 4)!;
    expect(four).toMatchObject({ usable: 0, stranded: 4, replicas: 0 });
    const node = view.nodes.find((n) => n.name === 'gpu-l40s-01')!;
    expect(node.byWorkload.every((w) => w.namespace.startsWith('tenant-'))).toBe(true);
    expect(node.pools).toEqual(['l40s']);
  });
});

describe('maintenance', () => {
  it('cordons and uncordons with audit events, refusing a repeat', async () => {
    await cordonNode(actor, 'gpu-h100-02');
    await expect(cordonNode(actor, 'gpu-h100-02')).rejects.toThrow(/already|cordoned/);
    await uncordonNode(actor, 'gpu-h100-02');
    expect((await english(cordonNode(actor, 'no-such-node'))).message).toMatch(/no node called/);
    expect((await auditEventsOf({ action: 'gpu.node.cordon', targetId: 'gpu-h100-02' })).length).toBe(1);
    expect((await auditEventsOf({ action: 'gpu.node.uncordon', targetId: 'gpu-h100-02' })).length).toBe(1);
  });

  it('explains in the preview a drain blocked by a PodDisruptionBudget', async () => {
    await kubeCreate(
      '/apis/apps/v1/namespaces/shop/deployments',
      gpuDeployment('ranker', 1, 8, { nodeSelector: { 'kubernetes.io/hostname': 'gpu-h100-01' } }),
    );
    await kubeCreate('/apis/policy/v1/namespaces/shop/poddisruptionbudgets', {
      metadata: { name: 'ranker' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'ranker' } } },
    });
    await waitFor('PDB counts the healthy pod', async () => {
      const pdb = await kubeGet<KubeObject & { status?: { currentHealthy?: number } }>('/apis/policy/v1/namespaces/shop/poddisruptionbudgets/ranker');
      return pdb?.status?.currentHealthy === 1;
    });
    await waitFor('cache sees the pod', async () => (await previewDrain('gpu-h100-01')).pods.length === 1);
    const preview = await previewDrain('gpu-h100-01');
    expect(preview.complete).toBe(false);
    expect(preview.blockedBy).toEqual([{ pdb: 'shop/ranker', disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1, pods: [expect.stringMatching(/^ranker-/)] }]);
    expect(preview.pods[0]).toMatchObject({ outcome: 'blocked', workload: 'ranker', gpus: 8 });
    expect((preview.pods[0] as { reason: string }).reason).toBe('PodDisruptionBudget shop/ranker allows 0 disruptions now (1 healthy, 1 required)');

    // The drain itself is a job: test/server/gpu/drain.test.ts.
  });

  it('previews where evicted pods would go when nothing blocks', async () => {
    await kubeCreate('/apis/apps/v1/namespaces/shop/deployments', gpuDeployment('embedder', 1, 2, { nodeSelector: { 'kubernetes.io/hostname': 'gpu-h100-02' } }));
    await waitFor('embedder running', async () => (await previewDrain('gpu-h100-02')).pods.length === 1);
    const preview = await previewDrain('gpu-h100-02');
    // Its nodeSelector pins it to the node being drained: nowhere else to go, and the preview says so.
    expect(preview.pods[0]).toMatchObject({ outcome: 'evicted', reschedule: null, rescheduleReason: 'no other node matches its selector, affinity and tolerations' });
    // A Deployment's pod without emptyDir volumes takes no acknowledgement.
    expect(preview.pods[0]).toMatchObject({ bare: false, emptyDirVolumes: [], needs: [], notes: [] });
    expect(preview.needs).toEqual([]);
    expect(preview.complete).toBe(true);
  });

  it('marks in the preview bare pods and pods with emptyDir volumes, and says which acknowledgements the drain needs', async () => {
    const node = 'cpu-02';
    const container = { name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '64Mi' } } };
    await kubeCreate('/apis/apps/v1/namespaces/shop/deployments', gpuDeployment('indexer', 1, 0, { nodeSelector: { 'kubernetes.io/hostname': node }, volumes: [{ name: 'scratch', emptyDir: {} }] }));
    await kubeCreate('/api/v1/namespaces/shop/pods', { metadata: { name: 'debug' }, spec: { nodeName: node, containers: [container] } });
    await kubeCreate('/api/v1/namespaces/shop/pods', {
      metadata: { name: 'scratchpad' },
      spec: { nodeName: node, containers: [container], volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'shm', emptyDir: { medium: 'Memory' } }] },
    });
    await waitFor('cache sees the pods', async () => (await previewDrain(node)).pods.length === 3);
    const preview = await previewDrain(node);
    expect(preview.needs).toEqual(['force', 'deleteEmptyDirData']);
    expect(preview.complete).toBe(true);
    expect(preview.pods.map((p) => (p.outcome === 'skipped' ? [p.name] : [p.name.replace(/-[^-]+-[^-]+$/, ''), p.outcome, p.bare, p.emptyDirVolumes, p.needs, p.notes]))).toEqual([
      ['debug', 'evicted', true, [], ['force'], ['nothing re-creates it — evicting deletes it for good']],
      ['indexer', 'evicted', false, ['scratch'], ['deleteEmptyDirData'], ['its emptyDir data (scratch) is lost']],
      ['scratchpad', 'evicted', true, ['tmp', 'shm'], ['force', 'deleteEmptyDirData'], ['nothing re-creates it — evicting deletes it for good', 'its emptyDir data (tmp, shm) is lost']],
    ]);
    expect(preview.pods[0]).toMatchObject({ reschedule: null, rescheduleReason: 'a bare pod: nothing re-creates it' });
  });

  it('previews and applies a MIG layout change; the MIG manager changes allocatable', async () => {
    const preview = await previewMigLayout('gpu-a100-mig-01', 'all-1g.10gb');
    expect(preview.current.layout).toBe('all-balanced');
    expect(preview.next.resources).toMatchObject({ 'nvidia.com/gpu': 0, 'nvidia.com/mig-1g.10gb': 56, 'nvidia.com/mig-2g.20gb': 0, 'nvidia.com/mig-3g.40gb': 0 });
    expect(preview.problems).toEqual([]);
    expect((await previewMigLayout('gpu-l40s-01', 'all-1g.10gb')).problems.map((p) => translateServerMessage('en', p)).join(' ')).toMatch(/do not support MIG/);
    await expect(english(setMigLayout(actor, 'gpu-a100-mig-01', { layout: 'all-9g.90gb' }))).resolves.toMatchObject({ fieldErrors: { layout: [expect.stringMatching(/not a MIG layout/)] } });

    await setMigLayout(actor, 'gpu-a100-mig-01', { layout: 'all-1g.10gb' });
    const node = await waitFor('MIG manager done', async () => {
      const n = await kubeGet<KubeObject & { status: { allocatable: Record<string, string> } }>('/api/v1/nodes/gpu-a100-mig-01');
      return n?.metadata.labels?.['nvidia.com/mig.config.state'] === 'success' && n.status.allocatable['nvidia.com/mig-1g.10gb'] === '56' ? n : undefined;
    });
    expect(node.status.allocatable['nvidia.com/mig-3g.40gb']).toBe('0');
    expect((await auditEventsOf({ action: 'gpu.node.mig-layout', targetId: 'gpu-a100-mig-01' }))[0]?.after).toMatchObject({ layout: 'all-1g.10gb' });
  });
});
