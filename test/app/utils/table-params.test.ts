import { describe, expect, it } from 'vitest';
import { hasFilters, readFilters, readPage, readSort, sortValue, withParams } from '~/utils/table-params';

const p = (query: string) => new URLSearchParams(query);

describe('readSort', () => {
  const fallback = { id: 'name', desc: false };
  it('reads `col` as ascending and `-col` as descending', () => {
    expect(readSort(p('sort=size'), ['name', 'size'], fallback)).toEqual({ id: 'size', desc: false });
    expect(readSort(p('sort=-size'), ['name', 'size'], fallback)).toEqual({ id: 'size', desc: true });
    expect(sortValue({ id: 'size', desc: true })).toBe('-size');
  });

  it('falls back for a missing or unknown column (a hand-edited URL cannot sort by anything)', () => {
    expect(readSort(p(''), ['name'], fallback)).toBe(fallback);
    expect(readSort(p('sort=password_hash'), ['name'], fallback)).toBe(fallback);
    expect(readSort(p('sort=-'), ['name'], fallback)).toBe(fallback);
  });
});

describe('readPage', () => {
  it('reads positive whole numbers and treats anything else as page 1', () => {
    expect(readPage(p('page=4'))).toBe(4);
    for (const bad of ['page=0', 'page=-2', 'page=1.5', 'page=abc', '']) expect(readPage(p(bad))).toBe(1);
  });
});

describe('readFilters / hasFilters', () => {
  it('trims values and reports whether any filter is set', () => {
    expect(readFilters(p('q=%20bob%20&x=1'), ['q', 'role'] as const)).toEqual({ q: 'bob', role: '' });
    expect(hasFilters(p('q=%20%20&page=2'), ['q'])).toBe(false);
    expect(hasFilters(p('role=admin'), ['q', 'role'])).toBe(true);
  });
});

describe('withParams', () => {
  it('drops, then patches, and leaves out empty params', () => {
    expect(withParams(p('q=a&before=9&sort=-t'), { after: 12 }, ['before', 'after'])).toBe('?q=a&sort=-t&after=12');
    expect(withParams(p('q=a&empty='), { q: null })).toBe('');
    expect(withParams(p('q=a'), { q: '' })).toBe('');
  });

  it('encodes values', () => {
    expect(withParams(p(''), { actor: 'a&b c' })).toBe('?actor=a%26b+c');
  });
});
