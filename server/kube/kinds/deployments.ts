import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import type { KubeObject } from '../resources';
import { type Result, type WriteOptions, applyParams, applyPatchOptions, attempt, managedLabels } from './common';

export interface DeploymentInput {
  namespace: string;
  name: string;
  image: string;
  replicas: number;
  /** Pod labels; also the selector (keep them stable: a Deployment's selector is immutable). */
  selector: Record<string, string>;
  labels?: Record<string, string>;
  args?: string[];
  env?: Record<string, string>;
  ports?: Array<{ name: string; containerPort: number }>;
  requests?: Record<string, string>;
  limits?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: Array<{ key: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  annotations?: Record<string, string>;
}

/** An apps/v1 Deployment manifest with one container (model servers, gateways, guards). */
export function renderDeployment(input: DeploymentInput): KubeObject {
  const container: Record<string, unknown> = { name: input.name.slice(0, 63), image: input.image };
  if (input.args?.length) container.args = [...input.args];
  if (input.env && Object.keys(input.env).length) {
    container.env = Object.entries(input.env)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, value]) => ({ name, value }));
  }
  if (input.ports?.length) container.ports = input.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' }));
  if (input.requests || input.limits) {
    container.resources = { ...(input.requests ? { requests: { ...input.requests } } : {}), ...(input.limits ? { limits: { ...input.limits } } : {}) };
  }
  const podSpec: Record<string, unknown> = { containers: [container] };
  if (input.nodeSelector) podSpec.nodeSelector = { ...input.nodeSelector };
  if (input.tolerations?.length) podSpec.tolerations = input.tolerations.map((t) => ({ operator: 'Equal', ...t }));
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: input.name,
      namespace: input.namespace,
      labels: managedLabels({ ...input.labels, ...input.selector }),
      ...(input.annotations ? { annotations: input.annotations } : {}),
    },
    spec: {
      replicas: input.replicas,
      selector: { matchLabels: { ...input.selector } },
      template: { metadata: { labels: { ...input.selector } }, spec: podSpec },
    },
  };
}

/** Deployments of a namespace (or all namespaces), optionally by label selector. */
export function listDeployments(client: KubeClient, options: { namespace?: string; labelSelector?: string } = {}): Promise<Result<V1Deployment[]>> {
  return attempt(async () =>
    options.namespace
      ? (await client.apps.listNamespacedDeployment({ namespace: options.namespace, labelSelector: options.labelSelector })).items
      : (await client.apps.listDeploymentForAllNamespaces({ labelSelector: options.labelSelector })).items,
  );
}

/** One deployment. */
export function getDeployment(client: KubeClient, namespace: string, name: string): Promise<Result<V1Deployment>> {
  return attempt(
    () => client.apps.readNamespacedDeployment({ name, namespace }),
    (e) => (e.code === 404 ? `deployment ${namespace}/${name} not found` : e.message),
  );
}

/** Server-side applies a rendered Deployment. */
export function applyDeployment(client: KubeClient, manifest: KubeObject, options: WriteOptions & { force?: boolean } = {}): Promise<Result<V1Deployment>> {
  return attempt(() =>
    client.apps.patchNamespacedDeployment(
      { name: manifest.metadata.name, namespace: manifest.metadata.namespace!, body: manifest, ...applyParams(options) },
      applyPatchOptions(),
    ),
  );
}

/** Rollout progress of a deployment, from its status. */
export function rolloutState(d: V1Deployment): { desired: number; updated: number; ready: number; available: number; done: boolean } {
  const desired = d.spec?.replicas ?? 1;
  const updated = d.status?.updatedReplicas ?? 0;
  const ready = d.status?.readyReplicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  const observed = (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0);
  return { desired, updated, ready, available, done: observed && updated >= desired && available >= desired };
}
