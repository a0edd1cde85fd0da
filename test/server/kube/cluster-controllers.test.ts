import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as clusterRoute from '~/routes/cluster';
import { kubeControllerStatus } from '../../../db/schema/kube';
import {
  type ClusterControllerInfo,
  flushLeaderControllerStatus,
  getClusterInfo,
  getKubeClient,
  getKubeRuntime,
  registerLeaderController,
  startKube,
  stopKube,
} from '../../../server/kube';
import { saveControllerStatus } from '../../../server/kube/controller/status';
import { createTestSession, createTestUser } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { waitFor } from './support';

/* The cluster overview lists the leader-only controllers of other contexts next to the
   desired-objects controller: where they run, their last run, their last error. */

let database: TestDatabase;
const nowhere = path.join(os.tmpdir(), 'leitstand-no-kubeconfig-here');

// Two controllers of "another context", registered as server/gpu registers its own.
let tickerRuns = 0;
registerLeaderController({
  name: 'test-ticker',
  resyncMs: 200,
  create: () => ({
    name: 'test-ticker',
    listKeys: async () => ['only'],
    reconcile: async () => {
      tickerRuns++;
      return { outcome: 'unchanged' };
    },
  }),
});
registerLeaderController({
  name: 'test-broken',
  resyncMs: 200,
  create: () => ({
    name: 'test-broken',
    listKeys: async () => ['only'],
    reconcile: async () => {
      throw new Error('the thing it watches is unreachable');
    },
  }),
});

