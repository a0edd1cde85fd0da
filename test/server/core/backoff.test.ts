import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../../server/core/backoff';

describe('backoffDelay', () => {
  const policy = { baseMs: 100, maxMs: 100_000 };

  it('doubles per retry, between half and all of the step', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, policy, () => 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2].map((n) => backoffDelay(n, policy, () => 0.9999))).toEqual([100, 200, 400]);
  });

  it('never exceeds the cap, even for huge retry numbers', () => {
    for (const n of [10, 40, 1000, Number.MAX_SAFE_INTEGER]) {
      const d = backoffDelay(n, { baseMs: 200, maxMs: 5_000 }, () => 0.9999);
      expect(d).toBeLessThanOrEqual(5_000);
      expect(d).toBeGreaterThanOrEqual(2_500);
    }
    expect(backoffDelay(-3, policy, () => 0)).toBe(50);
  });

  it('spreads retries that failed together apart (the jitter is real)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, { baseMs: 100, maxMs: 60_000 })));
    expect(delays.size).toBeGreaterThan(10);
    for (const d of delays) expect(d).toBeGreaterThanOrEqual(1_600);
  });
});
