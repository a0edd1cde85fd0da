import type { Admitter } from '../api';
import { forbidden } from '../errors';
import { type Quantity, formatQuantity, parseResourceList } from '../quantity';
import { RESOURCE_TYPES, type ResourceType, resourceForKind } from '../resources';
import type { KubeObject } from '../types';
import { isExtendedResource } from '../validation';
import { isTerminal, podRequests } from './pods';
import { type SimContext, WorkQueue } from './runtime';

const ONE = 1_000_000_000n;

/** The quota resource names an object consumes (count/…, pods, requests.*, limits.* …). */
function usageOf(t: ResourceType, obj: KubeObject): Map<string, bigint> {
  const u = new Map<string, bigint>();
  const countName = t.group ? `count/${t.plural}.${t.group}` : `count/${t.plural}`;
  u.set(countName, ONE);
  if (['services', 'secrets', 'configmaps', 'resourcequotas'].includes(t.plural) && !t.group) u.set(t.plural, ONE);
  if (t.kind === 'Service') {
    if (obj.spec?.type === 'LoadBalancer') u.set('services.loadbalancers', ONE);
    if (obj.spec?.type === 'NodePort' || obj.spec?.type === 'LoadBalancer') {
      u.set('services.nodeports', BigInt(((obj.spec?.ports ?? []) as unknown[]).length) * ONE);
    }
  }
  if (t.kind === 'Pod') {
    if (isTerminal(obj)) return new Map();
    u.set('pods', ONE);
    for (const [k, q] of podRequests(obj, 'requests')) {
      if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') {
        u.set(`requests.${k}`, q.nano);
        u.set(k, q.nano);
      } else if (isExtendedResource(k) || k.startsWith('hugepages-')) {
        u.set(`requests.${k}`, q.nano);
      }
    }
    for (const [k, q] of podRequests(obj, 'limits')) {
      if (k === 'cpu' || k === 'memory' || k === 'ephemeral-storage') u.set(`limits.${k}`, q.nano);
    }
  }
  return u;
}

/** Resource names whose format prints in binary units (memory-like). */
function formatFor(resource: string, hard: Quantity | undefined): Quantity['format'] {
  return hard?.format ?? (/memory|storage/.test(resource) ? 'BinarySI' : 'DecimalSI');
}

/**
 * ResourceQuota: admission refuses what would exceed spec.hard ("exceeded quota: …",
 * "failed quota: … must specify …"), and the quota controller keeps status.hard and
 * status.used current.
 */
