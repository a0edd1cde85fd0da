import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, deployment, eventually, mergePatch, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness({ podReadyDelayMs: 30 });
  await h.core.createNamespace({ body: { metadata: { name: 'dep' } } });
});
afterAll(async () => {
  await h.sim.close();
});

const read = (name: string) => h.apps.readNamespacedDeployment({ namespace: 'dep', name });
/** Pods of an app that are not terminating (deleted pods linger for their grace period, as in a real cluster). */
const pods = async (app: string) => (await h.core.listNamespacedPod({ namespace: 'dep', labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
const settled = (name: string, replicas: number) => eventually(async () => {
  const d = await read(name);
  const s = d.status;
  return s?.observedGeneration === d.metadata?.generation && (s?.replicas ?? 0) === replicas && (s?.updatedReplicas ?? 0) === replicas &&
    (s?.availableReplicas ?? 0) === replicas && (replicas > 0 || (await pods(name)).length === 0) ? d : undefined;
}, 8000, `deployment ${name} to settle at ${replicas}`);

describe('deployment controller', () => {
  it('creates a ReplicaSet and pods named and owned as in a real cluster', async () => {
    await h.apps.createNamespacedDeployment({ namespace: 'dep', body: deployment('web', { replicas: 3 }) });
    const d = await settled('web', 3);
    const rsList = await h.apps.listNamespacedReplicaSet({ namespace: 'dep', labelSelector: 'app=web' });
    expect(rsList.items).toHaveLength(1);
    const rs = rsList.items[0]!;
    const hash = rs.metadata!.labels!['pod-template-hash']!;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs.metadata!.name).toBe(`web-${hash}`);
    expect(rs.metadata!.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    expect(rs.spec!.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata!.annotations).toMatchObject({ 'deployment.kubernetes.io/revision': '1', 'deployment.kubernetes.io/desired-replicas': '3', 'deployment.kubernetes.io/max-replicas': '4' });
    const ps = await pods('web');
    expect(ps).toHaveLength(3);
    for (const p of ps) {
      expect(p.metadata!.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.metadata!.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata!.name, uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
      expect(p.status!.phase).toBe('Running');
      expect(p.spec!.nodeName).toBeTruthy();
      expect(p.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
      expect(p.status!.containerStatuses![0]).toMatchObject({ name: 'server', ready: true, started: true, restartCount: 0 });
      expect(p.status!.containerStatuses![0]!.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      expect(p.status!.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
      expect(p.status!.qosClass).toBe('Burstable');
    }
    expect(d.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('1');
    const cond = Object.fromEntries(d.status!.conditions!.map((c) => [c.type, c]));
    expect(cond.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    expect(cond.Progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "web-${hash}" has successfully progressed.` });
    expect(d.status!.conditions!.map((c) => c.type)).toEqual(['Available', 'Progressing']);
    expect(d.status!.readyReplicas).toBe(3);
    expect(d.status!.unavailableReplicas).toBeUndefined();
  });

  it('records the Scheduled, Pulled, Created and Started events of a pod', async () => {
    const [p] = await pods('web');
    const events = await eventually(async () => {
      const evs = (await h.core.listNamespacedEvent({ namespace: 'dep', fieldSelector: `involvedObject.name=${p!.metadata!.name}` })).items;
      return evs.length >= 4 ? evs : undefined;
    });
    const byReason = Object.fromEntries(events.map((e) => [e.reason, e]));
    expect(byReason.Scheduled!.message).toBe(`Successfully assigned dep/${p!.metadata!.name} to ${p!.spec!.nodeName}`);
    expect(byReason.Scheduled!.source?.component).toBe('default-scheduler');
    expect(byReason.Pulled!.message).toBe('Container image "vllm/vllm-openai:v0.6.3" already present on machine');
    expect(byReason.Created!.message).toBe('Created container server');
    expect(byReason.Started!.message).toBe('Started container server');
    expect(byReason.Started!.involvedObject).toMatchObject({ kind: 'Pod', namespace: 'dep', name: p!.metadata!.name, apiVersion: 'v1' });
    const rsEvents = (await h.core.listNamespacedEvent({ namespace: 'dep', fieldSelector: 'involvedObject.kind=Deployment,involvedObject.name=web' })).items;
    expect(rsEvents.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Scaled up replica set web-\w+ from 0 to 3$/));
  });

  it('replaces a deleted pod', async () => {
    const before = await pods('web');
    await h.core.deleteNamespacedPod({ namespace: 'dep', name: before[0]!.metadata!.name! });
    await eventually(async () => {
      const now = await pods('web');
      return now.length === 3 && !now.some((p) => p.metadata!.name === before[0]!.metadata!.name) && now.every((p) => p.status?.phase === 'Running');
    });
  });

  it('rolls out a template change within maxSurge and maxUnavailable', async () => {
    let maxActive = 0;
    let minReady = Infinity;
    const active = new Map<string, boolean>();
    const list = await h.core.listNamespacedPod({ namespace: 'dep', labelSelector: 'app=web' });
    for (const p of list.items) if (!p.metadata?.deletionTimestamp) active.set(p.metadata!.name!, p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
    const ctrl = await new k8s.Watch(h.kc).watch('/api/v1/namespaces/dep/pods', { labelSelector: 'app=web', resourceVersion: list.metadata!.resourceVersion }, (type, obj: k8s.V1Pod) => {
      if (type === 'DELETED' || obj.metadata?.deletionTimestamp) active.delete(obj.metadata!.name!);
      else active.set(obj.metadata!.name!, obj.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
      maxActive = Math.max(maxActive, active.size);
      minReady = Math.min(minReady, [...active.values()].filter(Boolean).length);
    }, () => {});
    await h.apps.patchNamespacedDeployment({ namespace: 'dep', name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'server', image: 'vllm/vllm-openai:v0.6.4' }] } } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch));
    const d = await eventually(async () => {
      const cur = await read('web');
      const ps = await pods('web');
      return cur.status?.updatedReplicas === 3 && cur.status?.replicas === 3 && cur.status.availableReplicas === 3 && ps.length === 3 &&
        ps.every((p) => p.spec!.containers[0]!.image === 'vllm/vllm-openai:v0.6.4') ? cur : undefined;
    }, 8000, 'rollout');
    ctrl.abort();
    // 3 replicas, 25%: maxSurge rounds up to 1, maxUnavailable rounds down to 0
    expect(maxActive).toBeLessThanOrEqual(4);
    expect(maxActive).toBe(4);
    expect(minReady).toBeGreaterThanOrEqual(3);
    expect(d.metadata!.annotations!['deployment.kubernetes.io/revision']).toBe('2');
    const sets = (await h.apps.listNamespacedReplicaSet({ namespace: 'dep', labelSelector: 'app=web' })).items;
    expect(sets).toHaveLength(2);
    const old = sets.find((s) => s.metadata!.annotations!['deployment.kubernetes.io/revision'] === '1')!;
    expect(old.spec!.replicas).toBe(0);
    expect(d.status!.conditions!.find((c) => c.type === 'Progressing')!.reason).toBe('NewReplicaSetAvailable');
  });

  it('serves the scale subresource', async () => {
    const scale = await h.apps.readNamespacedDeploymentScale({ namespace: 'dep', name: 'web' });
    expect(scale.spec?.replicas).toBe(3);
    expect(scale.status?.selector).toBe('app=web');
    await h.apps.replaceNamespacedDeploymentScale({ namespace: 'dep', name: 'web', body: { metadata: { name: 'web', namespace: 'dep' }, spec: { replicas: 1 } } });
    await settled('web', 1);
    expect(await pods('web')).toHaveLength(1);
    const patched = await h.apps.patchNamespacedDeploymentScale({ namespace: 'dep', name: 'web', body: { spec: { replicas: 2 } } }, mergePatch);
    expect(patched.spec?.replicas).toBe(2);
    await settled('web', 2);
  });

  it('scales to zero and back', async () => {
    await h.apps.patchNamespacedDeployment({ namespace: 'dep', name: 'web', body: { spec: { replicas: 0 } } }, mergePatch);
    const d = await settled('web', 0);
    expect(d.status?.replicas).toBeUndefined();
    expect(d.status!.conditions!.find((c) => c.type === 'Available')!.status).toBe('True');
  });

  it('reports ProgressDeadlineExceeded when pods cannot come up in time', async () => {
    const body = deployment('stuck', { gpus: 64 });
    (body.spec as Record<string, unknown>).progressDeadlineSeconds = 1;
    await h.apps.createNamespacedDeployment({ namespace: 'dep', body });
    const d = await eventually(async () => {
      const cur = await read('stuck');
      const p = cur.status?.conditions?.find((c) => c.type === 'Progressing');
      return p?.reason === 'ProgressDeadlineExceeded' ? cur : undefined;
    }, 5000, 'ProgressDeadlineExceeded');
    const p = d.status!.conditions!.find((c) => c.type === 'Progressing')!;
    expect(p.status).toBe('False');
    expect(p.message).toMatch(/^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
    expect(d.status!.conditions!.find((c) => c.type === 'Available')).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    expect(d.status!.unavailableReplicas).toBe(1);
  });

  it('Recreate removes old pods before new ones start', async () => {
    const body = deployment('batch', { replicas: 2 });
    (body.spec as Record<string, unknown>).strategy = { type: 'Recreate' };
    await h.apps.createNamespacedDeployment({ namespace: 'dep', body });
    await settled('batch', 2);
    const seen: string[] = [];
    const list = await h.core.listNamespacedPod({ namespace: 'dep', labelSelector: 'app=batch' });
    const ctrl = await new k8s.Watch(h.kc).watch('/api/v1/namespaces/dep/pods', { labelSelector: 'app=batch', resourceVersion: list.metadata!.resourceVersion },
      (type, obj: k8s.V1Pod) => seen.push(`${type}:${obj.spec!.containers[0]!.image}`), () => {});
    await h.apps.patchNamespacedDeployment({ namespace: 'dep', name: 'batch', body: { spec: { template: { metadata: { annotations: { rev: '2' } } } } } }, mergePatch);
    await eventually(async () => (await read('batch')).metadata?.annotations?.['deployment.kubernetes.io/revision'] === '2' && (await settled('batch', 2)));
    ctrl.abort();
    const firstNew = seen.findIndex((e) => e.startsWith('ADDED'));
    const lastOldDelete = seen.map((e, i) => (e.startsWith('DELETED') ? i : -1)).filter((i) => i >= 0);
    expect(lastOldDelete).toHaveLength(2);
    expect(Math.max(...lastOldDelete)).toBeLessThan(firstNew);
  });

  it('garbage-collects ReplicaSets and pods when the deployment is deleted', async () => {
    await h.apps.deleteNamespacedDeployment({ namespace: 'dep', name: 'batch' });
    await eventually(async () => (await pods('batch')).length === 0 && (await h.apps.listNamespacedReplicaSet({ namespace: 'dep', labelSelector: 'app=batch' })).items.length === 0);
  });

  it('Foreground deletion keeps the deployment until its ReplicaSets and pods are gone', async () => {
    await h.apps.createNamespacedDeployment({ namespace: 'dep', body: deployment('fg', { replicas: 2 }) });
    await settled('fg', 2);
    const res = await h.raw('DELETE', '/apis/apps/v1/namespaces/dep/deployments/fg', { propagationPolicy: 'Foreground' });
    expect(res.status).toBe(200);
    expect(res.body.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(res.body.metadata.deletionTimestamp).toBeTruthy();
    await eventually(async () => (await h.raw('GET', '/apis/apps/v1/namespaces/dep/deployments/fg')).status === 404, 5000, 'foreground deletion');
    expect((await h.core.listNamespacedPod({ namespace: 'dep', labelSelector: 'app=fg' })).items).toEqual([]);
    expect((await h.apps.listNamespacedReplicaSet({ namespace: 'dep', labelSelector: 'app=fg' })).items).toEqual([]);
  });
});
