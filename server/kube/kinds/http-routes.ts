import type { KubeClient } from '../client';
import type { KubeObject } from '../resources';
import { type Result, type WriteOptions, applyParams, applyPatchOptions, attempt, managedLabels } from './common';

const group = 'gateway.networking.k8s.io';
const version = 'v1';
const plural = 'httproutes';

export interface WeightedBackend {
  /** A Service name in the route's namespace. */
  name: string;
  port: number;
  /** Relative weight (0 = no traffic); the Gateway API allows 0..1,000,000. */
  weight: number;
}

export interface HttpRouteInput {
  namespace: string;
  name: string;
  /** The Gateway(s) the route attaches to. */
  parentRefs: Array<{ name: string; namespace?: string; sectionName?: string }>;
  hostnames?: string[];
  /** Path prefix the rule matches (default "/"). */
  pathPrefix?: string;
  backends: WeightedBackend[];
  labels?: Record<string, string>;
}

/**
 * A gateway.networking.k8s.io/v1 HTTPRoute splitting traffic by weight between backends
 * (the canary mechanism: e.g. 90/10 between a model's stable and canary Services).
 */
export function renderHttpRoute(input: HttpRouteInput): KubeObject {
  return {
    apiVersion: `${group}/${version}`,
    kind: 'HTTPRoute',
    metadata: { name: input.name, namespace: input.namespace, labels: managedLabels(input.labels) },
    spec: {
      parentRefs: input.parentRefs.map((p) => ({
        group,
        kind: 'Gateway',
        name: p.name,
        ...(p.namespace ? { namespace: p.namespace } : {}),
        ...(p.sectionName ? { sectionName: p.sectionName } : {}),
      })),
      ...(input.hostnames?.length ? { hostnames: [...input.hostnames] } : {}),
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: input.pathPrefix ?? '/' } }],
          backendRefs: input.backends.map((b) => ({ group: '', kind: 'Service', name: b.name, port: b.port, weight: b.weight })),
        },
      ],
    },
  };
}

/** Weights of each backend of the first rule, from a live or rendered route. */
export function routeWeights(route: KubeObject): Record<string, number> {
  const rules = ((route.spec as { rules?: Array<{ backendRefs?: Array<{ name: string; weight?: number }> }> } | undefined)?.rules ?? []);
  const out: Record<string, number> = {};
  for (const ref of rules[0]?.backendRefs ?? []) out[ref.name] = ref.weight ?? 1;
  return out;
}

/** HTTPRoutes of a namespace. */
export function listHttpRoutes(client: KubeClient, namespace: string): Promise<Result<KubeObject[]>> {
  return attempt(async () => {
    const list = (await client.custom.listNamespacedCustomObject({ group, version, namespace, plural })) as { items?: KubeObject[] };
    return list.items ?? [];
  });
}

/** One HTTPRoute. */
export function getHttpRoute(client: KubeClient, namespace: string, name: string): Promise<Result<KubeObject>> {
  return attempt(
    async () => (await client.custom.getNamespacedCustomObject({ group, version, namespace, plural, name })) as KubeObject,
    (e) => (e.code === 404 ? `HTTPRoute ${namespace}/${name} not found` : e.message),
  );
}

/** Server-side applies a rendered HTTPRoute (e.g. new weights). */
export function applyHttpRoute(client: KubeClient, manifest: KubeObject, options: WriteOptions & { force?: boolean } = {}): Promise<Result<KubeObject>> {
  return attempt(
    async () =>
      (await client.custom.patchNamespacedCustomObject(
        { group, version, plural, namespace: manifest.metadata.namespace!, name: manifest.metadata.name, body: manifest, ...applyParams(options) },
        applyPatchOptions(),
      )) as KubeObject,
  );
}
