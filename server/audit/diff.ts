/** One leaf of a before/after comparison; values are JSON text, absent when the side lacks the path. */
export interface JsonDiffEntry {
  /** `user.roles[1]`; empty for a value that is not an object or array. */
  path: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  before?: string;
  after?: string;
}

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

function isEmptyContainer(value: unknown): boolean {
  return isContainer(value) && Object.keys(value).length === 0;
}

const identifier = /^[A-Za-z_$][\w$-]*$/;

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (identifier.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Leaves of a JSON value by path; empty objects and arrays count as leaves. */
function flatten(value: unknown, path: string, out: Map<string, unknown>): void {
  if (isContainer(value) && !isEmptyContainer(value)) {
    if (Array.isArray(value)) value.forEach((v, i) => flatten(v, childPath(path, i), out));
    else for (const [k, v] of Object.entries(value)) flatten(v, childPath(path, k), out);
    return;
  }
  out.set(path, value);
}

/**
 * Compares two JSON values leaf by leaf, so an event's before/after reads as "what
 * changed" instead of two blobs. null/undefined on a whole side means "did not exist".
 */
export function diffJson(before: unknown, after: unknown): JsonDiffEntry[] {
  const left = new Map<string, unknown>();
  const right = new Map<string, unknown>();
  if (before !== null && before !== undefined) flatten(before, '', left);
  if (after !== null && after !== undefined) flatten(after, '', right);
  const paths = [...new Set([...left.keys(), ...right.keys()])];
  const order = new Map(paths.map((p, i) => [p, i]));
  // Keep document order, but show what changed before what stayed the same.
  const rank = { changed: 0, added: 0, removed: 0, unchanged: 1 } as const;
  const entries = paths.map((path): JsonDiffEntry => {
    const inLeft = left.has(path);
    const inRight = right.has(path);
    const b = inLeft ? JSON.stringify(left.get(path)) : undefined;
    const a = inRight ? JSON.stringify(right.get(path)) : undefined;
    const change = !inLeft ? 'added' : !inRight ? 'removed' : a === b ? 'unchanged' : 'changed';
    return { path, change, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) };
  });
  return entries.sort((x, y) => rank[x.change] - rank[y.change] || order.get(x.path)! - order.get(y.path)!);
}
