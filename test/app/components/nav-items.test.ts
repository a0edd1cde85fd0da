import { describe, expect, it } from 'vitest';
import { navItems, navState } from '~/components/nav-items';

const current = (pathname: string) => [...navState(navItems, pathname)].filter(([, s]) => s === 'page').map(([to]) => to);

describe('navState', () => {
  it('marks only the sub-page as the current page, and its parent as the section', () => {
    for (const sub of ['/gpus/allocation', '/gpus/pools', '/gpus/planner']) {
      const state = navState(navItems, sub);
      expect(current(sub)).toEqual([sub]);
      expect(state.get('/gpus')).toBe('section');
    }
  });

  it('marks a section entry as the page on its own page and on pages below it without an entry', () => {
    expect(current('/gpus')).toEqual(['/gpus']);
    expect(current('/gpus/gpu-a100-mig-01')).toEqual(['/gpus']);
    expect(current('/models/llama/versions/new')).toEqual(['/models']);
    expect(navState(navItems, '/gpus').get('/gpus/pools')).toBeUndefined();
  });

  it('matches whole path segments and the overview only on /', () => {
    expect(current('/')).toEqual(['/']);
    expect(current('/gpusx')).toEqual([]);
    expect(navState(navItems, '/cluster').has('/')).toBe(false);
    expect(current('/account/tokens')).toEqual([]);
  });
});
