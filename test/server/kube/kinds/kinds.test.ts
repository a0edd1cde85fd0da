import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configMaps,
  deployments,
  events,
  httpRoutes,
  leases,
  limitRanges,
  namespaces,
  nodes,
  renderConfigMap,
  renderDeployment,
  renderHttpRoute,
  renderLimitRange,
  renderNamespace,
  renderResourceQuota,
  renderService,
  resourceQuotas,
  routeWeights,
  services,
} from '../../../../server/kube';
import type { KubeClient } from '../../../../server/kube/client';
import type { KubeObject } from '../../../../server/kube/resources';
import { startTestCluster, waitFor } from '../support';

let cluster: Awaited<ReturnType<typeof startTestCluster>>;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startTestCluster();
  client = cluster.client();
  const ns = await namespaces.applyNamespace(client, renderNamespace({ name: 'kinds' }));
  expect(ns.ok).toBe(true);
});
afterAll(async () => {
  await cluster?.close();
});

describe('nodes', () => {
  it('lists the topology nodes and reports a missing node as a result, not an exception', async () => {
    const list = await nodes.listNodes(client);
    expect(list.ok && list.value.map((n) => n.metadata?.name)).toContain('gpu-h100-01');
    expect(await nodes.readNode(client, 'nope')).toMatchObject({ ok: false, reason: 'node nope not found', error: { code: 404 } });
  });

  it('sets and removes labels without touching the others', async () => {
    const set = await nodes.setNodeLabels(client, 'cpu-01', { 'leitstand.io/pool': 'batch' });
    expect(set.ok && set.value.metadata?.labels?.['leitstand.io/pool']).toBe('batch');
    const removed = await nodes.setNodeLabels(client, 'cpu-01', { 'leitstand.io/pool': null });
    expect(removed.ok).toBe(true);
    if (!removed.ok) return;
    expect(removed.value.metadata?.labels?.['leitstand.io/pool']).toBeUndefined();
    expect(removed.value.metadata?.labels?.['kubernetes.io/hostname']).toBe('cpu-01');
  });

  it('adds, replaces and removes taints, keeping other taints', async () => {
    await nodes.setNodeTaints(client, 'cpu-02', { add: [{ key: 'other', value: 'x', effect: 'NoSchedule' }] });
    const added = await nodes.setNodeTaints(client, 'cpu-02', { add: [{ key: 'leitstand.io/dedicated', value: 'a', effect: 'NoSchedule' }] });
    const replaced = await nodes.setNodeTaints(client, 'cpu-02', { add: [{ key: 'leitstand.io/dedicated', value: 'b', effect: 'NoSchedule' }] });
    expect(added.ok && replaced.ok).toBe(true);
    if (!replaced.ok) return;
    expect(replaced.value.spec?.taints?.filter((t) => t.key === 'leitstand.io/dedicated').map((t) => t.value)).toEqual(['b']);
    const removed = await nodes.setNodeTaints(client, 'cpu-02', { remove: [{ key: 'leitstand.io/dedicated', effect: 'NoSchedule' }] });
    expect(removed.ok && removed.value.spec?.taints?.map((t) => t.key)).toEqual(['other']);
  });

  it('cordons and uncordons, answering "node is cordoned" for a second cordon', async () => {
    const dry = await nodes.cordonNode(client, 'cpu-01', { dryRun: true });
    expect(dry.ok).toBe(true);
    const after = await nodes.readNode(client, 'cpu-01');
    expect(after.ok && after.value.spec?.unschedulable).toBeFalsy();

    expect((await nodes.cordonNode(client, 'cpu-01')).ok).toBe(true);
    expect(await nodes.cordonNode(client, 'cpu-01')).toEqual({ ok: false, reason: 'node is cordoned' });
    expect((await nodes.uncordonNode(client, 'cpu-01')).ok).toBe(true);
    expect(await nodes.uncordonNode(client, 'cpu-01')).toEqual({ ok: false, reason: 'node is not cordoned' });
  });

  it('watches nodes: a label change arrives as a modified event', async () => {
    const seen: string[] = [];
    const watch = nodes.watchNodes(client, (type, node) => seen.push(`${type}:${node.metadata.name}`));
    try {
      await watch.ready;
      expect(watch.cache.size).toBeGreaterThanOrEqual(7);
      await nodes.setNodeLabels(client, 'cpu-02', { watched: 'yes' });
      await waitFor('modified event', () => seen.includes('modified:cpu-02'));
    } finally {
      await watch.stop();
    }
  });
});

