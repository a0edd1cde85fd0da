import { ApiError, badRequest } from './errors';
import { listSemantics } from './schema';
import { clone, deepEqual, isPlainObject } from './types';

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete result[k];
    else result[k] = mergePatch(result[k], v);
  }
  return result;
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => !(isPlainObject(x) && x.$patch !== undefined && Object.keys(x).length === 1)).map(stripDirectives);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x === null) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}

/**
 * Strategic merge patch for the built-in kinds: maps merge, lists with a patchMergeKey
 * (containers by name, ports by containerPort, env by name …) merge by that key, other
 * lists are replaced; supports $patch (replace/delete/merge), $retainKeys,
 * $deleteFromPrimitiveList and $setElementOrder.
 */
export function strategicMergePatch(kind: string, original: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isPlainObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'replace') return stripDirectives(patch);
  if (directive === 'delete') return undefined;
  if (directive !== undefined && directive !== 'merge') throw badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);
  const result: Record<string, unknown> = isPlainObject(original) ? { ...original } : {};
  const orders: Array<[string, unknown[]]> = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (Array.isArray(v)) orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const current = result[field];
      if (Array.isArray(current) && Array.isArray(v)) result[field] = current.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete result[k];
    } else if (Array.isArray(v)) {
      result[k] = mergeList(kind, result[k], v, [...path, k]);
    } else if (isPlainObject(v)) {
      const merged = strategicMergePatch(kind, result[k], v, [...path, k]);
      if (merged === undefined) delete result[k];
      else result[k] = merged;
    } else {
      result[k] = v;
    }
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(result)) if (!keep.has(k)) delete result[k];
  }
  for (const [field, order] of orders) {
    const sem = listSemantics(kind, [...path, field]);
    const list = result[field];
    if (sem.type !== 'map' || !Array.isArray(list)) continue;
    const key = sem.mergeKey;
    const rank = (x: unknown) => {
      const i = order.findIndex((o) => isPlainObject(o) && isPlainObject(x) && deepEqual(o[key], x[key]));
      return i < 0 ? order.length : i;
    };
    result[field] = [...list].sort((a, b) => rank(a) - rank(b));
  }
  return result;
}

function mergeList(kind: string, original: unknown, patch: unknown[], path: string[]): unknown[] {
  const sem = listSemantics(kind, path);
  const orig = Array.isArray(original) ? original : [];
  if (sem.type === 'set') {
    const out = [...orig];
    for (const x of patch) if (!out.some((o) => deepEqual(o, x))) out.push(x);
    return out;
  }
  if (sem.type !== 'map') return stripDirectives(patch) as unknown[];
  if (patch.some((x) => isPlainObject(x) && x.$patch === 'replace')) {
    return patch.filter((x) => !(isPlainObject(x) && x.$patch === 'replace')).map(stripDirectives);
  }
  const key = sem.mergeKey;
  const out = [...orig];
  for (const item of patch) {
    if (!isPlainObject(item)) {
      out.push(item);
      continue;
    }
    if (item[key] === undefined) throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    const idx = out.findIndex((o) => isPlainObject(o) && deepEqual(o[key], item[key]));
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = strategicMergePatch(kind, out[idx], item, path);
    else out.push(strategicMergePatch(kind, undefined, item, path));
  }
  return out;
}

function jsonPatchError(message: string): ApiError {
  return new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request',
    { causes: [{ reason: 'UnexpectedServerResponse', message }] });
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw jsonPatchError(`invalid JSON pointer: ${pointer}`);
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function resolveParent(doc: unknown, parts: string[], op: string, pointer: string): [Container, string] {
  let cur: unknown = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isPlainObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined || cur === null) throw jsonPatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  if (!Array.isArray(cur) && !isPlainObject(cur)) throw jsonPatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  return [cur, parts[parts.length - 1]!];
}

function getAt(doc: unknown, pointer: string, op: string): unknown {
  let cur: unknown = doc;
  for (const p of parsePointer(pointer)) {
    if (Array.isArray(cur)) cur = cur[Number(p)];
    else if (isPlainObject(cur)) cur = cur[p];
    else cur = undefined;
    if (cur === undefined) throw jsonPatchError(`${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
  }
  return cur;
}

function arrayIndex(arr: unknown[], key: string, op: string, pointer: string, forInsert: boolean): number {
  if (key === '-' && forInsert) return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(key)) throw jsonPatchError(`${op} operation does not apply: doc is missing path: "${pointer}": invalid index`);
  const i = Number(key);
  if (i > arr.length || (!forInsert && i === arr.length)) throw jsonPatchError(`${op} operation does not apply: doc is missing path: "${pointer}": index out of bounds`);
  return i;
}

/** RFC 6902 JSON patch. */
export function jsonPatch(document: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  const doc = clone(document);
  const root = { doc } as Record<string, unknown>;
  const wrap = (p: string) => ['doc', ...parsePointer(p)];
  const setAt = (parts: string[], value: unknown, op: string, pointer: string, insert: boolean) => {
    const [parent, key] = resolveParent(root, parts, op, pointer);
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, op, pointer, true), insert ? 0 : 1, value);
    else parent[key] = value;
  };
  const removeAt = (parts: string[], op: string, pointer: string): unknown => {
    const [parent, key] = resolveParent(root, parts, op, pointer);
    if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, op, pointer, false), 1)[0];
    if (!(key in parent)) throw jsonPatchError(`${op} operation does not apply: doc is missing key: ${pointer}: missing value`);
    const v = parent[key];
    delete parent[key];
    return v;
  };
  for (const raw of ops) {
    if (!isPlainObject(raw)) throw badRequest('invalid JSON patch operation');
    const op = String(raw.op ?? '');
    const path = String(raw.path ?? '');
    switch (op) {
      case 'add':
        if (!('value' in raw)) throw jsonPatchError('add operation does not apply: missing value');
        if (path === '') root.doc = clone(raw.value);
        else setAt(wrap(path), clone(raw.value), op, path, true);
        break;
      case 'remove':
        removeAt(wrap(path), op, path);
        break;
      case 'replace': {
        if (path === '') {
          root.doc = clone(raw.value);
          break;
        }
        const parts = wrap(path);
        const [parent, key] = resolveParent(root, parts, op, path);
        if (Array.isArray(parent)) parent[arrayIndex(parent, key, op, path, false)] = clone(raw.value);
        else {
          if (!(key in parent)) throw jsonPatchError(`replace operation does not apply: doc is missing key: ${path}: missing value`);
          parent[key] = clone(raw.value);
        }
        break;
      }
      case 'move': {
        const from = String(raw.from ?? '');
        const v = removeAt(wrap(from), op, from);
        setAt(wrap(path), v, op, path, true);
        break;
      }
      case 'copy': {
        const from = String(raw.from ?? '');
        setAt(wrap(path), clone(getAt(root.doc, from, op)), op, path, true);
        break;
      }
      case 'test': {
        let actual: unknown;
        try {
          actual = getAt(root.doc, path, op);
        } catch {
          actual = undefined;
        }
        if (!deepEqual(actual, raw.value)) throw jsonPatchError(`testing value ${path} failed: test failed`);
        break;
      }
      default:
        throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return root.doc;
}
