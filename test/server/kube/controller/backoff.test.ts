import { describe, expect, it } from 'vitest';
import { KeyedBackoff } from '../../../../server/kube/controller/backoff';

describe('KeyedBackoff', () => {
  it('tracks keys independently', () => {
    const b = new KeyedBackoff({ baseMs: 100, maxMs: 10_000, random: () => 0 });
    b.next('a');
    b.next('a');
    expect(b.next('b')).toBe(50);
    expect(b.attempts('a')).toBe(2);
  });
});