export function startQuota(ctx: SimContext) {
  const { api, store } = ctx;

  const namespaceUsage = (ns: string, resources: Set<string>): Map<string, bigint> => {
    const total = new Map<string, bigint>();
    const kinds = new Set<string>(['Pod']);
    for (const r of resources) {
      if (r.startsWith('count/')) {
        const [plural, ...group] = r.slice('count/'.length).split('.');
        const t = RESOURCE_TYPES.find((x) => x.plural === plural && x.group === group.join('.'));
        if (t) kinds.add(t.kind);
      } else if (['services', 'secrets', 'configmaps', 'resourcequotas', 'services.loadbalancers', 'services.nodeports'].includes(r)) {
        kinds.add({ services: 'Service', secrets: 'Secret', configmaps: 'ConfigMap', resourcequotas: 'ResourceQuota' }[r.split('.')[0]!] ?? 'Service');
      }
    }
    for (const kind of kinds) {
      const t = resourceForKind(kind);
      for (const obj of store.iterate(kind, ns)) {
        for (const [k, v] of usageOf(t, obj)) if (resources.has(k)) total.set(k, (total.get(k) ?? 0n) + v);
      }
    }
    return total;
  };

  const admitter: Admitter = {
    validate(a) {
      if (a.op !== 'CREATE' || !a.type.namespaced) return;
      const ns = a.object.metadata.namespace!;
      const quotas = store.list('ResourceQuota', ns);
      if (quotas.length === 0) return;
      const delta = usageOf(a.type, a.object);
      for (const quota of quotas.sort((x, y) => x.metadata.name!.localeCompare(y.metadata.name!))) {
        const hard = parseResourceList(quota.spec?.hard);
        if (a.type.kind === 'Pod') {
          // Compute resources a quota tracks must be stated by every container.
          const missing: string[] = [];
          for (const r of ['limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory', 'cpu', 'memory']) {
            if (!hard.has(r)) continue;
            const [which, res] = r.includes('.') ? r.split('.') as ['limits' | 'requests', string] : ['requests' as const, r];
            const lacking = ((a.object.spec?.containers ?? []) as Array<{ name: string; resources?: Record<string, Record<string, string>> }>)
              .filter((c) => c.resources?.[which]?.[res] === undefined).map((c) => c.name);
            if (lacking.length) missing.push(`${which}.${res} for: ${lacking.join(',')}`);
          }
          if (missing.length) {
            throw forbidden(a.type, a.object.metadata.name!, `failed quota: ${quota.metadata.name}: must specify ${[...new Set(missing)].sort().join('; ')}`);
          }
        }
        const tracked = [...hard.keys()].filter((r) => delta.has(r) && delta.get(r)! > 0n);
        if (tracked.length === 0) continue;
        const used = namespaceUsage(ns, new Set(tracked));
        const exceeded = tracked.filter((r) => (used.get(r) ?? 0n) + delta.get(r)! > hard.get(r)!.nano).sort();
        if (exceeded.length === 0) continue;
        const fmt = (r: string, v: bigint) => `${r}=${formatQuantity({ nano: v, format: formatFor(r, hard.get(r)) })}`;
        throw forbidden(a.type, a.object.metadata.name!,
          `exceeded quota: ${quota.metadata.name}, requested: ${exceeded.map((r) => fmt(r, delta.get(r)!)).join(',')}, used: ${exceeded.map((r) => fmt(r, used.get(r) ?? 0n)).join(',')}, limited: ${exceeded.map((r) => fmt(r, hard.get(r)!.nano)).join(',')}`);
      }
    },
  };
  api.addAdmitter(admitter);

  const queue = new WorkQueue('resourcequota', ctx.timers, (ns) => {
    for (const quota of store.list('ResourceQuota', ns)) {
      const hard = parseResourceList(quota.spec?.hard);
      const used = namespaceUsage(ns, new Set(hard.keys()));
      const hardOut: Record<string, string> = {};
      const usedOut: Record<string, string> = {};
      for (const [k, q] of [...hard.entries()].sort(([x], [y]) => x.localeCompare(y))) {
        hardOut[k] = formatQuantity(q);
        usedOut[k] = formatQuantity({ nano: used.get(k) ?? 0n, format: formatFor(k, q) });
      }
      api.mutate('ResourceQuota', ns, quota.metadata.name!, 'kube-controller-manager', (o) => {
        const next = { hard: hardOut, used: usedOut };
        if (JSON.stringify(o.status ?? {}) === JSON.stringify(next)) return false;
        o.status = next;
      }, 'status');
    }
  });
  store.onChange((t, ev) => {
    if (!t.namespaced || t.kind === 'Event') return;
    const ns = ev.object.metadata.namespace!;
    if (t.kind === 'ResourceQuota') {
      if (ev.type !== 'DELETED' && JSON.stringify(ev.previous?.spec) === JSON.stringify(ev.object.spec) && ev.previous) return;
      queue.add(ns);
      return;
    }
    if (store.count('ResourceQuota', ns) === 0) return;
    if (t.kind === 'Pod' && ev.type === 'MODIFIED' && isTerminal(ev.object) === isTerminal(ev.previous!)) return;
    if (ev.type === 'MODIFIED' && t.kind !== 'Pod' && t.kind !== 'Service') return;
    queue.add(ns);
  });
}

