import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../../server/kube/controller/work-queue';

describe('WorkQueue', () => {
  it('deduplicates a key added many times while waiting', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.length).toBe(0);
  });

  it('never hands one key to two workers: a re-add during processing waits for done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    const pending = q.get().then((k) => (second = k));
    await new Promise((r) => setTimeout(r, 10));
    expect(second).toBeUndefined();
    q.done(first!);
    await pending;
    expect(second).toBe('a');
  });

  it('hands a key added after get() started waiting straight to that waiter', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.add('x');
    expect(await pending).toBe('x');
    expect(q.inFlight).toBe(1);
  });

  it('addAfter keeps the earliest of two delays for a key', async () => {
    const q = new WorkQueue();
    q.addAfter('k', 500);
    q.addAfter('k', 20);
    expect(q.delayedCount).toBe(1);
    const started = Date.now();
    expect(await q.get()).toBe('k');
    expect(Date.now() - started).toBeLessThan(400);
  });

  it('addRateLimited backs off exponentially per key and forget resets it', () => {
    const q = new WorkQueue({ baseMs: 100, maxMs: 10_000, random: () => 0.999 });
    const d1 = q.addRateLimited('k');
    const d2 = q.addRateLimited('k');
    const d3 = q.addRateLimited('k');
    expect(d1).toBeLessThanOrEqual(100);
    expect(d2).toBeGreaterThan(d1);
    expect(d3).toBeGreaterThan(d2);
    expect(q.failures('k')).toBe(3);
    q.forget('k');
    expect(q.failures('k')).toBe(0);
    q.shutDown();
  });

  it('shutDown releases waiting workers with undefined and refuses new keys', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    expect(await pending).toBeUndefined();
    q.add('a');
    expect(q.length).toBe(0);
    expect(await q.get()).toBeUndefined();
  });
});
