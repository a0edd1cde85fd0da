import client from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../../server/kube/client';
import { DesiredObjectsController } from '../../../../server/kube/controller/desired-controller';
import { loadControllerStatuses } from '../../../../server/kube/controller/status';
import {
  deleteDesired,
  getDesired,
  renderConfigMap,
  renderDeployment,
  renderNamespace,
  setDesired,
} from '../../../../server/kube';
import { type KubeObject, type ObjectRef, getObject } from '../../../../server/kube/resources';
import { type TestDatabase, createTestDatabase } from '../../../support/database';
import { startTestCluster, waitFor } from '../support';

let database: TestDatabase;
let cluster: Awaited<ReturnType<typeof startTestCluster>>;
let api: KubeClient;
let controller: DesiredObjectsController;
const owner = { context: 'test', id: 'controller' };

const cmRef = (name: string, namespace = 'ctl-a'): ObjectRef => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

async function desire(manifest: KubeObject, driftPolicy: 'heal' | 'report' = 'heal') {
  return database.db.transaction((tx) => setDesired(tx, { owner, manifest, driftPolicy }));
}

async function converged(ref: ObjectRef) {
  const row = await getDesired(database.db, ref);
  return row && row.appliedGeneration === row.generation && row.lastError === null ? row : undefined;
}

async function live(ref: ObjectRef): Promise<(KubeObject & { data?: Record<string, string> }) | undefined> {
  const r = await getObject(api, ref);
  return r.ok ? r.object : undefined;
}

