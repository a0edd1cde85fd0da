import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../../server/kube/controller/rate-limiter';

describe('TokenBucket', () => {
  it('allows a burst, then paces callers at qps', async () => {
    const bucket = new TokenBucket(50, 5);
    const started = performance.now();
    await Promise.all(Array.from({ length: 15 }, () => bucket.take()));
    const elapsed = performance.now() - started;
    // 5 immediately, 10 more at 50/s = 200 ms.
    expect(elapsed).toBeGreaterThanOrEqual(180);
    expect(elapsed).toBeLessThan(1000);
    expect(bucket.throttled).toBe(10);
  });

  it('refills with a fake clock and never saves more than the burst', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
    now = 100;
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    now = 100_000;
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, true, false]);
  });

  it('serves waiters in arrival order', async () => {
    const bucket = new TokenBucket(100, 1);
    await bucket.take();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([1, 2, 3]);
  });

  it('rejects waiters when closed', async () => {
    const bucket = new TokenBucket(1, 1);
    await bucket.take();
    const waiting = bucket.take();
    bucket.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBucket(0, 1)).toThrow(RangeError);
  });
});
