import { type ResourceType, RESOURCE_TYPES } from './resources';
import { type KubeObject, deepFreeze } from './types';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, kept in the per-kind history that watches resume from. */
export interface StoreEvent {
  type: EventType;
  rv: number;
  object: KubeObject;
  /** the previous state, so selector watches can turn "stopped matching" into DELETED */
  previous?: KubeObject;
}

/** A watch stream's interest in one kind. */
export interface StoreWatcher {
  namespace?: string;
  matches(obj: KubeObject): boolean;
  send(type: EventType, obj: KubeObject, rv: number): void;
}

type Indexer = (obj: KubeObject) => string[];

class KindStore {
  readonly byNamespace = new Map<string, Map<string, KubeObject>>();
  size = 0;
  readonly history: StoreEvent[] = [];
  historyStart = 0;
  /** rv of the newest event dropped from history; resuming at or before it is 410 Gone */
  evictedRv = 0;
  readonly watchers = new Set<StoreWatcher>();
  readonly indexers = new Map<string, Indexer>();
  readonly indexes = new Map<string, Map<string, Set<KubeObject>>>();

  constructor(readonly type: ResourceType, readonly historyLimit: number) {}

  pushHistory(ev: StoreEvent) {
    this.history.push(ev);
    if (this.history.length - this.historyStart > this.historyLimit) {
      this.evictedRv = this.history[this.historyStart]!.rv;
      this.historyStart++;
      // compact now and then rather than shifting on every write
      if (this.historyStart > 4096 && this.historyStart > this.history.length / 2) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
  }

  index(obj: KubeObject, add: boolean) {
    for (const [name, fn] of this.indexers) {
      let idx = this.indexes.get(name);
      if (!idx) this.indexes.set(name, (idx = new Map()));
      for (const value of fn(obj)) {
        let set = idx.get(value);
        if (add) {
          if (!set) idx.set(value, (set = new Set()));
          set.add(obj);
        } else if (set) {
          set.delete(obj);
          if (set.size === 0) idx.delete(value);
        }
      }
    }
  }
}

/**
 * The simulated etcd: every object by kind, namespace and name, one global increasing
 * resourceVersion, a bounded per-kind event history for watch resume, and watchers.
 * Stored objects are frozen; writers replace them, never mutate.
 */
export class Store {
  private rv: number;
  private readonly kinds = new Map<string, KindStore>();
  private readonly listeners: Array<(t: ResourceType, ev: StoreEvent) => void> = [];

  constructor(historyLimit: number, initialRv = 1000) {
    this.rv = initialRv;
    for (const t of RESOURCE_TYPES) this.kinds.set(t.kind, new KindStore(t, historyLimit));
  }

  /** The current (newest) resourceVersion. */
  currentRv(): number {
    return this.rv;
  }

  private ks(kind: string): KindStore {
    const k = this.kinds.get(kind);
    if (!k) throw new Error(`unknown kind ${kind}`);
    return k;
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.ks(kind).byNamespace.get(namespace)?.get(name);
  }

  /** Objects of a kind, in one namespace or all; unsorted. */
  *iterate(kind: string, namespace?: string): Generator<KubeObject> {
    const k = this.ks(kind);
    if (namespace !== undefined) {
      const m = k.byNamespace.get(namespace);
      if (m) yield* m.values();
      return;
    }
    for (const m of k.byNamespace.values()) yield* m.values();
  }

  list(kind: string, namespace?: string): KubeObject[] {
    return [...this.iterate(kind, namespace)];
  }

  count(kind: string, namespace?: string): number {
    const k = this.ks(kind);
    if (namespace === undefined) return k.size;
    return k.byNamespace.get(namespace)?.size ?? 0;
  }

  /** Registers an index (e.g. pods by node name) maintained on every write. */
  addIndex(kind: string, name: string, fn: Indexer) {
    const k = this.ks(kind);
    k.indexers.set(name, fn);
    const idx = new Map<string, Set<KubeObject>>();
    k.indexes.set(name, idx);
    for (const obj of this.iterate(kind)) {
      for (const v of fn(obj)) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(obj);
      }
    }
  }

  byIndex(kind: string, name: string, value: string): KubeObject[] {
    const set = this.ks(kind).indexes.get(name)?.get(value);
    return set ? [...set] : [];
  }

