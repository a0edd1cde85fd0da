import type { V1LimitRange, V1LimitRangeItem } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import type { KubeObject } from '../resources';
import { type Result, type WriteOptions, applyParams, applyPatchOptions, attempt, managedLabels } from './common';

/** A LimitRange manifest (default requests/limits per container). */
export function renderLimitRange(input: {
  namespace: string;
  name: string;
  limits: Array<Pick<V1LimitRangeItem, 'type'> & { default?: Record<string, string>; defaultRequest?: Record<string, string>; max?: Record<string, string>; min?: Record<string, string> }>;
  labels?: Record<string, string>;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: { name: input.name, namespace: input.namespace, labels: managedLabels(input.labels) },
    spec: { limits: input.limits.map((l) => ({ ...l })) },
  };
}

/** Limit ranges of a namespace. */
export function listLimitRanges(client: KubeClient, namespace: string): Promise<Result<V1LimitRange[]>> {
  return attempt(async () => (await client.core.listNamespacedLimitRange({ namespace })).items);
}

/** Server-side applies a rendered LimitRange. */
export function applyLimitRange(client: KubeClient, manifest: KubeObject, options: WriteOptions & { force?: boolean } = {}): Promise<Result<V1LimitRange>> {
  return attempt(() =>
    client.core.patchNamespacedLimitRange(
      { name: manifest.metadata.name, namespace: manifest.metadata.namespace!, body: manifest, ...applyParams(options) },
      applyPatchOptions(),
    ),
  );
}
