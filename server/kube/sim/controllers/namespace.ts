import { forbidden } from '../errors';
import { type ResourceType, RESOURCE_TYPES, resourceForKind } from '../resources';
import { rfc3339 } from '../random';
import type { KubeObject } from '../types';
import { type SimContext, WorkQueue } from './runtime';

const ROOT_CA = `-----BEGIN CERTIFICATE-----
MIIDBTCCAe2gAwIBAgIIVGz3Z2x1c2ltMA0GCSqGSIb3DQEBCwUAMBUxEzARBgNV
BAMTCmt1YmVybmV0ZXMwHhcNMjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAwMDAwWjAV
MRMwEQYDVQQDEwprdWJlcm5ldGVzMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB
CgKCAQEAzK1mU0bGx1c2ltdWxhdGVkLWNsdXN0ZXItY2EtZm9yLWxlaXRzdGFuZA==
-----END CERTIFICATE-----
`;

const NAMESPACED: ResourceType[] = RESOURCE_TYPES.filter((t) => t.namespaced);

/**
 * The namespace lifecycle: DELETE turns a namespace Terminating, the namespace
 * controller deletes its content, and once nothing is left it drops the "kubernetes"
 * finalizer and the namespace goes. Also publishes kube-root-ca.crt into every
 * namespace, as kube-controller-manager does.
 */
export function startNamespaceController(ctx: SimContext) {
  const { api, store } = ctx;
  const nsType = resourceForKind('Namespace');
  const cmType = resourceForKind('ConfigMap');
  const emptySince = new Map<string, number>();

  api.addDeleteHook((t, obj, opts) => {
    if (t.kind !== 'Namespace') return undefined;
    if (obj.metadata.deletionTimestamp) return { object: obj, removed: false };
    const name = obj.metadata.name!;
    if (['default', 'kube-system', 'kube-public'].includes(name)) {
      throw forbidden(nsType, name, 'this namespace may not be deleted');
    }
    const now = rfc3339();
    const next: KubeObject = {
      ...obj,
      metadata: { ...obj.metadata, deletionTimestamp: now, deletionGracePeriodSeconds: 0 },
      status: { ...(obj.status ?? {}), phase: 'Terminating' },
    };
    if (opts.dryRun) return { object: next, removed: false };
    const stored = store.put('Namespace', next);
    queue.add(name);
    return { object: stored, removed: false };
  });

  const contentLeft = (ns: string): Record<string, number> => {
    const left: Record<string, number> = {};
    for (const t of NAMESPACED) {
      const n = store.count(t.kind, ns);
      if (n > 0) left[t.group ? `${t.plural}.${t.group}` : t.plural] = n;
    }
    return left;
  };

  const queue = new WorkQueue('namespace', ctx.timers, (name) => {
    const ns = store.get('Namespace', '', name);
    if (!ns) return;
    if (!ns.metadata.deletionTimestamp) {
      if (!store.get('ConfigMap', name, 'kube-root-ca.crt') && ns.status?.phase !== 'Terminating') {
        api.create(cmType, name, {
          metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } },
          data: { 'ca.crt': ROOT_CA },
        }, { fieldManager: 'kube-controller-manager' });
      }
      return;
    }
    for (const t of NAMESPACED) {
      for (const obj of store.list(t.kind, name)) {
        if (obj.metadata.deletionTimestamp) continue;
        try {
          api.delete(t, name, obj.metadata.name!, {});
        } catch {
          // already gone
        }
      }
    }
    const left = contentLeft(name);
    const remaining = Object.entries(left);
    const condition = remaining.length
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain',
        message: `Some resources are remaining: ${remaining.map(([r, n]) => `${r} has ${n} resource instances`).join(', ')}` }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' };
    api.mutate('Namespace', '', name, 'kube-controller-manager', (o) => {
      const conditions = (o.status.conditions ?? []) as Array<Record<string, string>>;
      const existing = conditions.find((c) => c.type === condition.type);
      if (existing && existing.status === condition.status && existing.message === condition.message) return false;
      o.status.conditions = [
        ...conditions.filter((c) => c.type !== condition.type),
        { ...condition, lastTransitionTime: existing?.status === condition.status ? existing.lastTransitionTime! : rfc3339() },
      ];
    }, 'status');
    if (remaining.length > 0) {
      emptySince.delete(name);
      return 50;
    }
    const since = emptySince.get(name) ?? Date.now();
    emptySince.set(name, since);
    const wait = since + ctx.namespaceCleanupDelayMs - Date.now();
    if (wait > 0) return wait;
    emptySince.delete(name);
    const finalized = api.mutate('Namespace', '', name, 'kube-controller-manager', (o) => {
      o.spec = { ...(o.spec ?? {}), finalizers: ((o.spec?.finalizers ?? []) as string[]).filter((f) => f !== 'kubernetes') };
    });
    if (finalized && (finalized.metadata.finalizers ?? []).length === 0 && (finalized.spec?.finalizers ?? []).length === 0) {
      api.forceRemove(nsType, '', name);
    }
  });

  store.onChange((t, ev) => {
    if (t.kind === 'Namespace' && ev.type !== 'DELETED') queue.add(ev.object.metadata.name!);
    else if (t.namespaced && ev.type === 'DELETED') {
      const ns = store.get('Namespace', '', ev.object.metadata.namespace ?? '');
      if (ns?.metadata.deletionTimestamp) queue.add(ns.metadata.name!);
      else if (t.kind === 'ConfigMap' && ev.object.metadata.name === 'kube-root-ca.crt' && ns) queue.add(ns.metadata.name!);
    }
  });
  for (const ns of store.list('Namespace')) queue.add(ns.metadata.name!);
}
