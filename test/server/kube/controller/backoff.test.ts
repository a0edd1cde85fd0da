import { describe, expect, it } from 'vitest';
import { KeyedBackoff, backoffDelay } from '../../../../server/kube/controller/backoff';

describe('backoffDelay', () => {
  it('doubles per attempt with jitter between half and the full step', () => {
    const low = (n: number) => backoffDelay(n, { baseMs: 100, maxMs: 100_000, random: () => 0 });
    const high = (n: number) => backoffDelay(n, { baseMs: 100, maxMs: 100_000, random: () => 0.9999 });
    expect([low(0), low(1), low(2), low(3)]).toEqual([50, 100, 200, 400]);
    expect([high(0), high(1), high(2)]).toEqual([100, 200, 400]);
  });

  it('never exceeds the cap, even for huge attempt numbers', () => {
    for (const n of [10, 40, 1000]) {
      const d = backoffDelay(n, { baseMs: 200, maxMs: 5_000, random: () => 0.9999 });
      expect(d).toBeLessThanOrEqual(5_000);
      expect(d).toBeGreaterThanOrEqual(2_500);
    }
  });

  it('spreads concurrent retries apart (jitter is real)', () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(5, { baseMs: 100, maxMs: 60_000 })));
    expect(delays.size).toBeGreaterThan(10);
  });
});

describe('KeyedBackoff', () => {
  it('tracks keys independently', () => {
    const b = new KeyedBackoff({ baseMs: 100, maxMs: 10_000, random: () => 0 });
    b.next('a');
    b.next('a');
    expect(b.next('b')).toBe(50);
    expect(b.attempts('a')).toBe(2);
  });
});
