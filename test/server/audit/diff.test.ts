import { describe, expect, it } from 'vitest';
import { diffJson } from '../../../server/audit';

describe('diffJson', () => {
  it('lists changed, added and removed leaves before unchanged ones', () => {
    expect(diffJson({ name: 'a', roles: ['x', 'y'], keep: 1 }, { name: 'b', roles: ['x'], extra: { on: true }, keep: 1 })).toEqual([
      { path: 'name', change: 'changed', before: '"a"', after: '"b"' },
      { path: 'roles[1]', change: 'removed', before: '"y"' },
      { path: 'extra.on', change: 'added', after: 'true' },
      { path: 'roles[0]', change: 'unchanged', before: '"x"', after: '"x"' },
      { path: 'keep', change: 'unchanged', before: '1', after: '1' },
    ]);
  });

  it('shows a created thing as all added and a deleted one as all removed', () => {
    expect(diffJson(null, { a: 1 })).toEqual([{ path: 'a', change: 'added', after: '1' }]);
    expect(diffJson({ a: 1 }, null)).toEqual([{ path: 'a', change: 'removed', before: '1' }]);
    expect(diffJson(null, null)).toEqual([]);
  });

  it('handles scalars, empty containers and keys that are not identifiers', () => {
    expect(diffJson('old', 'new')).toEqual([{ path: '', change: 'changed', before: '"old"', after: '"new"' }]);
    expect(diffJson({ 'app.kubernetes.io/name': 'x', list: [] }, { 'app.kubernetes.io/name': 'x', list: [1] })).toEqual([
      { path: 'list', change: 'removed', before: '[]' },
      { path: 'list[0]', change: 'added', after: '1' },
      { path: '["app.kubernetes.io/name"]', change: 'unchanged', before: '"x"', after: '"x"' },
    ]);
  });
});