  /** Called synchronously after every committed change (the controllers' informer). */
  onChange(listener: (t: ResourceType, ev: StoreEvent) => void) {
    this.listeners.push(listener);
  }

  /** Stores a new or changed object, assigning the next resourceVersion. */
  put(kind: string, obj: KubeObject): KubeObject {
    const k = this.ks(kind);
    const ns = obj.metadata.namespace ?? '';
    const name = obj.metadata.name!;
    let m = k.byNamespace.get(ns);
    if (!m) k.byNamespace.set(ns, (m = new Map()));
    const previous = m.get(name);
    const rv = ++this.rv;
    const stored = deepFreeze(normalize(obj, String(rv)));
    if (previous) k.index(previous, false);
    else k.size++;
    m.set(name, stored);
    k.index(stored, true);
    this.emit(k, { type: previous ? 'MODIFIED' : 'ADDED', rv, object: stored, previous });
    return stored;
  }

  /** Removes an object; the DELETED event carries it with the deletion's resourceVersion. */
  remove(kind: string, namespace: string, name: string): KubeObject | undefined {
    const k = this.ks(kind);
    const m = k.byNamespace.get(namespace);
    const previous = m?.get(name);
    if (!m || !previous) return undefined;
    m.delete(name);
    if (m.size === 0) k.byNamespace.delete(namespace);
    k.size--;
    k.index(previous, false);
    const rv = ++this.rv;
    const gone = deepFreeze(normalize(previous, String(rv)));
    this.emit(k, { type: 'DELETED', rv, object: gone, previous });
    return gone;
  }

  private emit(k: KindStore, ev: StoreEvent) {
    k.pushHistory(ev);
    for (const w of k.watchers) deliver(w, ev);
    for (const l of this.listeners) l(k.type, ev);
  }

  /**
   * Subscribes a watcher from `sinceRv` (exclusive): replays the history after it, then
   * streams. Returns false when `sinceRv` is older than the kept history (410 Gone).
   */
  watch(kind: string, w: StoreWatcher, sinceRv: number | undefined): { ok: true; unsubscribe: () => void } | { ok: false; oldest: number } {
    const k = this.ks(kind);
    if (sinceRv !== undefined) {
      if (sinceRv < k.evictedRv) return { ok: false, oldest: k.evictedRv };
      for (let i = k.historyStart; i < k.history.length; i++) {
        const ev = k.history[i]!;
        if (ev.rv > sinceRv) deliver(w, ev);
      }
    }
    k.watchers.add(w);
    return { ok: true, unsubscribe: () => k.watchers.delete(w) };
  }

  watcherCount(): number {
    let n = 0;
    for (const k of this.kinds.values()) n += k.watchers.size;
    return n;
  }
}

function deliver(w: StoreWatcher, ev: StoreEvent) {
  const obj = ev.object;
  if (w.namespace !== undefined && (obj.metadata.namespace ?? '') !== w.namespace) return;
  if (ev.type === 'ADDED') {
    if (w.matches(obj)) w.send('ADDED', obj, ev.rv);
    return;
  }
  if (ev.type === 'DELETED') {
    if (w.matches(ev.previous ?? obj)) w.send('DELETED', obj, ev.rv);
    return;
  }
  const now = w.matches(obj);
  const before = ev.previous ? w.matches(ev.previous) : false;
  if (now && before) w.send('MODIFIED', obj, ev.rv);
  else if (now) w.send('ADDED', obj, ev.rv);
  else if (before) w.send('DELETED', obj, ev.rv);
}

const META_ORDER = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp',
  'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

/** Key order as the API server serialises (kind, apiVersion, metadata, …, status), with a new resourceVersion. */
function normalize(obj: KubeObject, rv: string): KubeObject {
  const md: Record<string, unknown> = {};
  const src = { ...obj.metadata, resourceVersion: rv } as Record<string, unknown>;
  for (const k of META_ORDER) if (src[k] !== undefined) md[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!(k in md) && v !== undefined) md[k] = v;
  const out: Record<string, unknown> = { kind: obj.kind, apiVersion: obj.apiVersion, metadata: md };
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'kind' || k === 'apiVersion' || k === 'metadata' || k === 'status' || v === undefined) continue;
    out[k] = v;
  }
  if (obj.status !== undefined) out.status = obj.status;
  return out as KubeObject;
}
