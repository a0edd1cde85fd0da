import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitErrorMessage } from '../../../../server/kube/sim/controllers/scheduler';
import { type SimHarness, eventually, mergePatch, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness();
  await h.core.createNamespace({ body: { metadata: { name: 'sch' } } });
});
afterAll(async () => {
  await h.sim.close();
});

function pod(name: string, resources: Record<string, string>, spec: Record<string, unknown> = {}) {
  return { metadata: { name }, spec: { containers: [{ name: 'c', image: 'vllm/vllm-openai:v0.6.3', resources: { limits: resources } }], ...spec } };
}
const create = (name: string, resources: Record<string, string>, spec: Record<string, unknown> = {}) =>
  h.core.createNamespacedPod({ namespace: 'sch', body: pod(name, resources, spec) });
const bound = (name: string) => eventually(async () => (await h.core.readNamespacedPod({ namespace: 'sch', name })).spec?.nodeName, 3000, `${name} to be bound`);
const unschedulable = (name: string) => eventually(async () => {
  const c = (await h.core.readNamespacedPod({ namespace: 'sch', name })).status?.conditions?.find((x) => x.type === 'PodScheduled');
  return c?.status === 'False' ? c : undefined;
}, 3000, `${name} to be unschedulable`);
const remove = async (...names: string[]) => {
  for (const name of names) await h.core.deleteNamespacedPod({ namespace: 'sch', name, gracePeriodSeconds: 0 });
};
const node = (name: string) => h.core.readNode({ name });

