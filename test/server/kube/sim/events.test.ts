import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, eventually, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness({ eventTtlMs: 1500 });
  await h.core.createNamespace({ body: { metadata: { name: 'evt' } } });
});
afterAll(async () => {
  await h.sim.close();
});

describe('events and kubelets', () => {
  it('counts a repeated event up instead of writing a new one, and expires events after the TTL', async () => {
    await h.core.createNamespacedPod({ namespace: 'evt', body: { metadata: { name: 'stuck' }, spec: { containers: [{ name: 'c', image: 'i:1', resources: { limits: { 'nvidia.com/gpu': '99' } } }] } } });
    const first = await eventually(async () => (await h.core.listNamespacedEvent({ namespace: 'evt', fieldSelector: 'involvedObject.name=stuck' })).items[0]);
    expect(first).toMatchObject({ reason: 'FailedScheduling', type: 'Warning', count: 1, reportingComponent: 'default-scheduler', source: { component: 'default-scheduler' } });
    expect(first.metadata?.name).toMatch(/^stuck\.[0-9a-f]{16}$/);
    // a node change makes the scheduler retry; the same message counts up
    await h.core.patchNode({ name: 'cpu-01', body: { metadata: { labels: { touched: 'yes' } } } }, (await import('./helpers')).mergePatch);
    await eventually(async () => {
      const all = (await h.core.listNamespacedEvent({ namespace: 'evt', fieldSelector: 'involvedObject.name=stuck' })).items;
      return all.length === 1 && (all[0]!.count ?? 0) >= 2;
    }, 3000, 'count to go up');
    await eventually(async () => (await h.core.listNamespacedEvent({ namespace: 'evt', fieldSelector: 'involvedObject.name=stuck' })).items.length === 0, 5000, 'event expiry');
  });

  it('leaves a pod bound to a node that does not exist Pending, as no kubelet runs it', async () => {
    await h.core.createNamespacedPod({ namespace: 'evt', body: { metadata: { name: 'orphan' }, spec: { nodeName: 'no-such-node', containers: [{ name: 'c', image: 'i:1' }] } } });
    await new Promise((r) => setTimeout(r, 200));
    const p = await h.core.readNamespacedPod({ namespace: 'evt', name: 'orphan' });
    expect(p.status?.phase).toBe('Pending');
    expect(p.status?.startTime).toBeUndefined();
  });

  it('watches a single object by name', async () => {
    const res = await fetch(`${h.sim.url}/api/v1/namespaces/evt/pods/orphan?watch=true&timeoutSeconds=1`);
    const text = await res.text();
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'orphan' } } });
  });
});
