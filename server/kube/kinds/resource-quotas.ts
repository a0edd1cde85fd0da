import type { V1ResourceQuota } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import type { KubeObject } from '../resources';
import { type Result, type WriteOptions, applyParams, applyPatchOptions, attempt, managedLabels } from './common';

/** A ResourceQuota manifest; `hard` maps resource names (e.g. requests.nvidia.com/gpu) to quantities. */
export function renderResourceQuota(input: {
  namespace: string;
  name: string;
  hard: Record<string, string>;
  labels?: Record<string, string>;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: input.name, namespace: input.namespace, labels: managedLabels(input.labels) },
    spec: { hard: { ...input.hard } },
  };
}

/** Quotas of a namespace (or all namespaces), with their used amounts in status. */
export function listResourceQuotas(client: KubeClient, namespace?: string): Promise<Result<V1ResourceQuota[]>> {
  return attempt(async () =>
    namespace
      ? (await client.core.listNamespacedResourceQuota({ namespace })).items
      : (await client.core.listResourceQuotaForAllNamespaces()).items,
  );
}

/** One quota. */
export function getResourceQuota(client: KubeClient, namespace: string, name: string): Promise<Result<V1ResourceQuota>> {
  return attempt(
    () => client.core.readNamespacedResourceQuota({ name, namespace }),
    (e) => (e.code === 404 ? `resource quota ${namespace}/${name} not found` : e.message),
  );
}

/** Server-side applies a rendered ResourceQuota. */
export function applyResourceQuota(client: KubeClient, manifest: KubeObject, options: WriteOptions & { force?: boolean } = {}): Promise<Result<V1ResourceQuota>> {
  return attempt(() =>
    client.core.patchNamespacedResourceQuota(
      { name: manifest.metadata.name, namespace: manifest.metadata.namespace!, body: manifest, ...applyParams(options) },
      applyPatchOptions(),
    ),
  );
}
