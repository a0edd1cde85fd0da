import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { log } from '../core/log';
import type { SimOptions, SimulatedCluster } from './sim/index';

/** Where the cluster configuration came from. */
export type KubeSource = 'kubeconfig' | 'in-cluster' | 'default-kubeconfig' | 'simulated';

export interface KubeConnection {
  kubeConfig: KubeConfig;
  source: KubeSource;
  simulated: boolean;
  server: string;
  /** Statistics and fault injection of the simulated cluster (only when simulated). */
  sim?: SimulatedCluster;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** config.kube.kubeconfig: LEITSTAND_KUBECONFIG or KUBECONFIG (a file path). */
  kubeconfig?: string | undefined;
  /** config.kube.simTopology, for the simulated cluster. */
  simTopology?: string | undefined;
  /** A prefix for the service-account directory (tests point it elsewhere; '' in production). */
  inClusterRoot?: string;
  /** The default kubeconfig (tests point it elsewhere). */
  defaultKubeconfig?: string;
  /** Extra options for the simulated cluster (tests). */
  sim?: Omit<SimOptions, 'host' | 'port'>;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function serverOf(kc: KubeConfig): string | undefined {
  return kc.getCurrentCluster()?.server;
}

/**
 * Finds the cluster: an explicit kubeconfig, else the in-cluster service account, else
 * ~/.kube/config, else starts the simulated cluster in-process on loopback. An explicit
 * kubeconfig that cannot be read is an error (a typo must not silently fall back to the sim).
 */
export async function connectKube(options: ConnectOptions = {}): Promise<KubeConnection> {
  const plain = (kubeConfig: KubeConfig, source: KubeSource): KubeConnection => ({
    kubeConfig,
    source,
    simulated: false,
    server: serverOf(kubeConfig)!,
    close: async () => {},
  });

  if (options.kubeconfig) {
    const file = path.resolve(options.kubeconfig);
    if (!fs.existsSync(file)) throw new Error(`The kubeconfig ${file} (LEITSTAND_KUBECONFIG / KUBECONFIG) does not exist.`);
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    if (!serverOf(kc)) throw new Error(`The kubeconfig ${file} has no current cluster.`);
    return plain(kc, 'kubeconfig');
  }

  const root = options.inClusterRoot ?? '';
  if (fs.existsSync(path.join(root + SERVICE_ACCOUNT_DIR, 'token'))) {
    const kc = new KubeConfig();
    kc.loadFromCluster(root || undefined);
    const server = serverOf(kc);
    // Without KUBERNETES_SERVICE_HOST the library builds "https://undefined:undefined".
    if (server && !server.includes('undefined')) return plain(kc, 'in-cluster');
  }

  const home = options.defaultKubeconfig ?? path.join(os.homedir(), '.kube', 'config');
  if (fs.existsSync(home)) {
    const kc = new KubeConfig();
    kc.loadFromFile(home);
    if (serverOf(kc)) return plain(kc, 'default-kubeconfig');
  }

  const { startSimulatedCluster } = await import('./sim/index');
  const sim = await startSimulatedCluster({
    host: '127.0.0.1',
    port: 0,
    ...(options.simTopology ? { topology: options.simTopology } : {}),
    ...options.sim,
  });
  const kc = new KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml);
  log.warn({ server: sim.url }, 'no cluster configured: using the simulated cluster');
  return { kubeConfig: kc, source: 'simulated', simulated: true, server: sim.url, sim, close: () => sim.close() };
}

/** The namespace Leitstand runs in (for its Lease): the service account's, else "default". */
export function ownNamespace(serviceAccountDir = SERVICE_ACCOUNT_DIR): string {
  try {
    const ns = fs.readFileSync(path.join(serviceAccountDir, 'namespace'), 'utf8').trim();
    if (ns) return ns;
  } catch {
    // Not in a cluster.
  }
  return 'default';
}
