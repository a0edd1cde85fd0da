import { type ResourceType, apiVersionOf } from './resources';
import { listSemantics } from './schema';
import { type JsonMap, type KubeObject, type ManagedFieldsEntry, clone, deepEqual, isPlainObject } from './types';

/** A set of field paths as a tree, the shape of FieldsV1 ("f:spec" → "f:replicas" → {}). */
export type FieldSet = Map<string, FieldSet>;

const META_SKIP = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

function itemKey(keys: string[], defaults: Record<string, unknown> | undefined, item: Record<string, unknown>): string {
  const k: Record<string, unknown> = {};
  for (const name of [...keys].sort()) {
    const v = item[name] ?? defaults?.[name];
    if (v !== undefined) k[name] = v;
  }
  return `k:${JSON.stringify(k)}`;
}

function buildValue(kind: string, v: unknown, names: string[]): FieldSet {
  const fs: FieldSet = new Map();
  if (isPlainObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      fs.set(`f:${k}`, buildValue(kind, x, [...names, k]));
    }
    return fs;
  }
  if (Array.isArray(v)) {
    const sem = listSemantics(kind, names);
    if (sem.type === 'map') {
      for (const item of v) {
        if (!isPlainObject(item)) continue;
        const sub: FieldSet = new Map([['.', new Map()]]);
        for (const [k, x] of buildValue(kind, item, names)) sub.set(k, x);
        fs.set(itemKey(sem.keys, sem.defaults, item), sub);
      }
    } else if (sem.type === 'set') {
      for (const item of v) fs.set(`v:${JSON.stringify(item)}`, new Map());
    }
  }
  return fs;
}

/** The fields an object (or applied configuration) sets, scoped to the main resource or /status. */
export function fieldSetOf(t: ResourceType, obj: Record<string, unknown>, subresource: string | undefined): FieldSet {
  const scoped: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || v === undefined) continue;
    if (t.hasStatusSubresource) {
      if (subresource === 'status' ? k !== 'status' : k === 'status') continue;
    }
    if (k === 'metadata' && isPlainObject(v)) {
      const md: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v)) if (!META_SKIP.has(mk) && mv !== undefined) md[mk] = mv;
      if (Object.keys(md).length > 0) scoped.metadata = md;
      continue;
    }
    scoped[k] = v;
  }
  return buildValue(t.kind, scoped, []);
}

/** The FieldsV1 JSON of a field set. */
export function toFieldsV1(fs: FieldSet): JsonMap {
  const out: JsonMap = {};
  for (const [k, v] of fs) out[k] = toFieldsV1(v);
  return out;
}

/** A field set from FieldsV1 JSON. */
export function fromFieldsV1(json: unknown): FieldSet {
  const fs: FieldSet = new Map();
  if (isPlainObject(json)) for (const [k, v] of Object.entries(json)) fs.set(k, fromFieldsV1(v));
  return fs;
}

/** Every path to a leaf (an owned field). */
export function leaves(fs: FieldSet, prefix: string[] = [], out: string[][] = []): string[][] {
  for (const [k, v] of fs) {
    const p = [...prefix, k];
    if (v.size === 0) out.push(p);
    else leaves(v, p, out);
  }
  return out;
}

/** Whether the set owns exactly this path (a leaf). */
export function hasPath(fs: FieldSet, path: string[]): boolean {
  let cur: FieldSet | undefined = fs;
  for (const p of path) {
    cur = cur.get(p);
    if (!cur) return false;
  }
  return cur.size === 0;
}

function hasAnyUnder(fs: FieldSet, path: string[]): boolean {
  let cur: FieldSet | undefined = fs;
  for (const p of path) {
    cur = cur.get(p);
    if (!cur) return false;
  }
  return true;
}

/** Adds a leaf path to the set. */
export function addPath(fs: FieldSet, path: string[]) {
  let cur = fs;
  for (const p of path) {
    let next = cur.get(p);
    if (!next) cur.set(p, (next = new Map()));
    cur = next;
  }
}

/** Removes a leaf path and prunes parents left empty (an empty node would read as "owned"). */
export function removePath(fs: FieldSet, path: string[]): boolean {
  if (path.length === 0) return false;
  const [head, ...rest] = path;
  const child = fs.get(head!);
  if (!child) return false;
  if (rest.length === 0) {
    if (child.size !== 0) return false;
    fs.delete(head!);
    return true;
  }
  const removed = removePath(child, rest);
  if (removed && child.size === 0) fs.delete(head!);
  return removed;
}

