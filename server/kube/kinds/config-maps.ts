import type { V1ConfigMap } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import type { KubeObject } from '../resources';
import { type Result, type WriteOptions, applyParams, applyPatchOptions, attempt, managedLabels } from './common';

/** A ConfigMap manifest (gateway and guard configuration are shipped this way). */
export function renderConfigMap(input: {
  namespace: string;
  name: string;
  data: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: managedLabels(input.labels),
      ...(input.annotations ? { annotations: input.annotations } : {}),
    },
    data: { ...input.data },
  };
}

/** Config maps of a namespace (optionally by label selector). */
export function listConfigMaps(client: KubeClient, namespace: string, options: { labelSelector?: string } = {}): Promise<Result<V1ConfigMap[]>> {
  return attempt(async () => (await client.core.listNamespacedConfigMap({ namespace, labelSelector: options.labelSelector })).items);
}

/** One config map. */
export function getConfigMap(client: KubeClient, namespace: string, name: string): Promise<Result<V1ConfigMap>> {
  return attempt(
    () => client.core.readNamespacedConfigMap({ name, namespace }),
    (e) => (e.code === 404 ? `config map ${namespace}/${name} not found` : e.message),
  );
}

/** Server-side applies a rendered ConfigMap. */
export function applyConfigMap(client: KubeClient, manifest: KubeObject, options: WriteOptions & { force?: boolean } = {}): Promise<Result<V1ConfigMap>> {
  return attempt(() =>
    client.core.patchNamespacedConfigMap(
      { name: manifest.metadata.name, namespace: manifest.metadata.namespace!, body: manifest, ...applyParams(options) },
      applyPatchOptions(),
    ),
  );
}
