import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getClusterInfo,
  getKubeClient,
  getKubeRuntime,
  getNode,
  isSimulated,
  listEvents,
  listGpuNodes,
  renderConfigMap,
  renderDeployment,
  renderNamespace,
  setDesired,
  startKube,
  stopKube,
} from '../../../server/kube';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { waitFor } from './support';

let database: TestDatabase;
const nowhere = path.join(os.tmpdir(), 'leitstand-no-kubeconfig-here');

beforeAll(async () => {
  database = await createTestDatabase();
  await startKube(
    { kube: { kubeconfig: undefined, simTopology: undefined }, instanceId: 'replica-test' },
    {
      connect: { defaultKubeconfig: nowhere, inClusterRoot: nowhere, sim: { podReadyDelayMs: 20 } },
      leaseDurationMs: 8_000,
      renewIntervalMs: 1_000,
      retryIntervalMs: 200,
      resyncMs: 1_000,
      pollMs: 100,
    },
  );
});
afterAll(async () => {
  await stopKube();
  await database?.close();
});

describe('startKube without any cluster configured', () => {
  it('starts the simulated cluster and says so', async () => {
    expect(isSimulated()).toBe(true);
    expect(getKubeRuntime()?.connection.source).toBe('simulated');
  });

  it('wins the lease, runs the controller, and reports it all in getClusterInfo', async () => {
    await waitFor('leading', () => getKubeRuntime()?.elector.isLeader);
    await database.db.transaction(async (tx) => {
      await setDesired(tx, { owner: { context: 'test', id: 'rt' }, manifest: renderNamespace({ name: 'rt' }) });
      await setDesired(tx, { owner: { context: 'test', id: 'rt' }, manifest: renderConfigMap({ namespace: 'rt', name: 'c', data: { a: 'b' } }) });
    });
    await waitFor('config map in the cluster', async () => {
      const cm = await getKubeClient().request('GET', '/api/v1/namespaces/rt/configmaps/c');
      return cm.status === 200;
    });
    const info = await waitFor('a reconcile recorded', async () => {
      await getKubeRuntime()!.controller!.flushStatus();
      const i = await getClusterInfo();
      const c = i.controllers.find((x) => x.controller === 'desired-objects');
      return c?.lastReconcileAt && c.objectsManaged === 2 ? i : undefined;
    });
    expect(info).toMatchObject({
      connected: true,
      simulated: true,
      source: 'simulated',
      version: 'v1.31.4',
      leader: { identity: 'replica-test' },
      instance: { identity: 'replica-test', isLeader: true },
    });
    expect(info.leader.since).not.toBeNull();
    const ctl = info.controllers.find((c) => c.controller === 'desired-objects');
    expect(ctl).toMatchObject({ running: true, objectsManaged: 2 });
    expect(ctl!.lastReconcileAt).toBeInstanceOf(Date);
  });
});

describe('pages data', () => {
  it('lists GPU nodes with product, memory, counts, MIG layout and allocation', async () => {
    const client = getKubeClient();
    await database.db.transaction((tx) =>
      setDesired(tx, {
        owner: { context: 'test', id: 'rt' },
        manifest: renderDeployment({
          namespace: 'rt',
          name: 'llm',
          image: 'vllm:1',
          replicas: 1,
          selector: { app: 'llm' },
          requests: { 'nvidia.com/gpu': '2' },
          limits: { 'nvidia.com/gpu': '2' },
          nodeSelector: { 'kubernetes.io/hostname': 'gpu-l40s-02' },
        }),
      }),
    );
    expect(client).toBeDefined();
    const l40s = await waitFor('GPUs allocated on gpu-l40s-02', async () => {
      const list = await listGpuNodes();
      const n = list.find((x) => x.name === 'gpu-l40s-02');
      return n && n.allocatedGpus === 2 ? { list, n } : undefined;
    });
    expect(l40s.list.map((n) => n.name)).toEqual(['gpu-a100-mig-01', 'gpu-h100-01', 'gpu-h100-02', 'gpu-l40s-01', 'gpu-l40s-02']);
    expect(l40s.n).toMatchObject({ gpuProduct: 'NVIDIA-L40S', gpuCount: 4, allocatableGpus: 4, cordoned: false, ready: true });
    expect(l40s.n.gpuMemoryMiB).toBeGreaterThan(40_000);
    const mig = l40s.list.find((n) => n.name === 'gpu-a100-mig-01')!;
    expect(mig.mig.config).toBe('all-balanced');
    expect(mig.mig.resources.length).toBeGreaterThan(0);
    expect(mig.mig.resources.every((r) => r.resource.startsWith('nvidia.com/mig-'))).toBe(true);

    const detail = await getNode('gpu-l40s-02');
    expect(detail?.pods).toEqual([expect.objectContaining({ namespace: 'rt', gpus: 2, labels: expect.objectContaining({ app: 'llm' }) })]);
    expect(await getNode('no-such-node')).toBeUndefined();
  });

  it('lists events newest first, filtered by involved object', async () => {
    const all = await listEvents({ namespace: 'rt', limit: 50 });
    expect(all.length).toBeGreaterThan(0);
    const sorted = [...all].sort((a, b) => (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? ''));
    expect(all).toEqual(sorted);
    const forDeployment = await listEvents({ namespace: 'rt', involvedObject: { kind: 'Deployment', name: 'llm' }, limit: 5 });
    expect(forDeployment.every((e) => e.involvedObject.name === 'llm' && e.involvedObject.kind === 'Deployment')).toBe(true);
  });
});

describe('stopKube', () => {
  it('releases the lease and stops the controller', async () => {
    const runtime = getKubeRuntime()!;
    const controller = await waitFor('the controller of the leader', () => runtime.controller);
    await stopKube();
    expect(controller.runner.isRunning).toBe(false);
    expect(getKubeRuntime()).toBeUndefined();
    expect(runtime.elector.isLeader).toBe(false);
  });
});
