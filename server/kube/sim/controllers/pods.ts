import { type Quantity, parseResourceList } from '../quantity';
import type { KubeObject } from '../types';

const requestCache = new WeakMap<KubeObject, Map<string, Quantity>>();
const limitCache = new WeakMap<KubeObject, Map<string, Quantity>>();

/**
 * Requests of a pod as the scheduler and quota count them: max(sum of containers, any
 * init container) + overhead. Cached per stored (immutable) object; do not mutate the result.
 */
export function podRequests(pod: KubeObject, which: 'requests' | 'limits' = 'requests'): Map<string, Quantity> {
  const cache = which === 'requests' ? requestCache : limitCache;
  const hit = cache.get(pod);
  if (hit) return hit;
  const computed = computePodResources(pod, which);
  if (Object.isFrozen(pod)) cache.set(pod, computed);
  return computed;
}

function computePodResources(pod: KubeObject, which: 'requests' | 'limits'): Map<string, Quantity> {
  const total = new Map<string, Quantity>();
  const add = (m: Map<string, Quantity>, k: string, q: Quantity) => {
    const cur = m.get(k);
    m.set(k, cur ? { nano: cur.nano + q.nano, format: cur.format } : { ...q });
  };
  for (const c of (pod.spec?.containers ?? []) as Array<{ resources?: Record<string, Record<string, string>> }>) {
    for (const [k, q] of parseResourceList(c.resources?.[which])) add(total, k, q);
  }
  for (const c of (pod.spec?.initContainers ?? []) as Array<{ resources?: Record<string, Record<string, string>> }>) {
    for (const [k, q] of parseResourceList(c.resources?.[which])) {
      const cur = total.get(k);
      if (!cur || cur.nano < q.nano) total.set(k, { ...q });
    }
  }
  for (const [k, q] of parseResourceList(pod.spec?.overhead)) add(total, k, q);
  return total;
}

/** Succeeded or Failed. */
export function isTerminal(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Active: neither terminal nor being deleted (as controllers count replicas). */
export function isActive(pod: KubeObject): boolean {
  return !isTerminal(pod) && !pod.metadata.deletionTimestamp;
}

/** The status condition of a type, if present. */
export function condition(obj: KubeObject, type: string): Record<string, string> | undefined {
  return ((obj.status?.conditions ?? []) as Array<Record<string, string>>).find((c) => c.type === type);
}

/** Ready=True. */
export function isReady(pod: KubeObject): boolean {
  return condition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds (an "available" replica). */
export function isAvailable(pod: KubeObject, minReadySeconds: number, now = Date.now()): boolean {
  const c = condition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  return Date.parse(c.lastTransitionTime ?? '') + minReadySeconds * 1000 <= now;
}

/** The pod QoS class the kubelet reports. */
export function qosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])] as Array<{ resources?: Record<string, Record<string, string>> }>;
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The controller owner reference, if any. */
export function controllerOf(obj: KubeObject) {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller);
}

interface Toleration { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }
export interface Taint { key: string; value?: string; effect: string }

/** Whether one toleration tolerates a taint (Equal/Exists, effect). */
export function tolerates(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (!tol.key) return tol.operator === 'Exists';
  if (tol.key !== taint.key) return false;
  if ((tol.operator ?? 'Equal') === 'Exists') return true;
  return (tol.value ?? '') === (taint.value ?? '');
}

/** The pod's tolerations. */
export function podTolerations(pod: KubeObject): Toleration[] {
  return (pod.spec?.tolerations ?? []) as Toleration[];
}

/** Whether any of the pod's tolerations tolerates the taint. */
export function toleratesTaint(pod: KubeObject, taint: Taint): boolean {
  return podTolerations(pod).some((t) => tolerates(t, taint));
}
