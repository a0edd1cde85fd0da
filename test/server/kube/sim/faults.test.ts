import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimHarness, apiError, eventually, startHarness } from './helpers';

let h: SimHarness;
beforeAll(async () => {
  h = await startHarness({ timeoutHoldMs: 400 });
});
afterAll(async () => {
  await h.sim.close();
});

describe('fault injection', () => {
  it('failNext answers the next requests with 500 InternalError', async () => {
    h.sim.faults.failNext(2, 'error500');
    const a = await apiError(h.core.listNode());
    expect(a.code).toBe(500);
    expect(a.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'InternalError', code: 500, message: 'Internal error occurred: etcdserver: request timed out' });
    expect((await apiError(h.core.readNamespace({ name: 'default' }))).code).toBe(500);
    expect((await h.core.readNamespace({ name: 'default' })).metadata?.name).toBe('default');
  });

  it('throttle429 sends TooManyRequests with Retry-After', async () => {
    h.sim.faults.failNext(1, 'throttle429');
    const res = await h.raw('GET', '/api/v1/namespaces');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 1 }, code: 429 });
  });

  it('timeout holds the request until the client gives up', async () => {
    h.sim.faults.failNext(1, 'timeout');
    const started = Date.now();
    await expect(fetch(`${h.sim.url}/api/v1/namespaces`, { signal: AbortSignal.timeout(150) })).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    // a client that waits longer gets the server's 504 after the bound
    h.sim.faults.failNext(1, 'timeout');
    const res = await h.raw('GET', '/api/v1/namespaces');
    expect(res.status).toBe(504);
    expect(res.body.reason).toBe('Timeout');
  });

  it('leaves watches alone unless asked', async () => {
    h.sim.faults.failNext(1, 'error500');
    const watchRes = await fetch(`${h.sim.url}/api/v1/namespaces?watch=true&timeoutSeconds=1`);
    expect(watchRes.status).toBe(200);
    await watchRes.body?.cancel();
    expect((await h.raw('GET', '/api/v1/namespaces')).status).toBe(500);
    h.sim.faults.failNext(1, 'error500', { includeWatches: true });
    expect((await fetch(`${h.sim.url}/api/v1/namespaces?watch=true`)).status).toBe(500);
  });

  it('failRate fails about that share of requests with a seeded PRNG, and clear stops it', async () => {
    h.sim.faults.failRate(0.5, ['error500', 'throttle429']);
    const codes: number[] = [];
    for (let i = 0; i < 80; i++) codes.push((await h.raw('GET', '/api/v1/namespaces/default')).status);
    h.sim.faults.clear();
    const failed = codes.filter((c) => c !== 200);
    expect(failed.length).toBeGreaterThan(20);
    expect(failed.length).toBeLessThan(60);
    expect(new Set(failed)).toEqual(new Set([500, 429]));
    expect((await h.raw('GET', '/api/v1/namespaces/default')).status).toBe(200);
  });

  it('dropWatches ends every open watch stream', async () => {
    let ended = 0;
    const w = new k8s.Watch(h.kc);
    await w.watch('/api/v1/namespaces', {}, () => {}, () => ended++);
    await w.watch('/api/v1/nodes', {}, () => {}, () => ended++);
    h.sim.faults.dropWatches();
    await eventually(() => ended === 2);
  });

  it('counts requests by verb', async () => {
    const before = h.sim.stats();
    await h.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'counted' } } });
    await h.core.readNamespacedConfigMap({ namespace: 'default', name: 'counted' });
    await h.core.listNamespacedConfigMap({ namespace: 'default' });
    await h.core.deleteNamespacedConfigMap({ namespace: 'default', name: 'counted' });
    const after = h.sim.stats();
    expect(after.requests - before.requests).toBe(4);
    expect(after.writes - before.writes).toBe(2);
    for (const verb of ['create', 'get', 'list', 'delete']) expect((after.byVerb[verb] ?? 0) - (before.byVerb[verb] ?? 0)).toBe(1);
  });

  it('close ends held requests and watches', async () => {
    const other = await startHarness({ timeoutHoldMs: 30_000 });
    other.sim.faults.failNext(1, 'timeout');
    const held = fetch(`${other.sim.url}/api/v1/namespaces`).then(() => 'answered', () => 'closed');
    const watch = await fetch(`${other.sim.url}/api/v1/namespaces?watch=true`);
    const reading = watch.body!.getReader();
    const drained = (async () => {
      for (;;) if ((await reading.read()).done) return 'ended';
    })();
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await other.sim.close();
    expect(await held).toBe('closed');
    expect(await drained).toBe('ended');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
