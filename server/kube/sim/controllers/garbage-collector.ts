import { ApiError } from '../errors';
import { RESOURCE_TYPES, resourceForKind } from '../resources';
import type { KubeObject } from '../types';
import { type SimContext, WorkQueue } from './runtime';

/**
 * The garbage collector: dependents go when their last owner goes (background
 * propagation); "foregroundDeletion" holds the owner until its dependents are gone;
 * "orphan" strips the owner reference from dependents first.
 */
export function startGarbageCollector(ctx: SimContext) {
  const { api, store } = ctx;
  for (const t of RESOURCE_TYPES) {
    store.addIndex(t.kind, 'owner', (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
  }
  const uidIndex = new Map<string, { kind: string; ns: string; name: string }>();

  const dependentsOf = (uid: string): KubeObject[] => {
    const out: KubeObject[] = [];
    for (const t of RESOURCE_TYPES) out.push(...store.byIndex(t.kind, 'owner', uid));
    return out;
  };

  const ownerExists = (uid: string) => uidIndex.has(uid);

  const queue = new WorkQueue('garbage-collector', ctx.timers, (key) => {
    const [op, uid] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (op === 'gone') {
      for (const dep of dependentsOf(uid)) {
        if (dep.metadata.deletionTimestamp) continue;
        const owners = dep.metadata.ownerReferences ?? [];
        if (owners.some((r) => r.uid !== uid && ownerExists(r.uid))) {
          // Another owner remains: only drop the reference to the deleted one.
          api.mutate(dep.kind!, dep.metadata.namespace ?? '', dep.metadata.name!, 'generic-garbage-collector', (o) => {
            o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          });
          continue;
        }
        try {
          api.delete(resourceForKind(dep.kind!), dep.metadata.namespace ?? '', dep.metadata.name!, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
        }
      }
      return;
    }
    const loc = uidIndex.get(uid);
    if (!loc) return;
    const owner = store.get(loc.kind, loc.ns, loc.name);
    if (!owner?.metadata.deletionTimestamp) return;
    const finalizers = owner.metadata.finalizers ?? [];
    if (finalizers.includes('orphan')) {
      for (const dep of dependentsOf(uid)) {
        api.mutate(dep.kind!, dep.metadata.namespace ?? '', dep.metadata.name!, 'generic-garbage-collector', (o) => {
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
        });
      }
      api.mutate(loc.kind, loc.ns, loc.name, 'generic-garbage-collector', (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== 'orphan');
      });
      return;
    }
    if (finalizers.includes('foregroundDeletion')) {
      const deps = dependentsOf(uid);
      for (const dep of deps) {
        if (dep.metadata.deletionTimestamp) continue;
        try {
          api.delete(resourceForKind(dep.kind!), dep.metadata.namespace ?? '', dep.metadata.name!, { propagationPolicy: 'Foreground' });
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
        }
      }
      if (dependentsOf(uid).length > 0) return 50;
      api.mutate(loc.kind, loc.ns, loc.name, 'generic-garbage-collector', (o) => {
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
      });
    }
  });

  store.onChange((t, ev) => {
    const uid = ev.object.metadata.uid!;
    if (ev.type === 'DELETED') {
      uidIndex.delete(uid);
      queue.add(`gone:${uid}`);
      return;
    }
    uidIndex.set(uid, { kind: t.kind, ns: ev.object.metadata.namespace ?? '', name: ev.object.metadata.name! });
    if (ev.object.metadata.deletionTimestamp && (ev.object.metadata.finalizers ?? []).some((f) => f === 'orphan' || f === 'foregroundDeletion'))
      queue.add(`held:${uid}`);
  });
  for (const t of RESOURCE_TYPES) {
    for (const o of store.iterate(t.kind)) uidIndex.set(o.metadata.uid!, { kind: t.kind, ns: o.metadata.namespace ?? '', name: o.metadata.name! });
  }
}