function elementValue(container: unknown, el: string): unknown {
  if (el.startsWith('f:')) return isPlainObject(container) ? container[el.slice(2)] : undefined;
  if (!Array.isArray(container)) return undefined;
  if (el.startsWith('k:')) {
    const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
    return container.find((item) => isPlainObject(item) && Object.entries(key).every(([k, v]) =>
      deepEqual(item[k] ?? (k === 'protocol' ? 'TCP' : undefined), v)));
  }
  if (el.startsWith('v:')) {
    const v = JSON.parse(el.slice(2)) as unknown;
    return container.some((x) => deepEqual(x, v)) ? v : undefined;
  }
  return undefined;
}

/** The value at a field path, or undefined. */
export function valueAt(obj: unknown, path: string[]): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el === '.') return cur;
    cur = elementValue(cur, el);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Removes the value at a field path from a (mutable, cloned) object. */
function removeAt(obj: unknown, path: string[]) {
  const p = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  if (p.length === 0) return;
  const parent = valueAt(obj, p.slice(0, -1));
  const el = p[p.length - 1]!;
  if (el.startsWith('f:')) {
    if (isPlainObject(parent)) delete parent[el.slice(2)];
  } else if (Array.isArray(parent)) {
    const item = elementValue(parent, el);
    if (item !== undefined) {
      const idx = el.startsWith('v:') ? parent.findIndex((x) => deepEqual(x, item)) : parent.indexOf(item);
      if (idx >= 0) parent.splice(idx, 1);
    }
  }
}