beforeAll(async () => {
  database = await createTestDatabase();
  await startKube(
    { kube: { kubeconfig: undefined, simTopology: undefined }, instanceId: 'replica-a' },
    {
      connect: { defaultKubeconfig: nowhere, inClusterRoot: nowhere, sim: { podReadyDelayMs: 20 } },
      leaseDurationMs: 8_000,
      renewIntervalMs: 300,
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

const byName = (controllers: ClusterControllerInfo[]) => Object.fromEntries(controllers.map((c) => [c.controller, c]));

describe('getClusterInfo lists the leader-only controllers', () => {
  it('on the leader: running on this replica, with their last run and last error', async () => {
    await waitFor('leading', () => getKubeRuntime()?.elector.isLeader);
    const info = await waitFor('both controllers ran', async () => {
      const i = await getClusterInfo();
      const c = byName(i.controllers);
      return tickerRuns > 0 && c['test-ticker']?.lastReconcileAt && c['test-broken']?.lastError ? i : undefined;
    });
    expect(info.controllers.map((c) => [c.controller, c.kind, c.runsOn, c.running])).toEqual([
      ['desired-objects', 'desired-objects', 'this-replica', true],
      ['test-broken', 'leader-only', 'this-replica', true],
      ['test-ticker', 'leader-only', 'this-replica', true],
    ]);
    const c = byName(info.controllers);
    expect(c['test-ticker']).toMatchObject({ instanceId: 'replica-a', reported: true, errorTotal: 0, lastError: null });
    expect(c['test-ticker']!.reconcileTotal).toBeGreaterThan(0);
    expect(c['test-broken']).toMatchObject({ lastError: 'the thing it watches is unreachable', lastReconcileAt: expect.any(Date) });
    expect(c['test-broken']!.errorTotal).toBeGreaterThan(0);

    // The leader writes their status rows, so the other replicas can show them.
    await flushLeaderControllerStatus();
    const rows = await database.db.select().from(kubeControllerStatus);
    expect(rows.filter((r) => r.controller.startsWith('test-')).map((r) => [r.controller, r.instanceId]).sort()).toEqual([
      ['test-broken', 'replica-a'],
      ['test-ticker', 'replica-a'],
    ]);
  });

  it('on a follower: running on the leader, from the rows the leader writes; stale or foreign rows are not running', async () => {
    // Another replica takes the lease (for an hour): this one steps down and stops its controllers.
    const runtime = getKubeRuntime()!;
    const api = getKubeClient();
    // (Read and replace again when a renewal of replica-a came in between: 409.)
    await waitFor('replica-b holds the lease', async () => {
      const lease = await api.coordination.readNamespacedLease({ name: 'leitstand-controllers', namespace: runtime.leaseNamespace });
      return api.coordination
        .replaceNamespacedLease({
          name: 'leitstand-controllers',
          namespace: runtime.leaseNamespace,
          body: { ...lease, spec: { ...lease.spec, holderIdentity: 'replica-b', leaseDurationSeconds: 3600, renewTime: new Date() } },
        })
        .then(
          () => true,
          (error: unknown) => (String(error).includes('409') ? false : Promise.reject(error)),
        );
    });
    await waitFor('replica-a steps down', () => !runtime.elector.isLeader);
    await runtime.elector.settled();
    await waitFor('the lease record seen', () => runtime.elector.record?.holderIdentity === 'replica-b');

    // replica-b runs the ticker now and writes its status row, as its flush does.
    const before = byName((await getClusterInfo()).controllers)['test-ticker']!;
    await saveControllerStatus(database.db, {
      controller: 'test-ticker',
      instanceId: 'replica-b',
      startedAt: new Date(),
      running: true,
      lastReconcileAt: new Date('2026-11-22T10:00:00Z'),
      reconcileTotal: 7,
      errorTotal: 0,
      queueDepth: 0,
      objectsManaged: 0,
      objectsDrifted: 0,
      lastError: null,
      lastErrorAt: null,
    });
    // A controller this replica knows but no one has reported on yet.
    registerLeaderController({ name: 'test-idle', create: () => ({ name: 'test-idle', listKeys: async () => [], reconcile: async () => ({ outcome: 'unchanged' }) }) });

    const info = await getClusterInfo();
    expect(info.instance).toEqual({ identity: 'replica-a', isLeader: false });
    const c = byName(info.controllers);
    expect(before).toMatchObject({ runsOn: 'not-running', running: false, instanceId: 'replica-a' });
    expect(c['test-ticker']).toMatchObject({ kind: 'leader-only', runsOn: 'leader', running: false, instanceId: 'replica-b', reconcileTotal: 7, lastReconcileAt: new Date('2026-11-22T10:00:00Z'), reported: true });
    // replica-a's last word on the broken one (written when it stepped down) is not the leader's.
    expect(c['test-broken']).toMatchObject({ runsOn: 'not-running', instanceId: 'replica-a', lastError: 'the thing it watches is unreachable', reported: true });
    expect(c['test-idle']).toMatchObject({ kind: 'leader-only', runsOn: 'not-running', reported: false, lastReconcileAt: null, instanceId: null });
    expect(c['desired-objects']).toMatchObject({ kind: 'desired-objects', runsOn: 'not-running', running: false });

    // A row the leader stopped refreshing no longer says it runs there.
    await database.db.update(kubeControllerStatus).set({ updatedAt: new Date(Date.now() - 60_000) }).where(eq(kubeControllerStatus.controller, 'test-ticker'));
    expect(byName((await getClusterInfo()).controllers)['test-ticker']).toMatchObject({ runsOn: 'not-running', instanceId: 'replica-b' });
  });

  it('the overview page loads them for readers only', async () => {
    const auditor = await createTestSession(await createTestUser({ username: 'auditor', roles: ['auditor'] }));
    const request = (cookie?: string) => new Request('http://localhost/cluster', cookie ? { headers: { cookie } } : {});
    const response = await clusterRoute.loader({ request: request(auditor.cookie), params: {}, context: {} });
    const data = (await response.json()) as { info: { controllers: Array<{ controller: string; kind: string; runsOn: string }> } };
    expect(data.info.controllers.filter((c) => c.kind === 'leader-only').map((c) => c.controller)).toEqual(['test-broken', 'test-idle', 'test-ticker']);
    // Without a session the loader answers before it reads anything.
    const refused = await clusterRoute.loader({ request: request(), params: {}, context: {} }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(refused).toBeInstanceOf(Response);
    expect([302, 401]).toContain((refused as Response).status);
  });
});