/** Another field manager edits a ConfigMap key with a merge patch (as `kubectl edit` would). */
async function externalEdit(ref: ObjectRef, data: Record<string, string | null>, manager = 'kubectl-edit') {
  const res = await api.request('PATCH', `/api/v1/namespaces/${ref.namespace}/configmaps/${ref.name}`, {
    body: { data },
    contentType: 'application/merge-patch+json',
    query: { fieldManager: manager },
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await startTestCluster();
  api = cluster.client();
  controller = new DesiredObjectsController({
    client: cluster.client(),
    db: database.db,
    instanceId: 'test-instance',
    resyncMs: 400,
    pollMs: 50,
    statusMs: 200,
  });
  await desire(renderNamespace({ name: 'ctl-a' }));
  await controller.start();
});

afterAll(async () => {
  await controller?.stop();
  await cluster?.close();
  await database?.close();
});

describe('DesiredObjectsController', () => {
  it('applies desired objects with server-side apply as field manager leitstand', async () => {
    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'one', data: { k: 'v1' } }));
    const row = await waitFor('ConfigMap applied', () => converged(cmRef('one')));
    expect(row.observedExists).toBe(true);
    const object = await live(cmRef('one'));
    expect(object?.data).toEqual({ k: 'v1' });
    expect(object?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('leitstand');
    expect(object?.metadata.managedFields?.some((m) => m.manager === 'leitstand' && m.operation === 'Apply')).toBe(true);
  });

  it('writes the observed status of a Deployment back onto the row', async () => {
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ctl-a', name: 'web' };
    await desire(renderDeployment({ namespace: 'ctl-a', name: 'web', image: 'nginx:1', replicas: 2, selector: { app: 'web' } }));
    const row = await waitFor('deployment status observed', async () => {
      const r = await getDesired(database.db, ref);
      const status = r?.observedStatus as { readyReplicas?: number } | null | undefined;
      return status?.readyReplicas === 2 ? r : undefined;
    });
    expect(row.observedGeneration).toBe(row.observedStatusGeneration);
  });

  it('applies a changed spec once, and leaves unchanged objects alone on resync', async () => {
    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'steady', data: { k: '1' } }));
    await waitFor('steady applied', () => converged(cmRef('steady')));
    await new Promise((r) => setTimeout(r, 600));
    const applies = controller.writes.apply;
    const patches = cluster.sim.stats().byVerb.PATCH ?? 0;
    // Several resyncs (every 400 ms) pass with nothing changed: no write at all.
    await new Promise((r) => setTimeout(r, 1500));
    expect(controller.writes.apply).toBe(applies);
    expect(cluster.sim.stats().byVerb.PATCH ?? 0).toBe(patches);

    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'steady', data: { k: '2' } }));
    await waitFor('update applied', async () => (await live(cmRef('steady')))?.data?.k === '2');
    await waitFor('row converged', () => converged(cmRef('steady')));
    expect(controller.writes.apply).toBe(applies + 1);
  });

  it('heals a managed field another manager changed, and records who changed it', async () => {
    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'healme', data: { k: 'mine' } }));
    await waitFor('applied', () => converged(cmRef('healme')));
    await externalEdit(cmRef('healme'), { k: 'theirs', extra: 'kept' });
    const healed = await waitFor('healed', async () => {
      const o = await live(cmRef('healme'));
      return o?.data?.k === 'mine' ? o : undefined;
    });
    // A field Leitstand does not own (their extra key) is left alone.
    expect(healed.data?.extra).toBe('kept');
    const row = await waitFor('drift recorded', async () => {
      const r = await getDesired(database.db, cmRef('healme'));
      return r?.driftDescription?.includes('healed') ? r : undefined;
    });
    expect(row.driftDescription).toContain('data.k: want "mine", found "theirs" (changed by kubectl-edit)');
    expect(row.driftDetected).toBe(false);
  });

  it('only reports drift under the report policy', async () => {
    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'reportme', data: { k: 'mine' } }), 'report');
    await waitFor('applied', () => converged(cmRef('reportme')));
    await externalEdit(cmRef('reportme'), { k: 'theirs' }, 'someone-else');
    const row = await waitFor('drift reported', async () => {
      const r = await getDesired(database.db, cmRef('reportme'));
      return r?.driftDetected ? r : undefined;
    });
    expect(row.driftDescription).toBe('data.k: want "mine", found "theirs" (changed by someone-else)');
    await new Promise((r) => setTimeout(r, 800));
    expect((await live(cmRef('reportme')))?.data?.k).toBe('theirs');
  });

  it('re-creates a desired object someone deleted', async () => {
    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'phoenix', data: { k: 'v' } }));
    await waitFor('applied', () => converged(cmRef('phoenix')));
    const res = await api.request('DELETE', '/api/v1/namespaces/ctl-a/configmaps/phoenix');
    expect(res.status).toBeLessThan(300);
    await waitFor('re-created', async () => (await live(cmRef('phoenix')))?.data?.k === 'v');
  });

  it('deletes removed objects from the cluster and then forgets the row', async () => {
    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'doomed', data: { k: 'v' } }));
    await waitFor('applied', () => converged(cmRef('doomed')));
    await database.db.transaction((tx) => deleteDesired(tx, { owner, ref: cmRef('doomed') }));
    await waitFor('deleted from the cluster', async () => (await live(cmRef('doomed'))) === undefined);
    await waitFor('row removed', async () => (await getDesired(database.db, cmRef('doomed'))) === undefined);
  });

  it('never deletes an object that lost the managed-by label', async () => {
    await desire(renderConfigMap({ namespace: 'ctl-a', name: 'adopted', data: { k: 'v' } }), 'report');
    await waitFor('applied', () => converged(cmRef('adopted')));
    const res = await api.request('PATCH', '/api/v1/namespaces/ctl-a/configmaps/adopted', {
      body: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'helm' } } },
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'helm' },
    });
    expect(res.status).toBe(200);
    await database.db.transaction((tx) => deleteDesired(tx, { owner, ref: cmRef('adopted') }));
    await waitFor('row removed', async () => (await getDesired(database.db, cmRef('adopted'))) === undefined);
    expect((await live(cmRef('adopted')))?.metadata.labels?.['app.kubernetes.io/managed-by']).toBe('helm');
  });

  it('records its status for the overview page and counts reconciles in prom-client', async () => {
    await waitFor('status row', async () => {
      const rows = await loadControllerStatuses(database.db);
      return rows.find((r) => r.controller === 'desired-objects' && r.reconcileTotal > 0 && r.objectsManaged > 0);
    });
    const metrics = await client.register.getSingleMetricAsString('leitstand_kube_reconcile_total');
    expect(metrics).toMatch(/leitstand_kube_reconcile_total\{controller="desired-objects",result="applied"\} \d+/);
    expect(await client.register.getSingleMetricAsString('leitstand_kube_queue_depth')).toContain('leitstand_kube_queue_depth');
    expect(controller.runner.status().reconcileTotal).toBeGreaterThan(0);
  });
});
