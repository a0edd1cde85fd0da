import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, eventually, mergePatch, startHarness, type Wire } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness({ bookmarkIntervalMs: 50, watchHistory: 20 });
  await h.core.createNamespace({ body: { metadata: { name: 'w' } } });
});
afterAll(async () => {
  await h.sim.close();
});

interface Seen { type: string; obj: Wire }

async function watch(path: string, query: Record<string, string | number | boolean | undefined>) {
  const seen: Seen[] = [];
  let done: unknown = 'open';
  const controller = await new k8s.Watch(h.kc).watch(path, query, (type, obj) => seen.push({ type, obj }), (err) => {
    done = err ?? null;
  });
  return { seen, controller, done: () => done };
}

describe('watch', () => {
  it('resumes from a resourceVersion and streams ADDED, MODIFIED, DELETED', async () => {
    const list = await h.core.listNamespacedConfigMap({ namespace: 'w' });
    const w = await watch('/api/v1/namespaces/w/configmaps', { resourceVersion: list.metadata!.resourceVersion });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'a' }, data: { v: '1' } } });
    await h.core.patchNamespacedConfigMap({ namespace: 'w', name: 'a', body: { data: { v: '2' } } }, mergePatch);
    await h.core.deleteNamespacedConfigMap({ namespace: 'w', name: 'a' });
    await eventually(() => w.seen.length >= 3);
    expect(w.seen.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(w.seen[1]!.obj.data.v).toBe('2');
    const rvs = w.seen.map((e) => Number(e.obj.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(w.seen[0]!.obj.kind).toBe('ConfigMap');
    w.controller.abort();
  });

  it('replays missed events when resuming from an older resourceVersion', async () => {
    const list = await h.core.listNamespacedConfigMap({ namespace: 'w' });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'missed' } } });
    const w = await watch('/api/v1/namespaces/w/configmaps', { resourceVersion: list.metadata!.resourceVersion });
    await eventually(() => w.seen.length >= 1);
    expect(w.seen[0]).toMatchObject({ type: 'ADDED', obj: { metadata: { name: 'missed' } } });
    w.controller.abort();
  });

  it('starts with synthetic ADDED events when no resourceVersion is given', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps', {});
    await eventually(() => w.seen.some((e) => e.obj.metadata.name === 'missed'));
    expect(w.seen.every((e) => e.type === 'ADDED')).toBe(true);
    w.controller.abort();
  });

  it('answers a resourceVersion older than the kept history with ERROR 410 Expired and closes', async () => {
    const list = await h.core.listNamespacedSecret({ namespace: 'w' });
    for (let i = 0; i < 25; i++) await h.core.createNamespacedSecret({ namespace: 'w', body: { metadata: { name: `s-${i}` } } });
    const w = await watch('/api/v1/namespaces/w/secrets', { resourceVersion: list.metadata!.resourceVersion });
    await eventually(() => w.done() !== 'open');
    expect(w.seen).toHaveLength(1);
    expect(w.seen[0]!.type).toBe('ERROR');
    expect(w.seen[0]!.obj).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410 });
    expect(w.seen[0]!.obj.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('sends bookmarks with the current resourceVersion when asked', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps', { allowWatchBookmarks: true, resourceVersion: (await h.core.listNamespacedConfigMap({ namespace: 'w' })).metadata!.resourceVersion });
    await eventually(() => w.seen.some((e) => e.type === 'BOOKMARK'));
    const b = w.seen.find((e) => e.type === 'BOOKMARK')!;
    expect(b.obj).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(Object.keys(b.obj.metadata)).toEqual(['resourceVersion']);
    w.controller.abort();
  });

  it('marks the end of initial events with sendInitialEvents', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps', { allowWatchBookmarks: true, sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' });
    await eventually(() => w.seen.some((e) => e.type === 'BOOKMARK'));
    const i = w.seen.findIndex((e) => e.type === 'BOOKMARK');
    expect(w.seen[i]!.obj.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(w.seen.slice(0, i).every((e) => e.type === 'ADDED')).toBe(true);
    w.controller.abort();
  });

  it('honours timeoutSeconds by ending the stream', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps', { timeoutSeconds: 1, resourceVersion: (await h.core.listNamespacedConfigMap({ namespace: 'w' })).metadata!.resourceVersion });
    const started = Date.now();
    await eventually(() => w.done() !== 'open', 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('filters by label selector and reports objects leaving it as DELETED', async () => {
    const w = await watch('/api/v1/namespaces/w/configmaps', { labelSelector: 'tier=model', resourceVersion: (await h.core.listNamespacedConfigMap({ namespace: 'w' })).metadata!.resourceVersion });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'other' } } });
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'sel', labels: { tier: 'model' } } } });
    await h.core.patchNamespacedConfigMap({ namespace: 'w', name: 'sel', body: { metadata: { labels: { tier: 'guard' } } } }, mergePatch);
    await h.core.patchNamespacedConfigMap({ namespace: 'w', name: 'sel', body: { metadata: { labels: { tier: 'model' } } } }, mergePatch);
    await eventually(() => w.seen.length >= 3);
    expect(w.seen.map((e) => `${e.type} ${e.obj.metadata.name}`)).toEqual(['ADDED sel', 'DELETED sel', 'ADDED sel']);
    w.controller.abort();
  });

  it('filters by field selector (pods on a node)', async () => {
    const w = await watch('/api/v1/pods', { fieldSelector: 'spec.nodeName=cpu-01', resourceVersion: (await h.core.listPodForAllNamespaces()).metadata!.resourceVersion });
    await h.core.createNamespacedPod({ namespace: 'w', body: { metadata: { name: 'pinned' }, spec: { nodeName: 'cpu-01', containers: [{ name: 'c', image: 'busybox:1.36' }] } } });
    await h.core.createNamespacedPod({ namespace: 'w', body: { metadata: { name: 'elsewhere' }, spec: { nodeName: 'cpu-02', containers: [{ name: 'c', image: 'busybox:1.36' }] } } });
    await eventually(() => w.seen.some((e) => e.obj.status?.phase === 'Running'));
    expect(new Set(w.seen.map((e) => e.obj.metadata.name))).toEqual(new Set(['pinned']));
    w.controller.abort();
  });

  it('keeps an informer consistent across dropped watches and a 410 relist', async () => {
    const informer = k8s.makeInformer(h.kc, '/api/v1/namespaces/w/configmaps', () => h.core.listNamespacedConfigMap({ namespace: 'w' }));
    const names = new Set<string>();
    let errors = 0;
    informer.on('add', (o) => names.add(o.metadata!.name!));
    informer.on('error', () => {
      errors++;
      setTimeout(() => void informer.start(), 300);
    });
    await informer.start();
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'before-drop' } } });
    await eventually(() => names.has('before-drop'));
    // the informer re-watches at once from its last resourceVersion
    h.sim.faults.dropWatches();
    await h.core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: 'after-drop' } } });
    await eventually(() => names.has('after-drop'), 5000, 'informer to see the object created after the drop');
    // now make the re-watch fail, and let more changes happen than the history keeps (20)
    h.sim.faults.failNext(1, 'error500', { includeWatches: true });
    h.sim.faults.dropWatches();
    await eventually(() => errors === 1, 3000, 'the re-watch to fail');
    for (let i = 0; i < 25; i++) await h.core.createNamespacedConfigMap({ namespace: 'w', body: { metadata: { name: `burst-${i}` } } });
    await eventually(() => names.has('burst-24') && names.has('burst-0'), 5000, 'informer to relist after 410');
    expect(errors).toBe(1);
    await informer.stop();
  });
});
