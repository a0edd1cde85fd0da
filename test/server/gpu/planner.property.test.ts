import { afterEach, describe, expect, it } from 'vitest';
import { type PlacementRequest, planPlacement, snapshotFromObjects, toPodSpecFields, DEDICATED_KEY } from '../../../server/gpu';
import type { KubeClient } from '../../../server/kube/client';
import type { KubeObject } from '../../../server/kube';
import type { SimNodeSpec, SimTopology } from '../../../server/kube/sim';
import { startTestCluster, waitFor } from '../kube/support';

/*
 * Property: on random clusters (seeded), every placement the planner proposes is one the
 * scheduler accepts. Each proposed replica is created as a pod carrying the planner's
 * constraints (tolerations, affinity, pool selector) plus `kubernetes.io/hostname` of the
 * proposed node; the simulated scheduler (taints, cordon, affinity, GPU/MIG/cpu/memory/pod
 * fit) must bind every one of them to exactly that node.
 */

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRODUCTS = ['NVIDIA-H100-80GB-HBM3', 'NVIDIA-A100-SXM4-80GB', 'NVIDIA-L40S'] as const;
const TENANTS = ['alpha', 'beta', 'gamma'];

function randomTopology(rand: () => number): SimTopology {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const count = 3 + Math.floor(rand() * 6);
  const nodes: SimNodeSpec[] = [];
  for (let i = 0; i < count; i++) {
    const product = pick(PRODUCTS);
    const gpus = product === 'NVIDIA-L40S' ? pick([1, 2, 4]) : pick([2, 4, 8]);
    const mig = product !== 'NVIDIA-L40S' && rand() < 0.2 ? 'all-balanced' : 'all-disabled';
    const labels: Record<string, string> = { 'leitstand.test/pool': pick(['p1', 'p2']) };
    const taints: SimNodeSpec['taints'] = [];
    const r = rand();
    if (r < 0.2) {
      const tenant = pick(TENANTS);
      labels[DEDICATED_KEY] = tenant;
      taints.push({ key: DEDICATED_KEY, value: tenant, effect: 'NoSchedule' });
    } else if (r < 0.3) taints.push({ key: 'maintenance', value: 'true', effect: 'NoSchedule' });
    nodes.push({
      name: `n${i}`,
      cpu: String(pick([8, 16, 64])),
      memory: pick(['32Gi', '128Gi', '512Gi']),
      pods: pick([4, 110]),
      gpu: { product, count: gpus, migStrategy: 'mixed', migConfig: mig },
      labels,
      taints,
      unschedulable: rand() < 0.12,
    });
  }
  return { namespaces: ['prop'], nodes };
}

function randomRequest(rand: () => number, topology: SimTopology): PlacementRequest {
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const mig = rand() < 0.15;
  return {
    replicas: 1 + Math.floor(rand() * 4),
    gpusPerReplica: mig ? pick([1, 2]) : pick([1, 1, 2, 4, 8]),
    ...(mig ? { migProfile: pick(['1g.10gb', '3g.40gb']) } : {}),
    ...(rand() < 0.3 ? { products: [pick(PRODUCTS)] } : {}),
    ...(rand() < 0.3 ? { gpuMemoryGiBPerReplica: pick([20, 40, 80, 160]) } : {}),
    ...(rand() < 0.3 ? { pool: pick(['p1', 'p2']) } : {}),
    ...(rand() < 0.5 ? { tenant: pick(TENANTS) } : {}),
    ...(rand() < 0.5 ? { cpu: pick(['1', '4', '12']), memory: pick(['4Gi', '40Gi', '200Gi']) } : {}),
    ...(topology.nodes.length ? {} : {}),
  };
}

const pools = [
  { name: 'p1', selector: { 'leitstand.test/pool': 'p1' } },
  { name: 'p2', selector: { 'leitstand.test/pool': 'p2' } },
];

async function list(client: KubeClient, path: string): Promise<KubeObject[]> {
  const res = await client.request<{ items: KubeObject[] }>('GET', path);
  return res.body.items;
}

async function snapshotOf(client: KubeClient) {
  const [nodes, pods] = await Promise.all([list(client, '/api/v1/nodes'), list(client, '/api/v1/pods')]);
  return { ...snapshotFromObjects(nodes, pods), pools };
}

