import * as k8s from '@kubernetes/client-node';
import { type SimOptions, type SimulatedCluster, startSimulatedCluster } from '../../../../server/kube/sim';

/** Raw JSON as the server sent it: tests look into it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
export type Wire = any;

export interface SimHarness {
  sim: SimulatedCluster;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  coordination: k8s.CoordinationV1Api;
  custom: k8s.CustomObjectsApi;
  policy: k8s.PolicyV1Api;
  /** a raw request, for Status bodies and headers exactly as sent */
  raw(method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: Wire; headers: Headers }>;
}

/** Starts a simulated cluster with real client-node API clients bound to it. */
export async function startHarness(options: SimOptions = {}): Promise<SimHarness> {
  const sim = await startSimulatedCluster({ seed: 42, podReadyDelayMs: 20, podTerminationDelayMs: 20, migReconfigureDelayMs: 50, namespaceCleanupDelayMs: 20, ...options });
  const kc = new k8s.KubeConfig();
  kc.loadFromString(sim.kubeconfigYaml);
  return {
    sim,
    kc,
    core: kc.makeApiClient(k8s.CoreV1Api),
    apps: kc.makeApiClient(k8s.AppsV1Api),
    coordination: kc.makeApiClient(k8s.CoordinationV1Api),
    custom: kc.makeApiClient(k8s.CustomObjectsApi),
    policy: kc.makeApiClient(k8s.PolicyV1Api),
    async raw(method, path, body, contentType = 'application/json') {
      const res = await fetch(sim.url + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': contentType },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (health endpoints)
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}

/** Polls until `fn` returns a truthy value (or stops throwing); fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T> | T, timeoutMs = 5000, label = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** The status code and parsed Status body of a client-node ApiException. */
export async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Wire }> {
  try {
    await p;
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
  }
  throw new Error('expected the request to fail');
}

export const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const strategicPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
export const jsonPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch);
export const applyPatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);

/** A minimal Deployment manifest. */
export function deployment(name: string, opts: { replicas?: number; gpus?: number; image?: string; labels?: Record<string, string>; extra?: Record<string, unknown> } = {}) {
  const labels = { app: name, ...(opts.labels ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'leitstand' } },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [{
            name: 'server',
            image: opts.image ?? 'vllm/vllm-openai:v0.6.3',
            ports: [{ containerPort: 8000, name: 'http' }],
            resources: opts.gpus ? { limits: { 'nvidia.com/gpu': String(opts.gpus) } } : { requests: { cpu: '100m', memory: '128Mi' } },
          }],
          ...(opts.extra ?? {}),
        },
      },
    },
  };
}
