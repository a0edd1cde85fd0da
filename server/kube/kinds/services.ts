import type { V1Service } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import type { KubeObject } from '../resources';
import { type Result, type WriteOptions, applyParams, applyPatchOptions, attempt, managedLabels } from './common';

/** A ClusterIP Service manifest in front of pods matching `selector`. */
export function renderService(input: {
  namespace: string;
  name: string;
  selector: Record<string, string>;
  ports: Array<{ name: string; port: number; targetPort: number | string; protocol?: 'TCP' | 'UDP' }>;
  labels?: Record<string, string>;
}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: input.name, namespace: input.namespace, labels: managedLabels(input.labels) },
    spec: {
      type: 'ClusterIP',
      selector: { ...input.selector },
      ports: input.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol ?? 'TCP' })),
    },
  };
}

/** Services of a namespace (optionally by label selector). */
export function listServices(client: KubeClient, namespace: string, options: { labelSelector?: string } = {}): Promise<Result<V1Service[]>> {
  return attempt(async () => (await client.core.listNamespacedService({ namespace, labelSelector: options.labelSelector })).items);
}

/** One service. */
export function getService(client: KubeClient, namespace: string, name: string): Promise<Result<V1Service>> {
  return attempt(
    () => client.core.readNamespacedService({ name, namespace }),
    (e) => (e.code === 404 ? `service ${namespace}/${name} not found` : e.message),
  );
}

/** Server-side applies a rendered Service. */
export function applyService(client: KubeClient, manifest: KubeObject, options: WriteOptions & { force?: boolean } = {}): Promise<Result<V1Service>> {
  return attempt(() =>
    client.core.patchNamespacedService(
      { name: manifest.metadata.name, namespace: manifest.metadata.namespace!, body: manifest, ...applyParams(options) },
      applyPatchOptions(),
    ),
  );
}
