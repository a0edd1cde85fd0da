import { log } from '../../core/log';
import { type KubeClient, toKubeError } from '../client';
import { type KubeObject, type ResourceInfo, collectionPath, listObjects, objectKey } from '../resources';
import { backoffDelay } from '../../core/backoff';

export type ReflectorEvent = 'added' | 'modified' | 'deleted';

export interface ReflectorOptions {
  labelSelector?: string;
  namespace?: string;
  /** Server-side watch time-out; the watch is re-opened (from the last resourceVersion) after it. */
  watchTimeoutSeconds?: number;
  onEvent?: (type: ReflectorEvent, object: KubeObject) => void;
  /** Called after every (re)list, with the number of objects. */
  onSync?: (count: number) => void;
}

/** Is resourceVersion `a` newer than `b`? Opaque by contract; integers in etcd and the sim. */
export function isNewer(a: string | undefined, b: string | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) > BigInt(b);
  return a !== b;
}

/**
 * List-then-watch cache of one kind (a small informer): resumes the watch from the last
 * resourceVersion after a drop, relists on 410 Gone, backs off on errors, and re-opens the
 * watch when the server closes it or it goes quiet past its time-out.
 */
export class Reflector {
  readonly cache = new Map<string, KubeObject>();
  private resourceVersion = '';
  private stopped = false;
  private abort: AbortController | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private failures = 0;
  private syncedOnce = false;
  private readonly syncWaiters: Array<() => void> = [];
  private loop: Promise<void> | undefined;
  /** Watches opened (for tests: drops are followed by re-opens). */
  watchesOpened = 0;
  relists = 0;

  constructor(
    private readonly client: KubeClient,
    readonly info: ResourceInfo,
    private readonly options: ReflectorOptions = {},
  ) {}

  get synced(): boolean {
    return this.syncedOnce;
  }

  /** Resolves once the first list has filled the cache. */
  waitForSync(): Promise<void> {
    if (this.syncedOnce) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    if (this.watchdog) clearTimeout(this.watchdog);
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  /** Puts an object the caller just wrote into the cache, unless the cache already has a newer one. */
  observe(object: KubeObject): void {
    const key = objectKey({ ...object, ...object.metadata });
    const current = this.cache.get(key);
    if (!current || isNewer(object.metadata.resourceVersion, current.metadata.resourceVersion)) this.cache.set(key, object);
  }

  /** Forgets an object the caller just deleted. */
  forget(key: string): void {
    this.cache.delete(key);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
      this.sleepTimer.unref?.();
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.relist();
        if (this.stopped) break;
        await this.watchOnce();
        this.failures = 0;
      } catch (error) {
        if (this.stopped) break;
        const e = toKubeError(error);
        if (e.code === 410) {
          this.resourceVersion = '';
          continue;
        }
        const delay = backoffDelay(this.failures++, { baseMs: 100, maxMs: 10_000 });
        log.debug({ kind: this.info.kind, reason: e.reason, delay }, 'kube reflector retrying');
        await this.sleep(delay);
      }
    }
  }

  private async relist(): Promise<void> {
    const result = await listObjects(this.client, this.info, {
      namespace: this.options.namespace,
      labelSelector: this.options.labelSelector,
    });
    if (!result.ok) throw Object.assign(new Error(result.reason), { code: result.error.code, body: undefined });
    this.relists += 1;
    const seen = new Set<string>();
    for (const item of result.items) {
      const key = objectKey({ ...item, ...item.metadata });
      seen.add(key);
      const before = this.cache.get(key);
      this.cache.set(key, item);
      if (!before) this.options.onEvent?.('added', item);
      else if (before.metadata.resourceVersion !== item.metadata.resourceVersion) this.options.onEvent?.('modified', item);
    }
    for (const [key, object] of this.cache) {
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.options.onEvent?.('deleted', object);
      }
    }
    this.resourceVersion = result.resourceVersion;
    this.options.onSync?.(result.items.length);
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(): Promise<void> {
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    await this.client.limiter.take();
    this.watchesOpened += 1;
    let gone = false;
    await new Promise<void>((resolve, reject) => {
      const armWatchdog = () => {
        if (this.watchdog) clearTimeout(this.watchdog);
        // A watch that is silent past the server's own time-out is a dead connection.
        this.watchdog = setTimeout(() => this.abort?.abort(), (timeoutSeconds + 10) * 1000);
        this.watchdog.unref?.();
      };
      armWatchdog();
      this.client.watcher
        .watch(
          collectionPath(this.info, this.options.namespace),
          {
            resourceVersion: this.resourceVersion,
            labelSelector: this.options.labelSelector,
            allowWatchBookmarks: true,
            timeoutSeconds,
          },
          (type: string, object: KubeObject) => {
            armWatchdog();
            if (type === 'ERROR') {
              const status = object as unknown as { code?: number };
              if (status.code === 410) gone = true;
              return;
            }
            const rv = object?.metadata?.resourceVersion;
            if (type === 'BOOKMARK') {
              if (rv) this.resourceVersion = rv;
              return;
            }
            const item = { ...object, apiVersion: this.info.apiVersion, kind: this.info.kind };
            const key = objectKey({ ...item, ...item.metadata });
            if (type === 'DELETED') {
              this.cache.delete(key);
              this.options.onEvent?.('deleted', item);
            } else {
              const before = this.cache.get(key);
              // Keep an object the controller wrote (observe) if this event is older.
              if (!before || isNewer(rv, before.metadata.resourceVersion) || before.metadata.resourceVersion === rv) {
                this.cache.set(key, item);
              }
              this.options.onEvent?.(before ? 'modified' : 'added', item);
            }
            if (rv) this.resourceVersion = rv;
          },
          (err: unknown) => {
            if (this.watchdog) clearTimeout(this.watchdog);
            if (gone) return reject(Object.assign(new Error('watch expired'), { code: 410 }));
            if (err && !this.stopped) {
              const statusCode = (err as { statusCode?: unknown }).statusCode;
              return reject(typeof statusCode === 'number' ? Object.assign(new Error(String(err)), { code: statusCode }) : err);
            }
            resolve();
          },
        )
        .then((controller) => {
          this.abort = controller;
          if (this.stopped) controller.abort();
        }, reject);
    });
  }
}
