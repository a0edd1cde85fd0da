import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAllocation, getAllocation, snapshotFromObjects } from '../../../server/gpu';
import type { KubeObject } from '../../../server/kube';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { gpuDeployment, kubeCreate, startSimKube, stopKube, waitFor } from '../tenants/support';

/*
 * A MIG node (mixed strategy, nvidia.com/gpu 0) showed "0 / 0" on /gpus/allocation and pods
 * asking for nvidia.com/mig-* slices were not listed. Nodes and pools now carry their slices
 * per profile and the workloads using them; fragmentation stays on whole GPUs only.
 */

const node = (name: string, labels: Record<string, string>, allocatable: Record<string, string>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', ...labels } },
    spec: {},
    status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  }) as unknown as KubeObject;
const pod = (name: string, namespace: string, nodeName: string, owner: string, requests: Record<string, string>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ownerReferences: [{ kind: 'ReplicaSet', name: `${owner}-5d8f7c9b6`, controller: true }] },
    spec: { nodeName, containers: [{ name: 'c', resources: { requests, limits: requests } }] },
    status: { phase: 'Running' },
  }) as unknown as KubeObject;

describe('buildAllocation with MIG nodes', () => {
  const snapshot = snapshotFromObjects(
    [
      node('whole', { 'nvidia.com/gpu.count': '8' }, { 'nvidia.com/gpu': '8' }),
      node('mig', { 'nvidia.com/gpu.count': '8', 'nvidia.com/mig.strategy': 'mixed' }, { 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.10gb': '16', 'nvidia.com/mig-3g.40gb': '8' }),
      node('half', { 'nvidia.com/gpu.count': '4', 'nvidia.com/mig.strategy': 'mixed' }, { 'nvidia.com/gpu': '2', 'nvidia.com/mig-3g.40gb': '4' }),
    ],
    [
      pod('chat-1', 'tenant-chat', 'mig', 'chat', { 'nvidia.com/mig-1g.10gb': '2' }),
      pod('chat-2', 'tenant-chat', 'mig', 'chat', { 'nvidia.com/mig-1g.10gb': '1' }),
      pod('embed-1', 'tenant-search', 'mig', 'embed', { 'nvidia.com/mig-3g.40gb': '1' }),
      pod('mixed-1', 'tenant-chat', 'half', 'mixed', { 'nvidia.com/gpu': '1', 'nvidia.com/mig-3g.40gb': '1' }),
      pod('llm-1', 'tenant-search', 'whole', 'llm', { 'nvidia.com/gpu': '3' }),
    ],
  );
  const view = buildAllocation({ ...snapshot, pools: [{ name: 'a100', selector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' } }] });
  const byName = Object.fromEntries(view.nodes.map((n) => [n.name, n]));

  it('gives a MIG node its slices per profile and its physical GPUs, not 0 / 0 alone', () => {
    expect(byName.mig).toMatchObject({ gpus: 0, allocated: 0, free: 0, physicalGpus: 8, migGpus: 8 });
    expect(byName.mig!.migSlices).toEqual([
      { profile: '1g.10gb', allocatable: 16, allocated: 3, free: 13 },
      { profile: '3g.40gb', allocatable: 8, allocated: 1, free: 7 },
    ]);
    expect(byName.half).toMatchObject({ gpus: 2, allocated: 1, free: 1, physicalGpus: 4, migGpus: 2 });
    expect(byName.whole).toMatchObject({ physicalGpus: 8, migGpus: 0, migSlices: [] });
  });

  it('lists the workloads using MIG slices, by tenant and deployment', () => {
    expect(byName.mig!.byWorkload).toEqual([
      { tenant: 'chat', namespace: 'tenant-chat', workload: 'chat', gpus: 0, slices: [{ profile: '1g.10gb', count: 3 }] },
      { tenant: 'search', namespace: 'tenant-search', workload: 'embed', gpus: 0, slices: [{ profile: '3g.40gb', count: 1 }] },
    ]);
    expect(byName.half!.byWorkload).toEqual([
      { tenant: 'chat', namespace: 'tenant-chat', workload: 'mixed', gpus: 1, slices: [{ profile: '3g.40gb', count: 1 }] },
    ]);
  });

  it('sums slices per pool and tenant, and leaves MIG GPUs out of fragmentation', () => {
    const pool = view.pools.find((p) => p.name === 'a100')!;
    expect(pool).toMatchObject({ nodes: 3, gpus: 10, allocated: 4, free: 6, physicalGpus: 20, migGpus: 10 });
    expect(pool.migSlices).toEqual([
      { profile: '1g.10gb', allocatable: 16, allocated: 3, free: 13 },
      { profile: '3g.40gb', allocatable: 12, allocated: 2, free: 10 },
    ]);
    expect(pool.byTenant).toEqual([
      { tenant: 'search', gpus: 3, slices: [{ profile: '3g.40gb', count: 1 }] },
      { tenant: 'chat', gpus: 1, slices: [{ profile: '1g.10gb', count: 3 }, { profile: '3g.40gb', count: 1 }] },
    ]);
    // Free whole GPUs: 5 on "whole", 1 on "half"; the MIG node's 8 GPUs count nowhere.
    const one = pool.fragmentation.find((f) => f.size === 1)!;
    expect(one).toMatchObject({ usable: 6, stranded: 0, replicas: 6 });
    const eight = pool.fragmentation.find((f) => f.size === 8)!;
    expect(eight).toMatchObject({ usable: 0, stranded: 6, replicas: 0 });
    expect(view.tenants).toEqual(['chat', 'search']);
  });
});

describe('getAllocation on the simulated cluster', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await startSimKube({ instanceId: 'gpu-allocation-mig' });
    await kubeCreate('/api/v1/namespaces', { metadata: { name: 'tenant-green' } });
  });
  afterAll(async () => {
    await stopKube();
    await database?.close();
  });

  it('shows gpu-a100-mig-01 with its slices and the deployment using them', async () => {
    await kubeCreate(
      '/apis/apps/v1/namespaces/tenant-green/deployments',
      gpuDeployment('green-small', 2, 1, { nodeSelector: { 'kubernetes.io/hostname': 'gpu-a100-mig-01' } }, 'nvidia.com/mig-1g.10gb'),
    );
    const view = await waitFor('MIG slices allocated', async () => {
      const v = await getAllocation();
      const n = v.nodes.find((x) => x.name === 'gpu-a100-mig-01');
      return n?.migSlices.some((s) => s.profile === '1g.10gb' && s.allocated === 2) ? v : undefined;
    });
    const mig = view.nodes.find((n) => n.name === 'gpu-a100-mig-01')!;
    expect(mig).toMatchObject({ gpus: 0, physicalGpus: 8, migGpus: 8 });
    expect(mig.migSlices.every((s) => s.allocatable > 0 && s.free === s.allocatable - s.allocated)).toBe(true);
    expect(mig.byWorkload).toContainEqual({ tenant: 'green', namespace: 'tenant-green', workload: 'green-small', gpus: 0, slices: [{ profile: '1g.10gb', count: 2 }] });
    const all = view.pools.find((p) => p.name === '')!;
    expect(all.migGpus).toBeGreaterThanOrEqual(8);
    expect(all.byTenant).toContainEqual({ tenant: 'green', gpus: 0, slices: [{ profile: '1g.10gb', count: 2 }] });
    // Fragmentation counts whole GPUs only: the free whole GPUs of the pool.
    expect(all.fragmentation.find((f) => f.size === 1)!.usable + all.fragmentation.find((f) => f.size === 1)!.stranded).toBe(all.free);
  });
});