describe('scheduler', () => {
  it('places whole-GPU pods on nodes with enough free GPUs and reports the rest as Insufficient', async () => {
    await create('big-1', { 'nvidia.com/gpu': '8' });
    await create('big-2', { 'nvidia.com/gpu': '8' });
    const first = await bound('big-1');
    expect([first, await bound('big-2')].sort()).toEqual(['gpu-h100-01', 'gpu-h100-02']);
    await create('big-3', { 'nvidia.com/gpu': '8' });
    const c = await unschedulable('big-3');
    expect(c.reason).toBe('Unschedulable');
    expect(c.message).toBe('0/7 nodes are available: 7 Insufficient nvidia.com/gpu. preemption: 0/7 nodes are available: 7 No preemption victims found for incoming pod.');
    const events = await eventually(async () => (await h.core.listNamespacedEvent({ namespace: 'sch', fieldSelector: 'involvedObject.name=big-3,reason=FailedScheduling' })).items[0]);
    expect(events.type).toBe('Warning');
    expect(events.message).toBe(c.message);
    // freeing a node lets the waiting pod in
    await remove('big-1');
    expect(await bound('big-3')).toBe(first);
    await remove('big-2', 'big-3');
  });

  it('schedules MIG slices only where the MIG resource is advertised', async () => {
    await create('mig', { 'nvidia.com/mig-3g.40gb': '1' });
    expect(await bound('mig')).toBe('gpu-a100-mig-01');
    const a100 = await node('gpu-a100-mig-01');
    expect(a100.status?.allocatable?.['nvidia.com/mig-3g.40gb']).toBe('8');
    await create('mig-too-many', { 'nvidia.com/mig-3g.40gb': '8' });
    const c = await unschedulable('mig-too-many');
    expect(c.message).toContain('7 Insufficient nvidia.com/mig-3g.40gb');
    await remove('mig', 'mig-too-many');
  });

  it('honours nodeSelector on GPU Feature Discovery labels', async () => {
    await create('l40s', { 'nvidia.com/gpu': '1' }, { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-L40S' } });
    expect(await bound('l40s')).toMatch(/^gpu-l40s-0[12]$/);
    await create('nowhere', {}, { nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-B200' } });
    expect((await unschedulable('nowhere')).message).toBe("0/7 nodes are available: 7 node(s) didn't match Pod's node affinity/selector. preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.");
    await remove('l40s', 'nowhere');
  });

  it('honours required node affinity with In, NotIn, Exists and DoesNotExist', async () => {
    const affinity = (exprs: unknown[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: exprs }] } } } });
    await create('in', {}, affinity([{ key: 'nvidia.com/gpu.family', operator: 'In', values: ['hopper'] }]));
    expect(await bound('in')).toMatch(/^gpu-h100-0[12]$/);
    await create('no-gpu', {}, affinity([{ key: 'nvidia.com/gpu.present', operator: 'DoesNotExist' }]));
    expect(await bound('no-gpu')).toMatch(/^cpu-0[12]$/);
    // GFD labels every GPU node with mig.capable (true or false)
    await create('mig-capable', {}, affinity([{ key: 'nvidia.com/mig.capable', operator: 'In', values: ['true'] }, { key: 'nvidia.com/gpu.family', operator: 'NotIn', values: ['hopper'] }]));
    expect(await bound('mig-capable')).toBe('gpu-a100-mig-01');
    await remove('in', 'no-gpu', 'mig-capable');
  });

  it('words the FitError like kube-scheduler for cordoned, tainted and full nodes', async () => {
    await h.core.patchNode({ name: 'gpu-h100-01', body: { spec: { unschedulable: true } } }, mergePatch);
    for (const n of ['cpu-01', 'cpu-02']) {
      await h.core.patchNode({ name: n, body: { spec: { taints: [{ key: 'dedicated', value: 'tenant-a', effect: 'NoSchedule' }] } } }, mergePatch);
    }
    const cordoned = await eventually(async () => ((await node('gpu-h100-01')).spec?.taints ?? []).find((t) => t.key === 'node.kubernetes.io/unschedulable'));
    expect(cordoned.effect).toBe('NoSchedule');
    await create('nine', { 'nvidia.com/gpu': '9' });
    expect((await unschedulable('nine')).message).toBe(
      '0/7 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: tenant-a}, 4 Insufficient nvidia.com/gpu. ' +
      'preemption: 0/7 nodes are available: 3 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod.');
    // tolerating the taint moves the CPU nodes to "Insufficient"
    await create('nine-tolerant', { 'nvidia.com/gpu': '9' }, { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'tenant-a', effect: 'NoSchedule' }] });
    expect((await unschedulable('nine-tolerant')).message).toMatch(/^0\/7 nodes are available: 1 node\(s\) were unschedulable, 6 Insufficient nvidia\.com\/gpu\./);
    // a pod that tolerates with Exists lands on the dedicated nodes
    await create('tenant', {}, { tolerations: [{ key: 'dedicated', operator: 'Exists' }], nodeSelector: { 'kubernetes.io/hostname': 'cpu-02' } });
    expect(await bound('tenant')).toBe('cpu-02');
    // nothing lands on the cordoned node
    await create('pinned', {}, { nodeSelector: { 'kubernetes.io/hostname': 'gpu-h100-01' } });
    // filters run in kube-scheduler's order: NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit
    expect((await unschedulable('pinned')).message).toContain("1 node(s) were unschedulable, 2 node(s) had untolerated taint {dedicated: tenant-a}, 4 node(s) didn't match Pod's node affinity/selector.");
    await h.core.patchNode({ name: 'gpu-h100-01', body: { spec: { unschedulable: null } } }, mergePatch);
    expect(await bound('pinned')).toBe('gpu-h100-01');
    expect((await node('gpu-h100-01')).spec?.taints ?? []).toEqual([]);
    await remove('nine', 'nine-tolerant', 'tenant', 'pinned');
    for (const n of ['cpu-01', 'cpu-02']) await h.core.patchNode({ name: n, body: { spec: { taints: null } } }, mergePatch);
  });

  it('counts cpu and memory requests against allocatable', async () => {
    await create('cpu-hog', { cpu: '300' });
    expect((await unschedulable('cpu-hog')).message).toMatch(/^0\/7 nodes are available: 7 Insufficient cpu\./);
    await create('mem', { memory: '127Gi' }, { nodeSelector: { 'kubernetes.io/hostname': 'cpu-01' } });
    expect((await unschedulable('mem')).message).toBe("0/7 nodes are available: 1 Insufficient memory, 6 node(s) didn't match Pod's node affinity/selector. preemption: 0/7 nodes are available: 1 No preemption victims found for incoming pod, 6 Preemption is not helpful for scheduling.");
    await remove('cpu-hog', 'mem');
  });

  it('evicts pods from a node tainted NoExecute unless they tolerate it', async () => {
    await create('victim', {}, { nodeSelector: { 'kubernetes.io/hostname': 'cpu-01' } });
    await create('survivor', {}, { nodeSelector: { 'kubernetes.io/hostname': 'cpu-01' }, tolerations: [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' }] });
    await bound('victim');
    await bound('survivor');
    await h.core.patchNode({ name: 'cpu-01', body: { spec: { taints: [{ key: 'maintenance', value: 'true', effect: 'NoExecute' }] } } }, mergePatch);
    await eventually(async () => (await h.raw('GET', '/api/v1/namespaces/sch/pods/victim')).status === 404);
    expect((await h.core.readNamespacedPod({ namespace: 'sch', name: 'survivor' })).metadata?.deletionTimestamp).toBeUndefined();
    const ev = (await h.core.listNamespacedEvent({ namespace: 'sch', fieldSelector: 'reason=TaintManagerEviction' })).items[0];
    expect(ev?.message).toBe('Marking for deletion Pod sch/victim');
    await h.core.patchNode({ name: 'cpu-01', body: { spec: { taints: null } } }, mergePatch);
    await remove('survivor');
  });

  it('builds the message from per-node verdicts (unit)', () => {
    expect(fitErrorMessage(3, [
      { ok: false, reasons: ['Insufficient cpu', 'Insufficient nvidia.com/gpu'], resolvable: true },
      { ok: false, reasons: ['Insufficient nvidia.com/gpu'], resolvable: true },
      { ok: false, reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'], resolvable: false },
    ])).toBe('0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
  });
});
