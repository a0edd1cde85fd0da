import type { AddressInfo } from 'node:net';
import { ApiServer } from './api';
import { startControllers } from './controllers';
import { EventRecorder, Timers, type SimContext } from './controllers/runtime';
import { FaultPlan, type FaultMode } from './faults';
import { createHttpServer } from './http';
import { Rng, rfc3339, microTime } from './random';
import { resourceForKind } from './resources';
import { Store } from './store';
import { type SimTopology, buildNode, loadTopology } from './topology';

export type { SimTopology, SimNodeSpec, SimTaint } from './topology';
export { DEFAULT_TOPOLOGY_PATH } from './topology';

export interface SimFaults {
  /** The next `count` API requests (watches excluded unless said) answer with this failure. */
  failNext(count: number, mode: FaultMode, options?: { includeWatches?: boolean }): void;
  /** From now on each request fails with probability `rate`, mode drawn from `modes` (seeded PRNG). */
  failRate(rate: number, modes?: FaultMode[]): void;
  /** Closes every open watch stream now (clients must re-list/resume). */
  dropWatches(): void;
  clear(): void;
}

export interface SimulatedCluster {
  url: string;
  kubeconfigYaml: string;
  faults: SimFaults;
  /** Counts of requests served by verb (get/list/watch/create/update/patch/apply/delete), for benchmarks. */
  stats(): { requests: number; writes: number; byVerb: Record<string, number> };
  /** Pods bound from now on become Ready after `ms` (pods already starting keep their time); holds pods in Pending for tests. */
  setPodReadyDelay(ms: number): void;
  /** Pods deleted from now on take `ms` to terminate (capped by their grace period), as an engine draining slowly. */
  setPodTerminationDelay(ms: number): void;
  close(): Promise<void>;
}

export interface SimOptions {
  topology?: string | SimTopology;
  port?: number;
  host?: string;
  podReadyDelayMs?: number;
  seed?: number;
  watchHistory?: number;
  /** how often watches with allowWatchBookmarks get a BOOKMARK (default 5000) */
  bookmarkIntervalMs?: number;
  /** how long a deleted pod on a node takes to terminate (default 200, capped by its grace period) */
  podTerminationDelayMs?: number;
  /** how long the MIG manager takes to apply a new nvidia.com/mig.config (default 1500) */
  migReconfigureDelayMs?: number;
  /** how long an emptied Terminating namespace lingers before it goes (default 100) */
  namespaceCleanupDelayMs?: number;
  /** upper bound for a request held by the 'timeout' fault (default 30000) */
  timeoutHoldMs?: number;
  /** how long Events are kept (default 1 h, as the API server's --event-ttl) */
  eventTtlMs?: number;
}

const KUBE_SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The kubeconfig for a simulated cluster at `url` (cluster/context/user 'leitstand-sim', no auth). */
export function simKubeconfig(url: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: leitstand-sim',
    '    cluster:',
    `      server: ${url}`,
    // @kubernetes/client-node 1.x refuses plain http unless TLS verification is off
    '      insecure-skip-tls-verify: true',
    'contexts:',
    '  - name: leitstand-sim',
    '    context:',
    '      cluster: leitstand-sim',
    '      user: leitstand-sim',
    'current-context: leitstand-sim',
    'users:',
    '  - name: leitstand-sim',
    '    user: {}',
    'preferences: {}',
    '',
  ].join('\n');
}

/**
 * Starts the simulated Kubernetes cluster: an API server on loopback (node:http) with
 * simulated controllers, scheduler, kubelets and the NVIDIA MIG manager.
 */
export async function startSimulatedCluster(options: SimOptions = {}): Promise<SimulatedCluster> {
  const topology = loadTopology(options.topology);
  const version = topology.kubernetesVersion ?? 'v1.31.4';
  const rng = new Rng(options.seed ?? (Date.now() & 0x7fffffff));
  const store = new Store(options.watchHistory ?? 1000);
  const api = new ApiServer(store, rng);
  const timers = new Timers();
  const ctx: SimContext = {
    api,
    store,
    rng,
    timers,
    events: new EventRecorder(api, rng),
    podReadyDelayMs: options.podReadyDelayMs ?? 2000,
    podTerminationDelayMs: options.podTerminationDelayMs ?? 200,
    migReconfigureDelayMs: options.migReconfigureDelayMs ?? 1500,
    namespaceCleanupDelayMs: options.namespaceCleanupDelayMs ?? 100,
    subresources: {},
  };
  startControllers(ctx);
  ctx.events.startExpiry(timers, options.eventTtlMs ?? 60 * 60 * 1000);
  bootstrap(ctx, topology, version);

  const faults = new FaultPlan(rng);
  const [major = '1', minor = '31'] = version.replace(/^v/, '').split('.');
  const http = createHttpServer({
    api,
    faults,
    rng,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 5000,
    timeoutHoldMs: options.timeoutHoldMs ?? 30_000,
    subresources: ctx.subresources,
    version: {
      major, minor, gitVersion: version, gitCommit: 'a78aa47129b8539636eb86a9d00e31b2720fe06b', gitTreeState: 'clean',
      buildDate: '2024-12-10T18:52:23Z', goVersion: 'go1.22.9', compiler: 'gc', platform: 'linux/amd64',
    },
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(options.port ?? 0, host, () => {
      http.server.off('error', reject);
      resolve();
    });
  });
  const port = (http.server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    kubeconfigYaml: simKubeconfig(url),
    faults: {
      failNext: (count, mode, o) => faults.failNext(count, mode, o),
      failRate: (rate, modes) => faults.failRate(rate, modes),
      dropWatches: () => faults.dropWatches(),
      clear: () => faults.clear(),
    },
    stats: http.stats,
    setPodReadyDelay(ms: number) {
      ctx.podReadyDelayMs = ms;
    },
    setPodTerminationDelay(ms: number) {
      ctx.podTerminationDelayMs = ms;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        timers.stop();
        http.close();
        http.server.close(() => resolve());
        http.server.closeAllConnections();
      });
      return closed;
    },
  };
}

function bootstrap(ctx: SimContext, topology: SimTopology, version: string) {
  const { api } = ctx;
  const boot = { fieldManager: 'kube-apiserver' };
  for (const name of [...KUBE_SYSTEM_NAMESPACES, ...(topology.namespaces ?? [])]) {
    if (!ctx.store.get('Namespace', '', name)) api.create(resourceForKind('Namespace'), '', { metadata: { name } }, boot);
  }
  api.create(resourceForKind('Service'), 'default', {
    metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
  }, boot);
  const now = rfc3339();
  topology.nodes.forEach((spec, i) => {
    const node = buildNode(spec, i, ctx.rng, version, now);
    api.create(resourceForKind('Node'), '', node, { fieldManager: 'kubelet' });
    api.create(resourceForKind('Lease'), 'kube-node-lease', {
      metadata: { name: spec.name },
      spec: { holderIdentity: spec.name, leaseDurationSeconds: 40, renewTime: microTime() },
    }, { fieldManager: 'kubelet' });
  });
}
