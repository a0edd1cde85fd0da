import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import { type Result, type WriteOptions, attempt } from './common';

/** Pods in a namespace (or all namespaces), by label and/or field selector (e.g. spec.nodeName=gpu-1). */
export function listPods(
  client: KubeClient,
  options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
): Promise<Result<V1Pod[]>> {
  return attempt(async () => {
    const query = { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector };
    const list = options.namespace
      ? await client.core.listNamespacedPod({ namespace: options.namespace, ...query })
      : await client.core.listPodForAllNamespaces(query);
    return list.items;
  });
}

/** One pod. */
export function getPod(client: KubeClient, namespace: string, name: string): Promise<Result<V1Pod>> {
  return attempt(
    () => client.core.readNamespacedPod({ name, namespace }),
    (e) => (e.code === 404 ? `pod ${namespace}/${name} not found` : e.message),
  );
}

/**
 * Evicts a pod through the Eviction API (honours PodDisruptionBudgets). A refusal because of a
 * budget is `{ ok: false, error.code: 429, reason: <the server's message> }`.
 */
export function evictPod(client: KubeClient, namespace: string, name: string, options: WriteOptions = {}): Promise<Result<true>> {
  return attempt(
    async () => {
      await client.core.createNamespacedPodEviction({
        name,
        namespace,
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name, namespace },
          ...(options.dryRun ? { deleteOptions: { dryRun: ['All'] } } : {}),
        },
        ...(options.dryRun ? { dryRun: 'All' } : {}),
      });
      return true as const;
    },
    (e) =>
      e.code === 429
        ? `blocked by a PodDisruptionBudget: ${e.message}`
        : e.code === 404
          ? `pod ${namespace}/${name} not found`
          : e.message,
  );
}

/** Pods a DaemonSet owns (drain leaves them: the DaemonSet would recreate them at once). */
export function isDaemonSetPod(pod: V1Pod): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.controller);
}

/** Static pods mirrored by the kubelet (cannot be evicted through the API). */
export function isMirrorPod(pod: V1Pod): boolean {
  return Boolean(pod.metadata?.annotations?.['kubernetes.io/config.mirror']);
}

/** Sum of a resource's requests (limits when no request) over a pod's containers. */
export function podRequest(pod: V1Pod, resource: string): number {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    const value = c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource];
    if (value !== undefined) total += Number(value) || 0;
  }
  return total;
}
