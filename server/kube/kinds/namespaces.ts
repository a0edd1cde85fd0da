import type { V1Namespace } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import type { KubeObject } from '../resources';
import { type Result, type WriteOptions, applyParams, applyPatchOptions, attempt, managedLabels } from './common';

/** A Namespace manifest carrying the managed-by label. */
export function renderNamespace(input: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: input.name, labels: managedLabels(input.labels), ...(input.annotations ? { annotations: input.annotations } : {}) },
  };
}

/** All namespaces (optionally by label selector). */
export function listNamespaces(client: KubeClient, options: { labelSelector?: string } = {}): Promise<Result<V1Namespace[]>> {
  return attempt(async () => (await client.core.listNamespace({ labelSelector: options.labelSelector })).items);
}

/** One namespace. */
export function getNamespace(client: KubeClient, name: string): Promise<Result<V1Namespace>> {
  return attempt(
    () => client.core.readNamespace({ name }),
    (e) => (e.code === 404 ? `namespace ${name} not found` : e.message),
  );
}

/** Server-side applies a rendered Namespace (field manager leitstand; dry run available). */
export function applyNamespace(client: KubeClient, manifest: KubeObject, options: WriteOptions & { force?: boolean } = {}): Promise<Result<V1Namespace>> {
  return attempt(() =>
    client.core.patchNamespace({ name: manifest.metadata.name, body: manifest, ...applyParams(options) }, applyPatchOptions()),
  );
}
