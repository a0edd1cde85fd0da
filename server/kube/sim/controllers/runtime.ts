import { log } from '../../../core/log';
import type { ApiServer } from '../api';
import type { SubresourceHandler } from '../http';
import { ApiError } from '../errors';
import { type Rng, rfc3339 } from '../random';
import { resourceForKind, apiVersionOf } from '../resources';
import type { Store } from '../store';
import type { KubeObject } from '../types';

/** Timers that all stop when the simulated cluster closes. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();
  private stopped = false;

  after(ms: number, fn: () => void): NodeJS.Timeout | undefined {
    if (this.stopped) return undefined;
    const t = setTimeout(() => {
      this.pending.delete(t);
      if (!this.stopped) fn();
    }, Math.max(0, ms));
    this.pending.add(t);
    return t;
  }

  cancel(t: NodeJS.Timeout | undefined) {
    if (!t) return;
    clearTimeout(t);
    this.pending.delete(t);
  }

  stop() {
    this.stopped = true;
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }

  get isStopped() {
    return this.stopped;
  }
}

/**
 * A deduplicating work queue like client-go's: a key queued many times is processed
 * once; processing runs after the current write (never inside it); a handler may ask
 * to be called again after a delay; errors are retried with backoff.
 */
export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private scheduled = false;

  constructor(private readonly name: string, private readonly timers: Timers,
    private readonly handler: (key: string) => number | void) {}

  add(key: string, delayMs = 0) {
    if (this.timers.isStopped) return;
    if (delayMs > 0) {
      if (this.delayed.has(key) || this.queued.has(key)) return;
      const t = this.timers.after(delayMs, () => {
        this.delayed.delete(key);
        this.add(key);
      });
      if (t) this.delayed.set(key, t);
      return;
    }
    this.queued.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private drain() {
    this.scheduled = false;
    if (this.timers.isStopped) return;
    const keys = [...this.queued];
    this.queued.clear();
    for (const key of keys) {
      try {
        const again = this.handler(key);
        this.failures.delete(key);
        if (typeof again === 'number') this.add(key, again);
      } catch (err) {
        const n = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, n);
        if (!(err instanceof ApiError)) log.error({ err, controller: this.name, key }, 'simulated controller failed');
        this.add(key, Math.min(5000, 50 * 2 ** Math.min(n, 7)));
      }
    }
  }
}

/** The "namespace/name" work-queue key of an object. */
export function nsName(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
}

/** Splits a "namespace/name" key. */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/**
 * core/v1 Events as client-go's recorder writes them: one per object, reason and
 * message, counted up when repeated.
 */
export class EventRecorder {
  private readonly seen = new Map<string, { namespace: string; name: string }>();
  constructor(private readonly api: ApiServer, private readonly rng: Rng) {}

  /** Events expire after `ttlMs`, as the API server's event TTL (1 h by default) drops them. */
  startExpiry(timers: Timers, ttlMs: number) {
    const sweep = () => {
      const cutoff = Date.now() - ttlMs;
      const type = resourceForKind('Event');
      for (const ev of this.api.store.list('Event')) {
        const last = Date.parse(String(ev.lastTimestamp ?? ev.metadata.creationTimestamp ?? ''));
        if (Number.isFinite(last) && last < cutoff) this.api.forceRemove(type, ev.metadata.namespace!, ev.metadata.name!);
      }
      for (const [key, ev] of this.seen) if (!this.api.store.get('Event', ev.namespace, ev.name)) this.seen.delete(key);
      timers.after(Math.min(ttlMs, 60_000), sweep);
    };
    timers.after(Math.min(ttlMs, 60_000), sweep);
  }

  record(involved: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component: string, host?: string) {
    const t = resourceForKind(involved.kind ?? 'Pod');
    const namespace = involved.metadata.namespace ?? 'default';
    if (!this.api.store.get('Namespace', '', namespace)) return;
    const key = JSON.stringify([involved.metadata.uid, reason, message, component]);
    const now = rfc3339();
    const existing = this.seen.get(key);
    if (existing) {
      const updated = this.api.mutate('Event', existing.namespace, existing.name, component, (ev) => {
        ev.count = Number(ev.count ?? 1) + 1;
        ev.lastTimestamp = now;
      });
      if (updated) return;
    }
    const name = `${involved.metadata.name}.${this.rng.hex(16)}`;
    const source: Record<string, string> = { component };
    if (host) source.host = host;
    try {
      this.api.create(resourceForKind('Event'), namespace, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          namespace: involved.metadata.namespace,
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          apiVersion: apiVersionOf(t),
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        source,
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type,
        eventTime: null,
        reportingComponent: component,
        reportingInstance: host ?? '',
      }, { fieldManager: component });
      this.seen.set(key, { namespace, name });
    } catch (err) {
      // Events are best effort, as in client-go (e.g. a namespace being deleted).
      if (!(err instanceof ApiError)) throw err;
    }
  }
}

/** Everything a simulated controller needs. */
export interface SimContext {
  api: ApiServer;
  store: Store;
  rng: Rng;
  timers: Timers;
  events: EventRecorder;
  podReadyDelayMs: number;
  podTerminationDelayMs: number;
  migReconfigureDelayMs: number;
  namespaceCleanupDelayMs: number;
  /** handlers for pods/eviction, pods/binding, deployments/scale … registered by controllers */
  subresources: Record<string, SubresourceHandler>;
}
