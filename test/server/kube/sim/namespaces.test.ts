import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../../../server/kube/sim/topology';
import { type SimHarness, apiError, deployment, eventually, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness({ namespaceCleanupDelayMs: 150, podTerminationDelayMs: 100 });
});
afterAll(async () => {
  await h.sim.close();
});

describe('namespaces', () => {
  it('starts with the system namespaces, the kubernetes service and root CA config maps', async () => {
    const names = (await h.core.listNamespace()).items.map((n) => n.metadata!.name);
    const extra = loadTopology(undefined).namespaces ?? [];
    expect(names).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system', ...extra].sort());
    const svc = await h.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    expect(svc.spec?.clusterIP).toBe('10.96.0.1');
    await eventually(async () => (await h.core.readNamespacedConfigMap({ namespace: 'kube-public', name: 'kube-root-ca.crt' })).data?.['ca.crt']);
  });

  it('refuses to delete the system namespaces', async () => {
    const res = await h.raw('DELETE', '/api/v1/namespaces/kube-system');
    expect(res.status).toBe(403);
    expect(res.body.message).toBe('namespaces "kube-system" is forbidden: this namespace may not be deleted');
  });

  it('labels a new namespace with its name and sets the kubernetes finalizer', async () => {
    const ns = await h.core.createNamespace({ body: { metadata: { name: 'tenant-x' } } });
    expect(ns.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'tenant-x' });
    expect(ns.spec?.finalizers).toEqual(['kubernetes']);
    expect(ns.status?.phase).toBe('Active');
  });

  it('terminates: Terminating phase, content deleted, creations refused, then gone', async () => {
    await h.apps.createNamespacedDeployment({ namespace: 'tenant-x', body: deployment('llm', { replicas: 2 }) });
    await eventually(async () => (await h.core.listNamespacedPod({ namespace: 'tenant-x' })).items.filter((p) => p.status?.phase === 'Running').length === 2);
    const res = await h.raw('DELETE', '/api/v1/namespaces/tenant-x');
    expect(res.status).toBe(200);
    expect(res.body.status.phase).toBe('Terminating');
    expect(res.body.metadata.deletionTimestamp).toBeTruthy();
    const err = await apiError(h.core.createNamespacedConfigMap({ namespace: 'tenant-x', body: { metadata: { name: 'late' } } }));
    expect(err.code).toBe(403);
    expect(err.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: 'configmaps "late" is forbidden: unable to create new content in namespace tenant-x because it is being terminated',
      details: { name: 'late', kind: 'configmaps', causes: [{ reason: 'NamespaceTerminating', message: 'namespace tenant-x is being terminated', field: 'metadata.namespace' }] },
    });
    const remaining = await eventually(async () => (await h.core.readNamespace({ name: 'tenant-x' })).status?.conditions?.find((c) => c.type === 'NamespaceContentRemaining'));
    expect(remaining.status).toBe('True');
    expect(remaining.message).toMatch(/^Some resources are remaining: /);
    await eventually(async () => (await h.raw('GET', '/api/v1/namespaces/tenant-x')).status === 404, 5000, 'namespace removal');
    expect((await h.raw('GET', '/api/v1/namespaces/tenant-x/pods')).body.items).toEqual([]);
  });

  it('waits for finalizers of content before the namespace goes', async () => {
    await h.core.createNamespace({ body: { metadata: { name: 'held' } } });
    await h.core.createNamespacedConfigMap({ namespace: 'held', body: { metadata: { name: 'stuck', finalizers: ['leitstand.io/erasure'] } } });
    await h.core.deleteNamespace({ name: 'held' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.core.readNamespace({ name: 'held' })).status?.phase).toBe('Terminating');
    await h.raw('PATCH', '/api/v1/namespaces/held/configmaps/stuck', [{ op: 'remove', path: '/metadata/finalizers' }], 'application/json-patch+json');
    await eventually(async () => (await h.raw('GET', '/api/v1/namespaces/held')).status === 404, 5000, 'namespace removal');
  });
});
