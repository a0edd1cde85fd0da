import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, type KubeClientOptions } from '../../../server/kube/client';
import { type SimulatedCluster, startSimulatedCluster } from '../../../server/kube/sim/index';

/** A simulated cluster on loopback and a factory for clients of it (each its own connection). */
export async function startTestCluster(options: Parameters<typeof startSimulatedCluster>[0] = {}) {
  const sim: SimulatedCluster = await startSimulatedCluster({ host: '127.0.0.1', port: 0, podReadyDelayMs: 20, ...options });
  const clients: KubeClient[] = [];
  return {
    sim,
    client(clientOptions: KubeClientOptions = {}): KubeClient {
      const kc = new KubeConfig();
      kc.loadFromString(sim.kubeconfigYaml);
      const client = new KubeClient(kc, { timeoutMs: 5_000, qps: 1_000, burst: 1_000, ...clientOptions });
      clients.push(client);
      return client;
    },
    async close() {
      for (const c of clients) c.close();
      await sim.close();
    },
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
