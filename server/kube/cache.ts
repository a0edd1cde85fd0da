import { log } from '../core/log';
import { peekSingleton, setSingleton } from '../core/singleton';
import type { KubeClient } from './client';
import { Reflector } from './controller/reflector';
import { listObjects, resourceFor, type KubeObject } from './resources';
import { getKubeRuntime } from './runtime';

/**
 * A watch-backed cache of every Node and Pod (an informer pair), for pages that show the
 * whole cluster on every request (GPU inventory, allocation, planner): one list at start,
 * then watch events keep it current, so a page costs no API request. Started lazily by the
 * first reader, for the process's KubeClient; `stopClusterCache` (called by stopKube) ends it.
 */
class ClusterCache {
  readonly nodes: Reflector;
  readonly pods: Reflector;
  /** Bumped on every change, so readers can memoise what they derive from the objects. */
  generation = 0;
  constructor(readonly client: KubeClient) {
    const bump = () => {
      this.generation++;
    };
    this.nodes = new Reflector(client, resourceFor('v1', 'Node')!, { onEvent: bump, onSync: bump });
    this.pods = new Reflector(client, resourceFor('v1', 'Pod')!, { onEvent: bump, onSync: bump });
    this.nodes.start();
    this.pods.start();
  }
  get synced(): boolean {
    return this.nodes.synced && this.pods.synced;
  }
  ready(): Promise<void> {
    return Promise.all([this.nodes.waitForSync(), this.pods.waitForSync()]).then(() => undefined);
  }
  async stop(): Promise<void> {
    await Promise.all([this.nodes.stop(), this.pods.stop()]);
  }
}

// On globalThis: the Remix bundle and the Node entry carry separate copies of this module.
const KEY = 'kube-cluster-cache';
const getCurrent = () => peekSingleton<ClusterCache>(KEY);

/** Every node and pod of the cluster, and the cache generation they come from. */
export interface ClusterObjects {
  nodes: KubeObject[];
  pods: KubeObject[];
  /** Changes whenever any node or pod changed; equal generations mean equal content. */
  generation: number;
  /** False when the cache was not synced in time and the objects were listed live. */
  fromCache: boolean;
}

/**
 * Nodes and pods from the watch cache (started on first use); waits up to `waitMs` for the
 * first sync, and lists live when the cache is not ready by then.
 */
export async function getClusterObjects(options: { waitMs?: number } = {}): Promise<ClusterObjects> {
  const runtime = getKubeRuntime();
  if (!runtime) throw new Error('The Kubernetes connection is not started (startKube).');
  let cache = getCurrent();
  if (!cache || cache.client !== runtime.client) {
    const stale = cache;
    cache = new ClusterCache(runtime.client);
    setSingleton(KEY, cache);
    if (stale) void stale.stop();
  }
  if (!cache.synced) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      cache.ready().then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.waitMs ?? 5_000);
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (timedOut) {
      log.warn('cluster cache not synced in time: listing nodes and pods live');
      const [nodes, pods] = await Promise.all([
        listObjects(runtime.client, resourceFor('v1', 'Node')!),
        listObjects(runtime.client, resourceFor('v1', 'Pod')!),
      ]);
      if (!nodes.ok) throw new Error(`Listing nodes failed: ${nodes.reason}`);
      if (!pods.ok) throw new Error(`Listing pods failed: ${pods.reason}`);
      return { nodes: nodes.items, pods: pods.items, generation: -1, fromCache: false };
    }
  }
  return { nodes: [...cache.nodes.cache.values()], pods: [...cache.pods.cache.values()], generation: cache.generation, fromCache: true };
}

/** Stops the cache's watches (stopKube calls it). */
export async function stopClusterCache(): Promise<void> {
  const cache = getCurrent();
  setSingleton(KEY, undefined);
  await cache?.stop();
}