/** ".spec.template.spec.containers[name=\"app\"].image": how conflicts name a field. */
export function pathString(path: string[]): string {
  let s = '';
  for (const el of path) {
    if (el === '.') continue;
    if (el.startsWith('f:')) s += `.${el.slice(2)}`;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(el.slice(2)) as Record<string, unknown>;
      s += `[${Object.entries(key).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (el.startsWith('v:')) s += `[=${el.slice(2)}]`;
  }
  return s;
}

interface Entry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  set: FieldSet;
}

function parseEntries(md: KubeObject['metadata']): Entry[] {
  return (md.managedFields ?? []).map((e) => ({
    manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time,
    subresource: e.subresource, set: fromFieldsV1(e.fieldsV1),
  }));
}

function serializeEntries(entries: Entry[]): ManagedFieldsEntry[] {
  return entries.filter((e) => e.set.size > 0).map((e) => {
    const out: ManagedFieldsEntry = {
      manager: e.manager, operation: e.operation, apiVersion: e.apiVersion, time: e.time,
      fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(e.set),
    };
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

function sameScope(e: Entry, subresource: string | undefined) {
  return (e.subresource ?? '') === (subresource ?? '');
}

/** The current time as managedFields print it. */
export function nowTime(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Ownership after a non-apply write (create, update, patch) by `manager`: it takes the
 * fields it changed from everyone else; fields that disappeared leave every set.
 */
export function trackUpdate(t: ResourceType, oldObj: KubeObject | undefined, newObj: KubeObject, manager: string,
  subresource: string | undefined): ManagedFieldsEntry[] {
  const entries = parseEntries(newObj.metadata.managedFields ? newObj.metadata : oldObj?.metadata ?? newObj.metadata);
  const newSet = fieldSetOf(t, newObj, subresource);
  const oldSet = oldObj ? fieldSetOf(t, oldObj, subresource) : new Map() as FieldSet;
  const changed: string[][] = [];
  for (const p of leaves(newSet)) {
    if (!hasPath(oldSet, p)) changed.push(p);
    else if (p[p.length - 1] !== '.' && !deepEqual(valueAt(oldObj, p), valueAt(newObj, p))) changed.push(p);
  }
  const removed = leaves(oldSet).filter((p) => !hasPath(newSet, p));
  if (changed.length === 0 && removed.length === 0) return serializeEntries(entries);
  const apiVersion = apiVersionOf(t);
  let mine = entries.find((e) => e.manager === manager && e.operation === 'Update' && sameScope(e, subresource));
  for (const e of entries) {
    if (e === mine) continue;
    for (const p of changed) removePath(e.set, p);
    for (const p of removed) removePath(e.set, p);
  }
  if (changed.length > 0) {
    if (!mine) {
      mine = { manager, operation: 'Update', apiVersion, time: nowTime(), subresource, set: new Map() };
      entries.push(mine);
    }
    for (const p of changed) addPath(mine.set, p);
    mine.time = nowTime();
  }
  if (mine) for (const p of removed) removePath(mine.set, p);
  return serializeEntries(entries);
}

function applyMergeValue(kind: string, live: unknown, applied: unknown, names: string[]): unknown {
  if (isPlainObject(applied)) {
    const result: Record<string, unknown> = isPlainObject(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete result[k];
      else result[k] = applyMergeValue(kind, result[k], v, [...names, k]);
    }
    return result;
  }
  if (Array.isArray(applied)) {
    const sem = listSemantics(kind, names);
    if (sem.type === 'map') {
      const out = Array.isArray(live) ? [...live] : [];
      for (const item of applied) {
        if (!isPlainObject(item)) continue;
        const key = itemKey(sem.keys, sem.defaults, item);
        const idx = out.findIndex((o) => isPlainObject(o) && itemKey(sem.keys, sem.defaults, o) === key);
        if (idx >= 0) out[idx] = applyMergeValue(kind, out[idx], item, names);
        else out.push(clone(item));
      }
      return out;
    }
    if (sem.type === 'set') {
      const out = Array.isArray(live) ? [...live] : [];
      for (const x of applied) if (!out.some((o) => deepEqual(o, x))) out.push(x);
      return out;
    }
    return clone(applied);
  }
  return applied;
}

export interface ApplyConflict {
  manager: string;
  field: string;
}

/** Renders the manager the way conflicts name it: `"m" using apps/v1` for Update managers. */
function managerLabel(e: Entry): string {
  let s = JSON.stringify(e.manager);
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  return s;
}

export interface ApplyPlan {
  merged: KubeObject;
  /** call after defaulting `merged`: checks conflicts, records ownership, removes dropped fields */
  finish(defaulted: KubeObject, force: boolean): { object: KubeObject; conflicts: ApplyConflict[] };
}

/**
 * Server-side apply by `manager` of `applied` onto `live` (undefined on create): merges by
 * list keys, then (finish) detects conflicts with other managers on fields whose value
 * would change, takes ownership, and removes fields this manager applied before but no
 * longer does and nobody else owns.
 */
export function planApply(t: ResourceType, live: KubeObject | undefined, applied: KubeObject, manager: string,
  subresource: string | undefined): ApplyPlan {
  const base: KubeObject = live ? clone(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  const merged = applyMergeValue(t.kind, base, applied, []) as KubeObject;
  const entries = live ? parseEntries(live.metadata) : [];
  const newSet = fieldSetOf(t, applied, subresource);
  return {
    merged,
    finish(defaulted: KubeObject, force: boolean) {
      const conflictsByEntry = new Map<Entry, string[][]>();
      const others = entries.filter((e) => !(e.manager === manager && e.operation === 'Apply') && sameScope(e, subresource));
      for (const p of leaves(newSet)) {
        if (p[p.length - 1] === '.') continue;
        const liveValue = live ? valueAt(live, p) : undefined;
        if (deepEqual(liveValue, valueAt(defaulted, p))) continue;
        for (const e of others) {
          if (!hasPath(e.set, p)) continue;
          const list = conflictsByEntry.get(e) ?? [];
          list.push(p);
          conflictsByEntry.set(e, list);
        }
      }
      const conflicts: ApplyConflict[] = [];
      for (const [e, paths] of conflictsByEntry) for (const p of paths) conflicts.push({ manager: managerLabel(e), field: pathString(p) });
      if (conflicts.length > 0 && !force) return { object: defaulted, conflicts };
      for (const [e, paths] of conflictsByEntry) for (const p of paths) removePath(e.set, p);
      let mine = entries.find((e) => e.manager === manager && e.operation === 'Apply' && sameScope(e, subresource));
      const previous = mine?.set ?? new Map();
      const result = clone(defaulted);
      // Fields this manager stopped applying go away unless someone else still owns them.
      const dropped = leaves(previous).filter((p) => !hasPath(newSet, p));
      for (const p of dropped.sort((a, b) => b.length - a.length)) {
        const itemPath = p[p.length - 1] === '.' ? p.slice(0, -1) : undefined;
        const ownedElsewhere = entries.some((e) => e !== mine && sameScope(e, subresource) &&
          (itemPath ? hasAnyUnder(e.set, itemPath) : hasPath(e.set, p)));
        if (!ownedElsewhere) removeAt(result, p);
      }
      if (!mine) {
        mine = { manager, operation: 'Apply', apiVersion: apiVersionOf(t), time: nowTime(), subresource, set: newSet };
        entries.push(mine);
      } else {
        mine.set = newSet;
        mine.apiVersion = apiVersionOf(t);
        mine.time = nowTime();
      }
      result.metadata.managedFields = serializeEntries(entries);
      return { object: result, conflicts: [] };
    },
  };
}

/** managedFields with the times left out, to tell a real change from a timestamp refresh. */
export function withoutTimes(entries: ManagedFieldsEntry[] | undefined): unknown {
  return (entries ?? []).map((e) => ({ ...e, time: undefined }));
}
