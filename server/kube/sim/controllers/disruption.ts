import { ApiError, notFound } from '../errors';
import { rfc3339 } from '../random';
import { resourceForKind } from '../resources';
import { fromLabelSelectorObject, matchesLabels } from '../selectors';
import type { KubeObject } from '../types';
import { controllerOf, isReady, isTerminal } from './pods';
import { type SimContext, WorkQueue, nsName, splitKey } from './runtime';

const EVICTION_BLOCKED = "Cannot evict pod as it would violate the pod's disruption budget.";
/** disruptedPods entries older than this no longer count (the disruption controller's timeout) */
const DISRUPTION_TIMEOUT_MS = 2 * 60 * 1000;

function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v ?? '0'));
  const x = ((m ? Number(m[1]) : 0) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

function tooMany(cause: string): ApiError {
  return new ApiError(429, 'TooManyRequests', EVICTION_BLOCKED, { causes: [{ reason: 'DisruptionBudget', message: cause }] });
}

/**
 * The disruption controller (PodDisruptionBudget status: expectedPods, currentHealthy,
 * desiredHealthy, disruptionsAllowed, DisruptionAllowed condition) and the Eviction API
 * (pods/NAME/eviction) that honours it.
 */
export function startDisruption(ctx: SimContext) {
  const { api, store } = ctx;
  const podType = resourceForKind('Pod');

  const pdbsFor = (pod: KubeObject): KubeObject[] => store.list('PodDisruptionBudget', pod.metadata.namespace!).filter((pdb) => {
    const sel = fromLabelSelectorObject(pdb.spec?.selector);
    return sel !== undefined && sel.length > 0 && matchesLabels(sel, pod.metadata.labels);
  });

  /** The scale of the controller above a pod (Deployment through its ReplicaSet). */
  const controllerScale = (pod: KubeObject): { uid: string; replicas: number } | undefined => {
    const ref = controllerOf(pod);
    if (!ref) return undefined;
    if (ref.kind === 'ReplicaSet') {
      const rs = store.get('ReplicaSet', pod.metadata.namespace!, ref.name);
      if (!rs) return undefined;
      const dref = controllerOf(rs);
      const d = dref?.kind === 'Deployment' ? store.get('Deployment', pod.metadata.namespace!, dref.name) : undefined;
      if (d) return { uid: d.metadata.uid!, replicas: (d.spec?.replicas as number) ?? 1 };
      return { uid: rs.metadata.uid!, replicas: (rs.spec?.replicas as number) ?? 1 };
    }
    return undefined;
  };

  const computeStatus = (pdb: KubeObject) => {
    const sel = fromLabelSelectorObject(pdb.spec?.selector) ?? [];
    const pods = sel.length === 0 ? [] : store.list('Pod', pdb.metadata.namespace!).filter((p) => matchesLabels(sel, p.metadata.labels) && !isTerminal(p));
    const now = Date.now();
    const disrupted: Record<string, string> = {};
    for (const [name, at] of Object.entries((pdb.status?.disruptedPods ?? {}) as Record<string, string>)) {
      const pod = store.get('Pod', pdb.metadata.namespace!, name);
      if (pod && !pod.metadata.deletionTimestamp && Date.parse(at) + DISRUPTION_TIMEOUT_MS > now) disrupted[name] = at;
    }
    const healthy = pods.filter((p) => isReady(p) && !p.metadata.deletionTimestamp && !disrupted[p.metadata.name!]).length;
    let expected: number;
    let desired: number;
    const minAvailable = pdb.spec?.minAvailable;
    const maxUnavailable = pdb.spec?.maxUnavailable;
    if (typeof minAvailable === 'number') {
      expected = pods.length;
      desired = minAvailable;
    } else {
      const scales = new Map<string, number>();
      let unmanaged = 0;
      for (const p of pods) {
        const s = controllerScale(p);
        if (s) scales.set(s.uid, s.replicas);
        else unmanaged++;
      }
      expected = unmanaged > 0 && scales.size === 0 ? pods.length : [...scales.values()].reduce((a, b) => a + b, 0);
      if (minAvailable !== undefined) desired = scaled(minAvailable, expected, true);
      else if (maxUnavailable !== undefined) desired = Math.max(0, expected - scaled(maxUnavailable, expected, true));
      else desired = expected;
    }
    const allowed = Math.max(0, healthy - desired);
    return { expectedPods: expected, currentHealthy: healthy, desiredHealthy: desired, disruptionsAllowed: allowed, disruptedPods: disrupted };
  };

  const writeStatus = (pdb: KubeObject, s: ReturnType<typeof computeStatus>) => {
    return api.mutate('PodDisruptionBudget', pdb.metadata.namespace!, pdb.metadata.name!, 'kube-controller-manager', (o) => {
      const prev = ((o.status?.conditions ?? []) as Array<Record<string, unknown>>).find((c) => c.type === 'DisruptionAllowed');
      const ok = s.disruptionsAllowed > 0;
      const cond = {
        type: 'DisruptionAllowed',
        status: ok ? 'True' : 'False',
        observedGeneration: o.metadata.generation,
        lastTransitionTime: prev && prev.status === (ok ? 'True' : 'False') ? prev.lastTransitionTime : rfc3339(),
        reason: ok ? 'SufficientPods' : 'InsufficientPods',
        message: '',
      };
      const next: Record<string, unknown> = {
        observedGeneration: o.metadata.generation,
        ...(Object.keys(s.disruptedPods).length ? { disruptedPods: s.disruptedPods } : {}),
        disruptionsAllowed: s.disruptionsAllowed,
        currentHealthy: s.currentHealthy,
        desiredHealthy: s.desiredHealthy,
        expectedPods: s.expectedPods,
        conditions: [cond],
      };
      if (JSON.stringify(o.status ?? {}) === JSON.stringify(next)) return false;
      o.status = next;
    }, 'status');
  };

  const queue = new WorkQueue('disruption', ctx.timers, (key) => {
    const [ns, name] = splitKey(key);
    const pdb = store.get('PodDisruptionBudget', ns, name);
    if (!pdb) return;
    const s = computeStatus(pdb);
    writeStatus(pdb, s);
    if (Object.keys(s.disruptedPods).length) return DISRUPTION_TIMEOUT_MS;
  });

  store.onChange((t, ev) => {
    if (t.kind === 'PodDisruptionBudget') {
      if (ev.type !== 'DELETED' && JSON.stringify(ev.previous?.spec) !== JSON.stringify(ev.object.spec)) queue.add(nsName(ev.object));
    } else if (t.kind === 'Pod') {
      const seen = new Set<string>();
      for (const p of [ev.object, ev.previous]) {
        if (!p) continue;
        for (const pdb of pdbsFor(p)) {
          if (seen.has(pdb.metadata.name!)) continue;
          seen.add(pdb.metadata.name!);
          queue.add(nsName(pdb));
        }
      }
    } else if (t.kind === 'Deployment' && ev.previous?.spec?.replicas !== ev.object.spec?.replicas) {
      for (const pdb of store.list('PodDisruptionBudget', ev.object.metadata.namespace!)) queue.add(nsName(pdb));
    }
  });

  ctx.subresources['pods/eviction'] = (req) => {
    if (req.method !== 'POST') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const body = (req.body ?? {}) as { metadata?: { name?: string }; deleteOptions?: { gracePeriodSeconds?: number; dryRun?: string[]; preconditions?: { uid?: string; resourceVersion?: string } } };
    if (body.metadata?.name && body.metadata.name !== req.name)
      throw new ApiError(400, 'BadRequest', `name in URL does not match name in Eviction object`);
    const pod = store.get('Pod', req.namespace, req.name);
    if (!pod) throw notFound(podType, req.name);
    const dryRun = req.dryRun || (body.deleteOptions?.dryRun ?? []).includes('All');
    const del = () => api.delete(podType, req.namespace, req.name, {
      dryRun, gracePeriodSeconds: body.deleteOptions?.gracePeriodSeconds, preconditions: body.deleteOptions?.preconditions,
    });
    const created = { code: 201, verb: 'create', body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
    // Terminal or already-terminating pods are not protected by budgets.
    if (isTerminal(pod) || pod.metadata.deletionTimestamp) {
      del();
      return created;
    }
    const pdbs = pdbsFor(pod);
    if (pdbs.length > 1)
      throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    if (pdbs.length === 0) {
      del();
      return created;
    }
    const pdb = pdbs[0]!;
    if ((pdb.status?.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0))
      throw tooMany(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`);
    const s = computeStatus(pdb);
    if (!isReady(pod)) {
      const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
      if (policy === 'AlwaysAllow' || s.currentHealthy >= s.desiredHealthy) {
        del();
        return created;
      }
      throw tooMany(`The disruption budget ${pdb.metadata.name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`);
    }
    if (s.disruptionsAllowed <= 0)
      throw tooMany(`The disruption budget ${pdb.metadata.name} needs ${s.desiredHealthy} healthy pods and has ${s.currentHealthy} currently`);
    if (!dryRun) {
      writeStatus(pdb, {
        ...s,
        currentHealthy: s.currentHealthy - 1,
        disruptionsAllowed: s.disruptionsAllowed - 1,
        disruptedPods: { ...s.disruptedPods, [req.name]: rfc3339() },
      });
    }
    del();
    return created;
  };
}
