import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../../server/audit';
import { DEDICATED_KEY, POOL_DEDICATION_CONTROLLER, createPool, gpuLifecycle, dedicate, listDedications, releaseDedication } from '../../../server/gpu';
import { type KubeObject, getClusterObjects, getKubeClient, leaderControllerStatus, nodes } from '../../../server/kube';
import { auditEventsOf } from '../../support/auth';
import { type TestDatabase, createTestDatabase } from '../../support/database';
import { kubeGet, startSimKube, stopKube, waitFor } from '../tenants/support';

let database: TestDatabase;
const actor = { ...systemActor, name: 'pool-membership-test' };
const POOL_LABEL = 'example.com/burst';

beforeAll(async () => {
  database = await createTestDatabase();
  await startSimKube({ instanceId: 'pool-membership-test' });
  // As server/http does at start-up (after the kube runtime here: registration starts it on the leader at once).
  await gpuLifecycle.start();
});
afterAll(async () => {
  await stopKube();
  await database?.close();
});

type Node = KubeObject & { spec: { taints?: Array<{ key: string; value?: string; effect: string }> } };
const node = async (name: string) => (await kubeGet<Node>(`/api/v1/nodes/${name}`))!;
const dedicatedTo = (n: Node) => ({
  label: n.metadata.labels?.[DEDICATED_KEY] ?? null,
  pool: n.metadata.labels?.['leitstand.io/dedicated-pool'] ?? null,
  taint: (n.spec.taints ?? []).find((t) => t.key === DEDICATED_KEY)?.value ?? null,
});

async function label(name: string, value: string | null) {
  const result = await nodes.setNodeLabels(getKubeClient(), name, { [POOL_LABEL]: value });
  expect(result.ok).toBe(true);
}

const reconciles = () => leaderControllerStatus().find((s) => s.controller === POOL_DEDICATION_CONTROLLER)?.reconcileTotal ?? 0;

/** Waits until the controller has looked at the cluster again after a change (at least `n` more reconciles). */
async function settled(before: number, n = 1) {
  await waitFor('the controller reconciled', () => reconciles() >= before + n);
}

describe('a dedicated pool follows its members', () => {
  it('dedicates nodes that join the pool and releases nodes that leave it', async () => {
    await createPool(actor, { name: 'burst', selector: `${POOL_LABEL}=yes` });
    await label('gpu-l40s-01', 'yes');
    await waitFor('cache sees the label', async () => (await getClusterObjects()).nodes.find((n) => n.metadata.name === 'gpu-l40s-01')?.metadata.labels?.[POOL_LABEL]);
    const row = await dedicate(actor, { targetKind: 'pool', target: 'burst', tenant: 'green' });
    expect(row.nodes).toEqual(['gpu-l40s-01']);

    // A node joins the pool: it gets the dedication without anyone applying it again.
    await label('gpu-l40s-02', 'yes');
    await waitFor('joining node dedicated', async () => dedicatedTo(await node('gpu-l40s-02')).taint === 'green');
    expect(dedicatedTo(await node('gpu-l40s-02'))).toEqual({ label: 'green', pool: 'burst', taint: 'green' });
    await waitFor('row lists it', async () => (await listDedications())[0]?.nodes.length === 2);
    expect((await listDedications())[0]!.nodes).toEqual(['gpu-l40s-01', 'gpu-l40s-02']);
    expect((await auditEventsOf({ action: 'gpu.dedication.node-joined', targetId: 'burst' })).map((e) => e.after)).toEqual([{ node: 'gpu-l40s-02', tenant: 'green' }]);

    // A node leaves the pool: label and taint go.
    await label('gpu-l40s-01', null);
    await waitFor('leaving node released', async () => dedicatedTo(await node('gpu-l40s-01')).label === null);
    expect(dedicatedTo(await node('gpu-l40s-01'))).toEqual({ label: null, pool: null, taint: null });
    await waitFor('row forgets it', async () => (await listDedications())[0]?.nodes.length === 1);
    expect((await listDedications())[0]!.nodes).toEqual(['gpu-l40s-02']);
    expect((await auditEventsOf({ action: 'gpu.dedication.node-left', targetId: 'burst' })).map((e) => e.before)).toEqual([{ node: 'gpu-l40s-01', tenant: 'green' }]);
    expect(dedicatedTo(await node('gpu-l40s-02')).taint).toBe('green');
  });

  it('does not take over a node dedicated on its own, and release is not undone', async () => {
    await dedicate(actor, { targetKind: 'node', target: 'gpu-h100-01', tenant: 'blue' });
    let before = reconciles();
    await label('gpu-h100-01', 'yes');
    await settled(before);
    expect(dedicatedTo(await node('gpu-h100-01'))).toEqual({ label: 'blue', pool: null, taint: 'blue' });
    expect((await listDedications()).find((d) => d.target === 'burst')!.nodes).toEqual(['gpu-l40s-02']);

    const pool = (await listDedications()).find((d) => d.target === 'burst')!;
    before = reconciles();
    await releaseDedication(actor, pool.id);
    await settled(before);
    expect(dedicatedTo(await node('gpu-l40s-02'))).toEqual({ label: null, pool: null, taint: null });
    expect(dedicatedTo(await node('gpu-h100-01')).label).toBe('blue');
  });

  it('drops a node that is deleted from the dedication it was in', async () => {
    const blue = (await listDedications()).find((d) => d.target === 'gpu-h100-01')!;
    await releaseDedication(actor, blue.id);
    await waitFor('cache sees the release', async () => !(await getClusterObjects()).nodes.find((n) => n.metadata.name === 'gpu-h100-01')?.metadata.labels?.[DEDICATED_KEY]);
    const row = await dedicate(actor, { targetKind: 'pool', target: 'burst', tenant: 'green' });
    expect(row.nodes).toEqual(['gpu-h100-01', 'gpu-l40s-02']);
    const gone = await getKubeClient().request('DELETE', '/api/v1/nodes/gpu-h100-01');
    expect(gone.status).toBeLessThan(300);
    await waitFor('row forgets the deleted node', async () => (await listDedications()).find((d) => d.target === 'burst')?.nodes.length === 1);
    expect((await listDedications()).find((d) => d.target === 'burst')!.nodes).toEqual(['gpu-l40s-02']);
    const left = await auditEventsOf({ action: 'gpu.dedication.node-left', targetId: 'burst' });
    expect(left[0]).toMatchObject({ before: { node: 'gpu-h100-01', tenant: 'green' }, after: { reason: 'the node is gone' } });
  });
});
