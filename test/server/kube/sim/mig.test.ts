import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, eventually, mergePatch, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness({ migReconfigureDelayMs: 150 });
  await h.core.createNamespace({ body: { metadata: { name: 'mig' } } });
});
afterAll(async () => {
  await h.sim.close();
});

const node = (name = 'gpu-a100-mig-01') => h.core.readNode({ name });
const relabel = (config: string, name = 'gpu-a100-mig-01') =>
  h.core.patchNode({ name, body: { metadata: { labels: { 'nvidia.com/mig.config': config } } } }, mergePatch);
const state = async (name = 'gpu-a100-mig-01') => (await node(name)).metadata?.labels?.['nvidia.com/mig.config.state'];

describe('GPU nodes and the MIG manager', () => {
  it('labels nodes as GPU Feature Discovery does and advertises device-plugin resources', async () => {
    const h100 = await node('gpu-h100-01');
    expect(h100.metadata?.labels).toMatchObject({
      'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/gpu.count': '8',
      'nvidia.com/gpu.family': 'hopper', 'nvidia.com/mig.capable': 'true', 'nvidia.com/mig.strategy': 'mixed',
      'nvidia.com/mig.config': 'all-disabled', 'nvidia.com/cuda.driver.major': '550', 'nvidia.com/gpu.present': 'true',
      'kubernetes.io/hostname': 'gpu-h100-01', 'node.kubernetes.io/instance-type': 'dgx-h100', 'topology.kubernetes.io/zone': 'dc1-a',
    });
    expect(h100.status?.capacity?.['nvidia.com/gpu']).toBe('8');
    expect(h100.status?.allocatable?.['nvidia.com/gpu']).toBe('8');
    expect(h100.status?.nodeInfo?.kubeletVersion).toBe('v1.31.4');
    expect(h100.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    const l40s = await node('gpu-l40s-01');
    expect(l40s.metadata?.labels).toMatchObject({ 'nvidia.com/gpu.product': 'NVIDIA-L40S', 'nvidia.com/gpu.count': '4', 'nvidia.com/mig.capable': 'false' });
    expect(l40s.metadata?.labels?.['nvidia.com/mig.config']).toBeUndefined();
    const a100 = await node();
    expect(a100.metadata?.labels).toMatchObject({
      'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/mig.config': 'all-balanced', 'nvidia.com/mig.config.state': 'success',
      'nvidia.com/mig-1g.10gb.count': '16', 'nvidia.com/mig-1g.10gb.memory': '9728', 'nvidia.com/mig-3g.40gb.count': '8',
    });
    // mig-parted all-balanced for A100-80GB: 2× 1g.10gb, 1× 2g.20gb, 1× 3g.40gb per GPU
    expect(a100.status?.allocatable).toMatchObject({ 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.10gb': '16', 'nvidia.com/mig-2g.20gb': '8', 'nvidia.com/mig-3g.40gb': '8', 'nvidia.com/mig-7g.80gb': '0' });
    const cpu = await node('cpu-01');
    expect(cpu.status?.capacity?.['nvidia.com/gpu']).toBeUndefined();
  });

  it('repartitions on a new nvidia.com/mig.config: pending, then success with the new resources', async () => {
    await relabel('all-1g.10gb');
    expect(await eventually(state)).toBe('pending');
    await eventually(async () => (await state()) === 'success', 3000, 'success');
    const a100 = await node();
    expect(a100.status?.allocatable).toMatchObject({ 'nvidia.com/mig-1g.10gb': '56', 'nvidia.com/mig-2g.20gb': '0', 'nvidia.com/mig-3g.40gb': '0', 'nvidia.com/gpu': '0' });
    expect(a100.status?.capacity?.['nvidia.com/mig-1g.10gb']).toBe('56');
    expect(a100.metadata?.labels?.['nvidia.com/mig-1g.10gb.count']).toBe('56');
    expect(a100.metadata?.labels?.['nvidia.com/mig-3g.40gb.count']).toBeUndefined();
  });

  it('turns MIG off with all-disabled: whole GPUs again', async () => {
    await relabel('all-disabled');
    await eventually(async () => (await node()).status?.allocatable?.['nvidia.com/gpu'] === '8', 3000, 'whole GPUs');
    expect((await node()).status?.allocatable?.['nvidia.com/mig-1g.10gb']).toBe('0');
    expect(await state()).toBe('success');
  });

  it('fails an unknown layout and a GPU without MIG', async () => {
    await relabel('all-9g.99gb');
    await eventually(async () => (await state()) === 'failed');
    await h.core.patchNode({ name: 'gpu-l40s-01', body: { metadata: { labels: { 'nvidia.com/mig.config': 'all-1g.10gb' } } } }, mergePatch);
    await eventually(async () => (await state('gpu-l40s-01')) === 'failed');
    expect((await node('gpu-l40s-01')).status?.allocatable?.['nvidia.com/gpu']).toBe('4');
  });

  it('refuses to repartition while pods use the GPUs, and proceeds once they are gone', async () => {
    await relabel('all-disabled');
    await eventually(async () => (await state()) === 'success');
    await h.core.createNamespacedPod({ namespace: 'mig', body: { metadata: { name: 'busy' }, spec: {
      nodeSelector: { 'kubernetes.io/hostname': 'gpu-a100-mig-01' }, containers: [{ name: 'c', image: 'i:1', resources: { limits: { 'nvidia.com/gpu': '1' } } }],
    } } });
    await eventually(async () => (await h.core.readNamespacedPod({ namespace: 'mig', name: 'busy' })).spec?.nodeName);
    await relabel('all-7g.80gb');
    await eventually(async () => (await state()) === 'failed');
    expect((await node()).status?.allocatable?.['nvidia.com/gpu']).toBe('8');
    await h.core.deleteNamespacedPod({ namespace: 'mig', name: 'busy', gracePeriodSeconds: 0 });
    await eventually(async () => (await node()).status?.allocatable?.['nvidia.com/mig-7g.80gb'] === '8', 3000, 'retry after the GPUs are free');
    expect(await state()).toBe('success');
  });
});