describe('namespaced kinds (server-side apply, dry run)', () => {
  it('a dry-run namespace apply persists nothing; a real one does, with the managed-by label', async () => {
    const dry = await namespaces.applyNamespace(client, renderNamespace({ name: 'dry' }), { dryRun: true });
    expect(dry.ok).toBe(true);
    expect(await namespaces.getNamespace(client, 'dry')).toMatchObject({ ok: false, error: { code: 404 } });
    const real = await namespaces.getNamespace(client, 'kinds');
    expect(real.ok && real.value.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('leitstand');
  });

  it('resource quotas and limit ranges', async () => {
    const q = await resourceQuotas.applyResourceQuota(client, renderResourceQuota({ namespace: 'kinds', name: 'gpu', hard: { 'requests.nvidia.com/gpu': '2' } }));
    expect(q.ok).toBe(true);
    const quotas = await resourceQuotas.listResourceQuotas(client, 'kinds');
    expect(quotas.ok && quotas.value.map((x) => x.spec?.hard?.['requests.nvidia.com/gpu'])).toEqual(['2']);
    const lr = await limitRanges.applyLimitRange(
      client,
      renderLimitRange({ namespace: 'kinds', name: 'defaults', limits: [{ type: 'Container', defaultRequest: { cpu: '100m' } }] }),
    );
    expect(lr.ok).toBe(true);
    const ranges = await limitRanges.listLimitRanges(client, 'kinds');
    expect(ranges.ok && ranges.value.length).toBe(1);
  });

  it('config maps, services and deployments', async () => {
    expect((await configMaps.applyConfigMap(client, renderConfigMap({ namespace: 'kinds', name: 'c', data: { a: '1' } }))).ok).toBe(true);
    expect(await configMaps.getConfigMap(client, 'kinds', 'c')).toMatchObject({ ok: true, value: { data: { a: '1' } } });
    const svc = await services.applyService(client, renderService({ namespace: 'kinds', name: 's', selector: { app: 'd' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }));
    expect(svc.ok).toBe(true);
    const dep = await deployments.applyDeployment(client, renderDeployment({ namespace: 'kinds', name: 'd', image: 'img:1', replicas: 1, selector: { app: 'd' } }));
    expect(dep.ok).toBe(true);
    const listed = await deployments.listDeployments(client, { namespace: 'kinds', labelSelector: 'app.kubernetes.io/managed-by=leitstand' });
    expect(listed.ok && listed.value.map((d) => d.metadata?.name)).toEqual(['d']);
  });

  it('a conflicting apply without force is refused (Leitstand never takes fields it does not own)', async () => {
    await configMaps.applyConfigMap(client, renderConfigMap({ namespace: 'kinds', name: 'shared', data: { owned: 'leitstand' } }));
    const other = await client.request('PATCH', '/api/v1/namespaces/kinds/configmaps/shared', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared' }, data: { owned: 'them' } },
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: 'other-tool', force: 'true' },
    });
    expect(other.status).toBe(200);
    const again = await configMaps.applyConfigMap(client, renderConfigMap({ namespace: 'kinds', name: 'shared', data: { owned: 'leitstand' } }));
    expect(again).toMatchObject({ ok: false, error: { code: 409 } });
  });

  it('HTTPRoute weights change through server-side apply', async () => {
    const base = { namespace: 'kinds', name: 'route', parentRefs: [{ name: 'gw' }] };
    const first = await httpRoutes.applyHttpRoute(client, renderHttpRoute({ ...base, backends: [{ name: 'stable', port: 80, weight: 100 }, { name: 'canary', port: 80, weight: 0 }] }));
    expect(first.ok).toBe(true);
    const shifted = await httpRoutes.applyHttpRoute(client, renderHttpRoute({ ...base, backends: [{ name: 'stable', port: 80, weight: 90 }, { name: 'canary', port: 80, weight: 10 }] }));
    expect(shifted.ok).toBe(true);
    const live = await httpRoutes.getHttpRoute(client, 'kinds', 'route');
    expect(live.ok && routeWeights(live.value)).toEqual({ stable: 90, canary: 10 });
    const list = await httpRoutes.listHttpRoutes(client, 'kinds');
    expect(list.ok && list.value.length).toBe(1);
  });

  it('events by involved object, newest first, and leases', async () => {
    for (const [name, ts] of [['e1', '2026-01-01T00:00:00Z'], ['e2', '2026-01-02T00:00:00Z']] as const) {
      await client.core.createNamespacedEvent({
        namespace: 'kinds',
        body: {
          metadata: { name, namespace: 'kinds' },
          involvedObject: { kind: 'Deployment', name: 'd', namespace: 'kinds' },
          reason: 'Test',
          message: name,
          type: 'Normal',
          lastTimestamp: new Date(ts),
          firstTimestamp: new Date(ts),
          count: 1,
        },
      });
    }
    const list = await events.listEvents(client, { namespace: 'kinds', involvedObject: { kind: 'Deployment', name: 'd' }, limit: 10 });
    expect(list.ok && list.value.filter((e) => e.reason === 'Test').map((e) => e.message)).toEqual(['e2', 'e1']);
    expect(await leases.getLease(client, 'kinds', 'none')).toMatchObject({ ok: false, reason: 'lease kinds/none not found' });
  });
});

