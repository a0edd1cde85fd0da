import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGpuInventory, summariseInventory } from '../../../server/gpu';
import { type KubeObject, summariseGpuNodes } from '../../../server/kube';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { startSimKube, stopKube } from '../tenants/support';

/*
 * A node whose GPUs are partitioned with MIG (mixed strategy) advertises nvidia.com/mig-*
 * slices and nvidia.com/gpu 0. It once showed "GPUs 8, allocated 0/0, free 0" and the header
 * total (allocatable whole GPUs) disagreed with the table (GPU count): physical GPUs are now
 * counted once, whole GPUs and MIG slices each with their allocated and free.
 */

const node = (name: string, labels: Record<string, string>, allocatable: Record<string, string>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', ...labels } },
    spec: {},
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  }) as unknown as KubeObject;
const pod = (name: string, nodeName: string, requests: Record<string, string>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'tenant-chat' },
    spec: { nodeName, containers: [{ name: 'c', resources: { requests, limits: requests } }] },
    status: { phase: 'Running' },
  }) as unknown as KubeObject;

describe('summariseInventory with MIG nodes', () => {
  const nodes = summariseGpuNodes(
    [
      node('whole', { 'nvidia.com/gpu.count': '8' }, { 'nvidia.com/gpu': '8' }),
      node('mig', { 'nvidia.com/gpu.count': '8', 'nvidia.com/mig.strategy': 'mixed' }, { 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.10gb': '16', 'nvidia.com/mig-3g.40gb': '8' }),
      node('half', { 'nvidia.com/gpu.count': '4', 'nvidia.com/mig.strategy': 'mixed' }, { 'nvidia.com/gpu': '2', 'nvidia.com/mig-3g.40gb': '4' }),
    ],
    [
      pod('a', 'whole', { 'nvidia.com/gpu': '3' }),
      pod('b', 'mig', { 'nvidia.com/mig-1g.10gb': '2' }),
      pod('c', 'mig', { 'nvidia.com/mig-3g.40gb': '1' }),
      pod('d', 'half', { 'nvidia.com/gpu': '1', 'nvidia.com/mig-3g.40gb': '1' }),
    ],
  );
  const inventory = summariseInventory(nodes);
  const byName = Object.fromEntries(inventory.nodes.map((n) => [n.name, n]));

  it('counts a MIG node’s physical GPUs, and its slices per profile with allocated and free', () => {
    expect(byName.mig).toMatchObject({ physicalGpus: 8, migGpus: 8, allocatableGpus: 0, freeGpus: 0 });
    expect(byName.mig!.migSlices).toEqual([
      { profile: '1g.10gb', allocatable: 16, allocated: 2, free: 14 },
      { profile: '3g.40gb', allocatable: 8, allocated: 1, free: 7 },
    ]);
    expect(byName.half).toMatchObject({ physicalGpus: 4, migGpus: 2, allocatableGpus: 2, allocatedGpus: 1, freeGpus: 1 });
    expect(byName.whole).toMatchObject({ physicalGpus: 8, migGpus: 0, migSlices: [] });
  });

  it('gives header totals that agree with the table: each physical GPU once, whole GPUs allocated or free or in MIG', () => {
    const t = inventory.totals;
    expect(t.gpus).toBe(inventory.nodes.reduce((s, n) => s + n.physicalGpus, 0));
    expect(t).toMatchObject({ gpus: 20, migGpus: 10, allocated: 4, free: 6 });
    expect(t.allocated + t.free + t.migGpus).toBe(t.gpus);
    expect(t.mig).toEqual([
      { profile: '1g.10gb', allocatable: 16, allocated: 2, free: 14 },
      { profile: '3g.40gb', allocatable: 12, allocated: 2, free: 10 },
    ]);
    expect(inventory.byProduct).toEqual([{ product: 'NVIDIA-A100-SXM4-80GB', nodes: 3, gpus: 20, migGpus: 10, allocated: 4, free: 6 }]);
  });

  it('sorts by GPU count on the physical GPUs', () => {
    const sorted = summariseInventory(nodes, { sort: { key: 'count', desc: false } });
    expect(sorted.nodes.map((n) => n.name)).toEqual(['half', 'mig', 'whole']);
  });
});

describe('getGpuInventory on the simulated cluster', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await startSimKube({ instanceId: 'gpu-inventory-mig' });
  });
  afterAll(async () => {
    await stopKube();
    await database?.close();
  });

  it('shows gpu-a100-mig-01 with its 8 GPUs in MIG slices, and totals equal to the table', async () => {
    const inventory = await getGpuInventory();
    const mig = inventory.nodes.find((n) => n.name === 'gpu-a100-mig-01');
    expect(mig).toBeDefined();
    expect(mig!.physicalGpus).toBe(8);
    expect(mig!.migGpus).toBeGreaterThan(0);
    expect(mig!.migSlices.length).toBeGreaterThan(0);
    expect(mig!.migSlices.every((s) => s.allocatable > 0 && s.free === s.allocatable - s.allocated)).toBe(true);
    const t = inventory.totals;
    expect(t.gpus).toBe(inventory.nodes.reduce((s, n) => s + n.physicalGpus, 0));
    expect(t.gpus).toBe(inventory.nodes.reduce((s, n) => s + n.gpuCount, 0));
    expect(t.migGpus).toBeGreaterThanOrEqual(mig!.migGpus);
  });
});
