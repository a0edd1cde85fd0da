import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { getKubeClient, getKubeRuntime, startKube, stopKube, type KubeObject } from '../../../server/kube';
import type { SimTopology } from '../../../server/kube/sim';
import { waitFor } from '../kube/support';

export { waitFor };

/** Starts server/kube against a fresh simulated cluster (with its controllers), as server/http does. */
export async function startSimKube(options: { topology?: SimTopology; instanceId?: string } = {}) {
  const nowhere = path.join(os.tmpdir(), 'leitstand-tenants-test-no-kubeconfig');
  await startKube(
    { kube: { kubeconfig: undefined, simTopology: undefined }, instanceId: options.instanceId ?? 'tenants-test' },
    {
      connect: {
        defaultKubeconfig: nowhere,
        inClusterRoot: nowhere,
        sim: { podReadyDelayMs: 20, podTerminationDelayMs: 20, migReconfigureDelayMs: 100, seed: 7, ...(options.topology ? { topology: options.topology } : {}) },
      },
      leaseDurationMs: 8_000,
      renewIntervalMs: 1_000,
      retryIntervalMs: 100,
      resyncMs: 1_000,
      pollMs: 50,
    },
  );
  await waitFor('leading', () => getKubeRuntime()?.elector.isLeader);
}

export { stopKube };

/** GET a path of the simulated API server; undefined on 404. */
export async function kubeGet<T = KubeObject>(apiPath: string): Promise<T | undefined> {
  const res = await getKubeClient().request<T>('GET', apiPath);
  if (res.status === 404) return undefined;
  if (res.status >= 300) throw new Error(`GET ${apiPath}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** POST an object to a collection path; throws with the server's message when refused. */
export async function kubeCreate(apiPath: string, body: unknown): Promise<KubeObject> {
  const res = await getKubeClient().request<KubeObject>('POST', apiPath, { body });
  if (res.status >= 300) throw new Error(`POST ${apiPath}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A Deployment of `replicas` pods each requesting `gpus` GPUs (plus any pod spec fields). */
export function gpuDeployment(name: string, replicas: number, gpus: number, podSpec: Record<string, unknown> = {}, resource = 'nvidia.com/gpu') {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...podSpec,
          containers: [{ name: 'server', image: 'vllm/vllm-openai:v0.6.4', resources: { limits: { [resource]: String(gpus) }, requests: { cpu: '1', memory: '1Gi' } } }],
        },
      },
    },
  };
}

/** Starts fake-litellm.ts in its own process; resolves with its base URL once it listens. */
export async function startFakeLiteLlm(masterKey: string): Promise<{ base: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fake-litellm.ts')], {
    env: { ...process.env, LITELLM_MASTER_KEY: masterKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`fake LiteLLM exited with ${code}`)));
  });
  return { base: `http://127.0.0.1:${port}`, process: child };
}
