import type { V1Lease } from '@kubernetes/client-node';
import type { KubeClient } from '../client';
import { type Result, attempt } from './common';

/** One lease (leader election keeps its record in one). */
export function getLease(client: KubeClient, namespace: string, name: string): Promise<Result<V1Lease>> {
  return attempt(
    () => client.coordination.readNamespacedLease({ name, namespace }),
    (e) => (e.code === 404 ? `lease ${namespace}/${name} not found` : e.message),
  );
}

/** Leases of a namespace. */
export function listLeases(client: KubeClient, namespace: string): Promise<Result<V1Lease[]>> {
  return attempt(async () => (await client.coordination.listNamespacedLease({ namespace })).items);
}