describe('drain', () => {
  function pod(name: string, labels: Record<string, string>, extra: Partial<KubeObject['metadata']> = {}) {
    return client.core.createNamespacedPod({
      namespace: 'kinds',
      body: {
        metadata: { name, labels, ...extra },
        spec: { nodeName: 'gpu-l40s-01', containers: [{ name: 'c', image: 'busybox' }] },
      } as never,
    });
  }

  it('evicts through the Eviction API and reports pods a PodDisruptionBudget protects', async () => {
    await pod('free-1', { app: 'free' });
    await pod('guarded-1', { app: 'guarded' });
    await pod('guarded-2', { app: 'guarded' });
    await pod('ds-1', { app: 'ds' }, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: '00000000-0000-0000-0000-000000000001', controller: true }] } as never);
    await client.policy.createNamespacedPodDisruptionBudget({
      namespace: 'kinds',
      body: { metadata: { name: 'guarded' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } } },
    });
    await waitFor('pods ready and budget computed', async () => {
      const pdb = await client.policy.readNamespacedPodDisruptionBudget({ name: 'guarded', namespace: 'kinds' });
      return pdb.status?.currentHealthy === 2;
    });

    const report = await nodes.drainNode(client, 'gpu-l40s-01');
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    const byName = Object.fromEntries(report.value.pods.map((p) => [p.name, p]));
    expect(report.value.cordoned).toBe(true);
    expect(byName['free-1']?.result).toBe('evicted');
    expect(byName['ds-1']).toMatchObject({ result: 'skipped', reason: 'managed by a DaemonSet' });
    expect(byName['guarded-1']).toMatchObject({ result: 'blocked-by-pdb', reason: expect.stringMatching(/disruption budget/i) });
    expect(byName['guarded-2']?.result).toBe('blocked-by-pdb');
    expect(report.value.complete).toBe(false);
    const node = await nodes.readNode(client, 'gpu-l40s-01');
    expect(node.ok && node.value.spec?.unschedulable).toBe(true);
    expect((await nodes.uncordonNode(client, 'gpu-l40s-01')).ok).toBe(true);
  });
});