function podFor(name: string, node: string, request: PlacementRequest, spec: Record<string, unknown>): KubeObject {
  const device = request.migProfile ? `nvidia.com/mig-${request.migProfile}` : 'nvidia.com/gpu';
  const requests: Record<string, string> = { [device]: String(request.gpusPerReplica) };
  if (request.cpu) requests.cpu = request.cpu;
  if (request.memory) requests.memory = request.memory;
  const nodeSelector = { ...((spec.nodeSelector as Record<string, string>) ?? {}), 'kubernetes.io/hostname': node };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'prop' },
    spec: {
      ...spec,
      nodeSelector,
      containers: [{ name: 'c', image: 'vllm/vllm-openai:v0.6.4', resources: { requests, limits: { [device]: String(request.gpusPerReplica) } } }],
    },
  };
}

let cluster: Awaited<ReturnType<typeof startTestCluster>> | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('planPlacement against the simulated scheduler (property, seeded)', () => {
  const seeds = Array.from({ length: 14 }, (_, i) => 1000 + i * 7919);
  const tally = { fits: 0, refused: 0 };

  it.each(seeds)('seed %i: every proposed replica is scheduled exactly where proposed', async (seed) => {
    const rand = mulberry32(seed);
    const topology = randomTopology(rand);
    cluster = await startTestCluster({ topology, seed, podReadyDelayMs: 10 });
    const client = cluster.client();
    // Existing load: pods pinned to random schedulable nodes, tolerating everything.
    for (const [i, node] of topology.nodes.entries()) {
      if (node.unschedulable || rand() < 0.4 || !node.gpu || node.gpu.migConfig === 'all-balanced') continue;
      const gpus = 1 + Math.floor(rand() * node.gpu.count);
      await client.request('POST', '/api/v1/namespaces/prop/pods', {
        body: {
          metadata: { name: `load-${i}` },
          spec: {
            nodeSelector: { 'kubernetes.io/hostname': node.name },
            tolerations: [{ operator: 'Exists' }],
            containers: [{ name: 'c', image: 'busybox', resources: { limits: { 'nvidia.com/gpu': String(gpus) } } }],
          },
        },
      });
    }
    await waitFor('load scheduled', async () => (await list(client, '/api/v1/namespaces/prop/pods')).every((p) => (p.spec as { nodeName?: string }).nodeName));

    for (let round = 0; round < 4; round++) {
      const request = randomRequest(rand, topology);
      const snapshot = await snapshotOf(client);
      const result = planPlacement(request, snapshot, null);
      if (!result.fits) {
        tally.refused++;
        expect(result.reasons.length, JSON.stringify(request)).toBeGreaterThan(0);
        continue;
      }
      tally.fits++;
      expect(result.assignments).toHaveLength(request.replicas);
      const spec = toPodSpecFields(result.constraints);
      const names = result.assignments.map((a) => `r${round}-${a.replica}`);
      for (const [i, a] of result.assignments.entries()) {
        const res = await client.request('POST', '/api/v1/namespaces/prop/pods', { body: podFor(names[i]!, a.node, request, spec) });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      for (const [i, a] of result.assignments.entries()) {
        const pod = await waitFor(`pod ${names[i]} scheduled or refused`, async () => {
          const res = await client.request<KubeObject>('GET', `/api/v1/namespaces/prop/pods/${names[i]}`);
          const p = res.body;
          const refused = ((p.status as { conditions?: Array<{ type: string; status: string; message?: string }> })?.conditions ?? []).find(
            (c) => c.type === 'PodScheduled' && c.status === 'False',
          );
          return (p.spec as { nodeName?: string }).nodeName || refused ? p : undefined;
        }, 5_000, 10);
        const conditions = (pod.status as { conditions?: Array<{ type: string; status: string; message?: string }> })?.conditions ?? [];
        expect(
          (pod.spec as { nodeName?: string }).nodeName,
          `seed ${seed} round ${round}: ${JSON.stringify(request)} → ${a.node}; scheduler said: ${conditions.map((c) => c.message).join(' ')}`,
        ).toBe(a.node);
      }
    }
  }, 60_000);

  it('exercised both outcomes across the seeds (the property is not vacuous)', () => {
    expect(tally.fits).toBeGreaterThanOrEqual(10);
    expect(tally.refused).toBeGreaterThanOrEqual(3);
  });
});
