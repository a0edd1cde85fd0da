import { ApiError } from '../errors';
import { rfc3339 } from '../random';
import { resourceForKind } from '../resources';
import { type KubeObject, clone } from '../types';
import { condition, isActive, isAvailable, isReady } from './pods';
import { type SimContext, WorkQueue, nsName, splitKey } from './runtime';

const MANAGER = 'kube-controller-manager';

/** Pods owned (as controller) by an object. */
export function ownedPods(ctx: SimContext, owner: KubeObject): KubeObject[] {
  return ctx.store.byIndex('Pod', 'owner', owner.metadata.uid!).filter((p) =>
    (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller));
}

/** Which pods go first when scaling down (as controller.ActivePods sorts). */
function deletionRank(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject) => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: KubeObject) => ({ Pending: 0, Unknown: 1, Running: 2 } as Record<string, number>)[p.status?.phase ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: KubeObject) => (isReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  // newer pods go first
  return (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
}

/**
 * The ReplicaSet controller: keeps spec.replicas pods from the template, records
 * ReplicaFailure/FailedCreate when admission (quota, limits) refuses a pod, retries
 * with backoff and when the namespace's quotas change, and reports status.
 */
export function startReplicaSetController(ctx: SimContext) {
  const { api, store } = ctx;
  const podType = resourceForKind('Pod');
  const failures = new Map<string, number>();

  const sync = (key: string): number | void => {
    const [ns, name] = splitKey(key);
    const rs = store.get('ReplicaSet', ns, name);
    if (!rs) {
      failures.delete(key);
      return;
    }
    const pods = ownedPods(ctx, rs);
    const active = pods.filter(isActive);
    const desired = rs.metadata.deletionTimestamp ? active.length : (rs.spec?.replicas as number | undefined) ?? 1;
    let createError: ApiError | undefined;
    let requeue: number | undefined;
    if (active.length < desired) {
      const template = rs.spec.template ?? {};
      for (let i = active.length; i < desired; i++) {
        const body: KubeObject = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${name}-`,
            namespace: ns,
            labels: clone(template.metadata?.labels ?? {}),
            ...(template.metadata?.annotations ? { annotations: clone(template.metadata.annotations) } : {}),
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name, uid: rs.metadata.uid!, controller: true, blockOwnerDeletion: true }],
          },
          spec: clone(template.spec ?? {}),
        };
        try {
          const pod = api.create(podType, ns, body, { fieldManager: MANAGER });
          ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`, 'replicaset-controller');
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          createError = err;
          ctx.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${err.message}`, 'replicaset-controller');
          const n = (failures.get(key) ?? 0) + 1;
          failures.set(key, n);
          requeue = Math.min(10_000, 250 * 2 ** Math.min(n - 1, 6));
          break;
        }
      }
    } else if (active.length > desired) {
      const victims = [...active].sort(deletionRank).slice(0, active.length - desired);
      for (const pod of victims) {
        try {
          api.delete(podType, ns, pod.metadata.name!, {});
          ctx.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
        }
      }
    }
    if (!createError) failures.delete(key);
    const now = Date.now();
    const minReady = (rs.spec?.minReadySeconds as number | undefined) ?? 0;
    const current = ownedPods(ctx, rs).filter(isActive);
    const templateLabels = (rs.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
    const status: Record<string, unknown> = {
      replicas: current.length,
      fullyLabeledReplicas: current.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v)).length,
      readyReplicas: current.filter(isReady).length,
      availableReplicas: current.filter((p) => isAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation,
    };
    const existing = condition(rs, 'ReplicaFailure');
    const conditions = ((rs.status?.conditions ?? []) as Array<Record<string, unknown>>).filter((c) => c.type !== 'ReplicaFailure');
    if (createError) {
      const reason = 'FailedCreate';
      // The first failure's message stays until the condition clears (calculateStatus).
      conditions.push(existing ?? { type: 'ReplicaFailure', status: 'True', lastTransitionTime: rfc3339(), reason, message: createError.message });
    }
    if (conditions.length > 0) status.conditions = conditions;
    for (const k of ['readyReplicas', 'availableReplicas', 'fullyLabeledReplicas']) if (status[k] === 0) delete status[k];
    api.mutate('ReplicaSet', ns, name, MANAGER, (o) => {
      const next = { ...status };
      if (JSON.stringify(o.status ?? {}) === JSON.stringify(next)) return false;
      o.status = next;
    }, 'status');
    if (minReady > 0 && current.some((p) => isReady(p) && !isAvailable(p, minReady, now))) return Math.min(requeue ?? Infinity, minReady * 1000);
    return requeue;
  };

  const queue = new WorkQueue('replicaset', ctx.timers, sync);
  store.onChange((t, ev) => {
    if (t.kind === 'ReplicaSet') queue.add(nsName(ev.object));
    else if (t.kind === 'Pod') {
      const owner = (ev.object.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'ReplicaSet');
      if (owner) queue.add(`${ev.object.metadata.namespace}/${owner.name}`);
    } else if (t.kind === 'ResourceQuota' || t.kind === 'LimitRange') {
      // A quota raised or freed: retry the namespace's failing ReplicaSets now.
      for (const key of failures.keys()) if (key.startsWith(`${ev.object.metadata.namespace}/`)) queue.add(key);
    }
  });
  return { queue, failures };
}
