import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, apiError, deployment, eventually, mergePatch, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness();
  await h.core.createNamespace({ body: { metadata: { name: 'tenant-a' } } });
  await h.core.createNamespacedResourceQuota({ namespace: 'tenant-a', body: {
    metadata: { name: 'gpu-quota' },
    spec: { hard: { 'requests.nvidia.com/gpu': '4', 'requests.nvidia.com/mig-1g.10gb': '2', pods: '10', 'count/deployments.apps': '3' } },
  } });
});
afterAll(async () => {
  await h.sim.close();
});

const quota = () => h.core.readNamespacedResourceQuota({ namespace: 'tenant-a', name: 'gpu-quota' });

describe('ResourceQuota', () => {
  it('keeps status.hard and status.used in canonical form', async () => {
    const q = await eventually(async () => (await quota()).status?.used ? quota() : undefined);
    expect(q.status?.hard).toEqual({ 'count/deployments.apps': '3', pods: '10', 'requests.nvidia.com/gpu': '4', 'requests.nvidia.com/mig-1g.10gb': '2' });
    expect(q.status?.used).toEqual({ 'count/deployments.apps': '0', pods: '0', 'requests.nvidia.com/gpu': '0', 'requests.nvidia.com/mig-1g.10gb': '0' });
  });

  it('refuses a pod that would exceed the quota with the real message', async () => {
    await h.core.createNamespacedPod({ namespace: 'tenant-a', body: { metadata: { name: 'four' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { 'nvidia.com/gpu': '4' } } }] } } });
    const err = await apiError(h.core.createNamespacedPod({ namespace: 'tenant-a', body: { metadata: { name: 'two' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { 'nvidia.com/gpu': '2' } } }] } } }));
    expect(err.code).toBe(403);
    expect(err.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'pods "two" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=4, limited: requests.nvidia.com/gpu=4',
      details: { name: 'two', kind: 'pods' },
    });
    await eventually(async () => (await quota()).status?.used?.['requests.nvidia.com/gpu'] === '4');
    await h.core.deleteNamespacedPod({ namespace: 'tenant-a', name: 'four', gracePeriodSeconds: 0 });
    await eventually(async () => (await quota()).status?.used?.['requests.nvidia.com/gpu'] === '0');
  });

  it('counts MIG slices under requests.nvidia.com/mig-<profile>', async () => {
    const err = await apiError(h.core.createNamespacedPod({ namespace: 'tenant-a', body: { metadata: { name: 'mig' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { 'nvidia.com/mig-1g.10gb': '3' } } }] } } }));
    expect(err.body.message).toBe('pods "mig" is forbidden: exceeded quota: gpu-quota, requested: requests.nvidia.com/mig-1g.10gb=3, used: requests.nvidia.com/mig-1g.10gb=0, limited: requests.nvidia.com/mig-1g.10gb=2');
  });

  it('surfaces a refused replica as ReplicaFailure/FailedCreate on the deployment, and recovers when the quota grows', async () => {
    await h.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: deployment('llm', { replicas: 3, gpus: 2 }) });
    const d = await eventually(async () => {
      const cur = await h.apps.readNamespacedDeployment({ namespace: 'tenant-a', name: 'llm' });
      return cur.status?.conditions?.find((c) => c.type === 'ReplicaFailure') ? cur : undefined;
    }, 5000, 'ReplicaFailure');
    const failure = d.status!.conditions!.find((c) => c.type === 'ReplicaFailure')!;
    expect(failure.status).toBe('True');
    expect(failure.reason).toBe('FailedCreate');
    expect(failure.message).toMatch(/^pods "llm-\w+-[bcdfghjklmnpqrstvwxz2456789]{5}" is forbidden: exceeded quota: gpu-quota, requested: requests\.nvidia\.com\/gpu=2, used: requests\.nvidia\.com\/gpu=4, limited: requests\.nvidia\.com\/gpu=4$/);
    const rsEvents = await eventually(async () => (await h.core.listNamespacedEvent({ namespace: 'tenant-a', fieldSelector: 'reason=FailedCreate' })).items[0]);
    expect(rsEvents.type).toBe('Warning');
    expect(rsEvents.involvedObject.kind).toBe('ReplicaSet');
    // each retry generates a new pod name; the condition keeps the first failure, as the real controller does
    expect(rsEvents.message).toMatch(/^Error creating: pods "llm-\w+-\w{5}" is forbidden: exceeded quota: gpu-quota, requested: requests\.nvidia\.com\/gpu=2/);
    const allEvents = (await h.core.listNamespacedEvent({ namespace: 'tenant-a', fieldSelector: 'reason=FailedCreate' })).items.map((e) => e.message);
    expect(allEvents).toContain(`Error creating: ${failure.message}`);
    await h.core.patchNamespacedResourceQuota({ namespace: 'tenant-a', name: 'gpu-quota', body: { spec: { hard: { 'requests.nvidia.com/gpu': '6' } } } }, mergePatch);
    const ok = await eventually(async () => {
      const cur = await h.apps.readNamespacedDeployment({ namespace: 'tenant-a', name: 'llm' });
      return cur.status?.availableReplicas === 3 && !cur.status.conditions?.some((c) => c.type === 'ReplicaFailure') ? cur : undefined;
    }, 5000, 'recovery');
    expect(ok.status?.replicas).toBe(3);
    expect((await quota()).status?.used).toMatchObject({ 'requests.nvidia.com/gpu': '6', pods: '3', 'count/deployments.apps': '1' });
  });

  it('requires containers to state tracked compute resources', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'tenant-b' } } });
    await h.core.createNamespacedResourceQuota({ namespace: 'tenant-b', body: { metadata: { name: 'compute' }, spec: { hard: { 'requests.cpu': '2', 'limits.memory': '4Gi' } } } });
    const err = await apiError(h.core.createNamespacedPod({ namespace: 'tenant-b', body: { metadata: { name: 'bare' }, spec: { containers: [{ name: 'app', image: 'i:1' }] } } }));
    expect(err.body.message).toBe('pods "bare" is forbidden: failed quota: compute: must specify limits.memory for: app; requests.cpu for: app');
    const over = await apiError(h.core.createNamespacedPod({ namespace: 'tenant-b', body: { metadata: { name: 'big' }, spec: { containers: [{ name: 'app', image: 'i:1', resources: { requests: { cpu: '3' }, limits: { cpu: '3', memory: '1Gi' } } }] } } }));
    expect(over.body.message).toBe('pods "big" is forbidden: exceeded quota: compute, requested: requests.cpu=3, used: requests.cpu=0, limited: requests.cpu=2');
  });

  it('counts objects with count/<resource>', async () => {
    await h.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: deployment('two') });
    await h.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: deployment('three') });
    const err = await apiError(h.apps.createNamespacedDeployment({ namespace: 'tenant-a', body: deployment('four') }));
    expect(err.body.message).toBe('deployments.apps "four" is forbidden: exceeded quota: gpu-quota, requested: count/deployments.apps=1, used: count/deployments.apps=3, limited: count/deployments.apps=3');
  });
});

describe('LimitRange', () => {
  it('fills default requests and limits and annotates the pod', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'limited' } } });
    await h.core.createNamespacedLimitRange({ namespace: 'limited', body: { metadata: { name: 'defaults' }, spec: { limits: [{
      // client-node names LimitRangeItem.default `_default`
      type: 'Container', _default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '250m', memory: '512Mi' }, max: { cpu: '4' },
    }] } } });
    const p = await h.core.createNamespacedPod({ namespace: 'limited', body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'app', image: 'i:1' }] } } });
    expect(p.spec!.containers[0]!.resources).toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m', memory: '512Mi' } });
    expect(p.metadata!.annotations!['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app');
    const err = await apiError(h.core.createNamespacedPod({ namespace: 'limited', body: { metadata: { name: 'greedy' }, spec: { containers: [{ name: 'app', image: 'i:1', resources: { limits: { cpu: '8' } } }] } } }));
    expect(err.code).toBe(403);
    expect(err.body.message).toBe('pods "greedy" is forbidden: maximum cpu usage per Container is 4, but limit is 8');
  });
});
