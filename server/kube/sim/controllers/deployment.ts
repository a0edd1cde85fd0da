import { ApiError } from '../errors';
import { fnv32a, rfc3339, safeEncode } from '../random';
import { resourceForKind } from '../resources';
import { type KubeObject, clone, deepEqual } from '../types';
import { condition } from './pods';
import { type SimContext, WorkQueue, nsName, splitKey } from './runtime';

const MANAGER = 'kube-controller-manager';
const REVISION = 'deployment.kubernetes.io/revision';

/** pod-template-hash: FNV-32a of the template (plus collisionCount), safe-encoded as the controller does. */
export function templateHash(template: unknown, collisionCount?: number): string {
  let text = JSON.stringify(template ?? {});
  if (collisionCount) text += String(collisionCount);
  return safeEncode(String(fnv32a(text)));
}

function withoutHash(template: unknown): unknown {
  const t = clone(template ?? {}) as { metadata?: { labels?: Record<string, string> } };
  if (t.metadata?.labels) {
    delete t.metadata.labels['pod-template-hash'];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  return t;
}

/** Resolves maxSurge / maxUnavailable as intstr.GetScaledValueFromIntOrPercent does. */
export function resolveFenceposts(d: KubeObject): { surge: number; unavailable: number } {
  const replicas = (d.spec?.replicas as number | undefined) ?? 1;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const scaled = (v: unknown, roundUp: boolean): number => {
    if (typeof v === 'number') return v;
    const m = /^(\d+)%$/.exec(String(v ?? '25%'));
    const pct = m ? Number(m[1]) : 25;
    const x = (pct * replicas) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  };
  const surge = scaled(ru.maxSurge ?? '25%', true);
  let unavailable = scaled(ru.maxUnavailable ?? '25%', false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable: Math.min(unavailable, replicas) };
}

type Cond = { type: string; status: string; lastUpdateTime?: string; lastTransitionTime?: string; reason?: string; message?: string };

function setCondition(conditions: Cond[], next: Cond, now: string, touchUpdate = true) {
  const i = conditions.findIndex((c) => c.type === next.type);
  const cur = conditions[i];
  if (cur && cur.status === next.status && cur.reason === next.reason && cur.message === next.message) return;
  const merged: Cond = {
    type: next.type,
    status: next.status,
    lastUpdateTime: touchUpdate || !cur ? now : cur.lastUpdateTime,
    lastTransitionTime: cur && cur.status === next.status ? cur.lastTransitionTime : now,
    reason: next.reason,
    message: next.message,
  };
  if (i >= 0) conditions[i] = merged;
  else conditions.push(merged);
}

/**
 * The Deployment controller: one ReplicaSet per template (pod-template-hash), rolling
 * updates within maxSurge/maxUnavailable (or Recreate), revision annotations, history
 * limit, and status with Available / Progressing / ReplicaFailure conditions worded as
 * the real controller words them.
 */
export function startDeploymentController(ctx: SimContext) {
  const { api, store } = ctx;
  const rsType = resourceForKind('ReplicaSet');

  const ownedSets = (d: KubeObject) => store.byIndex('ReplicaSet', 'owner', d.metadata.uid!)
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid && r.controller));

  const scaleRs = (rs: KubeObject, replicas: number, d: KubeObject, maxReplicas: number) => {
    if (rs.spec?.replicas === replicas && rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] === String(d.spec.replicas)) return rs;
    const before = rs.spec?.replicas as number;
    const updated = api.mutate('ReplicaSet', rs.metadata.namespace!, rs.metadata.name!, MANAGER, (o) => {
      o.spec.replicas = replicas;
      o.metadata.annotations = {
        ...(o.metadata.annotations ?? {}),
        'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas),
        'deployment.kubernetes.io/max-replicas': String(maxReplicas),
      };
    });
    if (before !== replicas) {
      const verb = replicas > before ? 'up' : 'down';
      ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata.name} from ${before} to ${replicas}`, 'deployment-controller');
    }
    return updated ?? rs;
  };

  const sync = (key: string): number | void => {
    const [ns, name] = splitKey(key);
    const d = store.get('Deployment', ns, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const replicas = (d.spec?.replicas as number | undefined) ?? 1;
    const sets = ownedSets(d).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || a.metadata.name!.localeCompare(b.metadata.name!));
    const templateNoHash = withoutHash(d.spec.template);
    let newRs = sets.find((rs) => deepEqual(withoutHash(rs.spec?.template), templateNoHash));
    const oldSets = () => ownedSets(d).filter((rs) => rs.metadata.uid !== newRs?.metadata.uid);
    const { surge, unavailable } = d.spec.strategy?.type === 'Recreate' ? { surge: 0, unavailable: replicas } : resolveFenceposts(d);
    const maxReplicas = replicas + surge;
    const now = rfc3339();
    let progressMessage: Cond | undefined;
    const maxRevision = Math.max(0, ...sets.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));

    if (!d.spec.paused) {
      if (!newRs) {
        const hash = templateHash(templateNoHash, d.status?.collisionCount as number | undefined);
        const template = clone(d.spec.template ?? {});
        template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), 'pod-template-hash': hash } };
        const allReplicas = sets.reduce((n, rs) => n + ((rs.spec?.replicas as number) ?? 0), 0);
        let initial = replicas;
        if (d.spec.strategy?.type === 'Recreate') initial = sets.some((rs) => (rs.spec?.replicas ?? 0) > 0) ? 0 : replicas;
        else if (sets.length > 0) initial = Math.max(0, Math.min(maxReplicas - allReplicas, replicas));
        try {
          newRs = api.create(rsType, ns, {
            metadata: {
              name: `${name}-${hash}`,
              labels: { ...(d.spec.template?.metadata?.labels ?? {}), 'pod-template-hash': hash },
              annotations: {
                'deployment.kubernetes.io/desired-replicas': String(replicas),
                'deployment.kubernetes.io/max-replicas': String(maxReplicas),
                [REVISION]: String(maxRevision + 1),
              },
              ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata.uid!, controller: true, blockOwnerDeletion: true }],
            },
            spec: {
              replicas: initial,
              minReadySeconds: d.spec.minReadySeconds ?? 0,
              selector: { ...clone(d.spec.selector), matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash } },
              template,
            },
          }, { fieldManager: MANAGER });
          ctx.events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${newRs.metadata.name} from 0 to ${initial}`, 'deployment-controller');
          progressMessage = { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${newRs.metadata.name}"` };
        } catch (err) {
          if (!(err instanceof ApiError) || err.code !== 409) throw err;
          // hash collision: bump collisionCount and retry, as the real controller does
          api.mutate('Deployment', ns, name, MANAGER, (o) => {
            o.status = { ...(o.status ?? {}), collisionCount: ((o.status?.collisionCount as number) ?? 0) + 1 };
          }, 'status');
          return 0;
        }
      } else {
        // Adopting an older template again: it becomes the newest revision.
        const rev = Number(newRs.metadata.annotations?.[REVISION] ?? 0);
        if (rev < maxRevision) {
          newRs = api.mutate('ReplicaSet', ns, newRs.metadata.name!, MANAGER, (o) => {
            o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [REVISION]: String(maxRevision + 1) };
          }) ?? newRs;
        }
      }

      const olds = oldSets();
      if (d.spec.strategy?.type === 'Recreate') {
        for (const rs of olds) if ((rs.spec?.replicas ?? 0) > 0) scaleRs(rs, 0, d, maxReplicas);
        const oldPodsRunning = olds.some((rs) => store.byIndex('Pod', 'owner', rs.metadata.uid!).some((p) => !['Succeeded', 'Failed'].includes(p.status?.phase)));
        if (!oldPodsRunning) newRs = scaleRs(newRs, replicas, d, maxReplicas);
        else newRs = scaleRs(newRs, 0, d, maxReplicas);
      } else {
        // reconcileNewReplicaSet
        const newReplicas = (newRs.spec?.replicas as number) ?? 0;
        if (newReplicas > replicas) newRs = scaleRs(newRs, replicas, d, maxReplicas);
        else if (newReplicas < replicas) {
          const current = [...olds, newRs].reduce((n, rs) => n + ((rs.spec?.replicas as number) ?? 0), 0);
          const scaleUp = Math.max(0, Math.min(maxReplicas - current, replicas - newReplicas));
          if (olds.every((rs) => (rs.spec?.replicas ?? 0) === 0)) newRs = scaleRs(newRs, replicas, d, maxReplicas);
          else if (scaleUp > 0) newRs = scaleRs(newRs, newReplicas + scaleUp, d, maxReplicas);
        } else if (newRs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'] !== String(replicas)) {
          newRs = scaleRs(newRs, replicas, d, maxReplicas);
        }
        // reconcileOldReplicaSets
        const oldsNow = oldSets();
        const oldCount = oldsNow.reduce((n, rs) => n + ((rs.spec?.replicas as number) ?? 0), 0);
        if (oldCount > 0) {
          const all = [...oldsNow, newRs];
          const allPods = all.reduce((n, rs) => n + ((rs.spec?.replicas as number) ?? 0), 0);
          const minAvailable = replicas - unavailable;
          const newUnavailable = ((newRs.spec?.replicas as number) ?? 0) - ((newRs.status?.availableReplicas as number) ?? 0);
          let maxScaledDown = allPods - minAvailable - newUnavailable;
          if (maxScaledDown > 0) {
            // cleanupUnhealthyReplicas: old pods that are not available go first
            for (const rs of oldsNow) {
              if (maxScaledDown <= 0) break;
              const specReplicas = (rs.spec?.replicas as number) ?? 0;
              const unhealthy = specReplicas - ((rs.status?.availableReplicas as number) ?? 0);
              if (specReplicas === 0 || unhealthy <= 0) continue;
              const down = Math.min(maxScaledDown, unhealthy);
              scaleRs(rs, specReplicas - down, d, maxReplicas);
              maxScaledDown -= down;
            }
            // scaleDownOldReplicaSetsForRollingUpdate
            const refreshed = oldSets();
            const available = [...refreshed, newRs].reduce((n, rs) => n + ((rs.status?.availableReplicas as number) ?? 0), 0);
            let total = Math.min(available - minAvailable, maxScaledDown);
            for (const rs of refreshed) {
              if (total <= 0) break;
              const specReplicas = (rs.spec?.replicas as number) ?? 0;
              if (specReplicas === 0) continue;
              const down = Math.min(specReplicas, total);
              scaleRs(rs, specReplicas - down, d, maxReplicas);
              total -= down;
            }
          }
        }
      }
      // revisionHistoryLimit: drop the oldest empty ReplicaSets beyond the limit
      const limit = (d.spec.revisionHistoryLimit as number | undefined) ?? 10;
      const empty = oldSets().filter((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
        .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
      for (const rs of empty.slice(0, Math.max(0, empty.length - limit))) {
        try {
          api.delete(rsType, ns, rs.metadata.name!, {});
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
        }
      }
      if (newRs.metadata.annotations?.[REVISION] !== d.metadata.annotations?.[REVISION]) {
        api.mutate('Deployment', ns, name, MANAGER, (o) => {
          o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [REVISION]: newRs!.metadata.annotations![REVISION]! };
        });
      }
    }

    // Status.
    const fresh = store.get('Deployment', ns, name);
    if (!fresh) return;
    const all = ownedSets(fresh);
    const sum = (f: (rs: KubeObject) => number) => all.reduce((n, rs) => n + f(rs), 0);
    const statusReplicas = sum((rs) => (rs.status?.replicas as number) ?? 0);
    const updated = newRs ? (store.get('ReplicaSet', ns, newRs.metadata.name!)?.status?.replicas as number | undefined) ?? 0 : 0;
    const ready = sum((rs) => (rs.status?.readyReplicas as number) ?? 0);
    const available = sum((rs) => (rs.status?.availableReplicas as number) ?? 0);
    const unavailableReplicas = Math.max(0, replicas - available);
    const conditions = clone((fresh.status?.conditions ?? []) as Cond[]);
    const minAvailable = replicas - (fresh.spec.strategy?.type === 'Recreate' ? replicas : unavailable);
    if (available >= minAvailable) setCondition(conditions, { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }, now);
    else setCondition(conditions, { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' }, now);
    const rsName = newRs?.metadata.name ?? '';
    const complete = !!newRs && updated === replicas && available === replicas && statusReplicas === replicas &&
      all.filter((rs) => rs.metadata.uid !== newRs!.metadata.uid).every((rs) => ((rs.status?.replicas as number) ?? 0) === 0);
    const prevStatus = fresh.status ?? {};
    const progressed = !deepEqual(
      [prevStatus.replicas, prevStatus.updatedReplicas, prevStatus.readyReplicas, prevStatus.availableReplicas],
      [statusReplicas, updated, ready || undefined, available || undefined]);
    const progressing = conditions.find((c) => c.type === 'Progressing');
    let requeue: number | undefined;
    if (fresh.spec.paused) {
      setCondition(conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, now);
    } else if (complete) {
      setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, now);
    } else if (progressMessage) {
      setCondition(conditions, progressMessage, now);
    } else if (progressed || !progressing || progressing.reason === 'DeploymentPaused' || progressing.reason === 'NewReplicaSetAvailable') {
      setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` }, now);
      if (progressing && !progressed && progressing.reason === 'ReplicaSetUpdated') conditions.find((c) => c.type === 'Progressing')!.lastUpdateTime = progressing.lastUpdateTime;
    } else if (progressing?.status === 'True') {
      const deadline = (fresh.spec.progressDeadlineSeconds as number | undefined) ?? 600;
      const since = Date.parse(progressing.lastUpdateTime ?? now);
      const left = since + deadline * 1000 - Date.now();
      if (left <= 0) {
        setCondition(conditions, { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${rsName}" has timed out progressing.` }, now);
      } else requeue = left + 10;
    }
    // ReplicaFailure mirrors the failing ReplicaSet's condition.
    const failing = all.map((rs) => condition(rs, 'ReplicaFailure')).find((c) => c?.status === 'True');
    if (failing) setCondition(conditions, { type: 'ReplicaFailure', status: 'True', reason: failing.reason ?? 'FailedCreate', message: failing.message ?? '' }, now);
    else {
      const i = conditions.findIndex((c) => c.type === 'ReplicaFailure');
      if (i >= 0) conditions.splice(i, 1);
    }
    const order = ['Available', 'Progressing', 'ReplicaFailure'];
    conditions.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
    const status: Record<string, unknown> = {
      observedGeneration: fresh.metadata.generation,
      replicas: statusReplicas || undefined,
      updatedReplicas: updated || undefined,
      readyReplicas: ready || undefined,
      availableReplicas: available || undefined,
      unavailableReplicas: unavailableReplicas || undefined,
      conditions,
      collisionCount: prevStatus.collisionCount,
    };
    for (const k of Object.keys(status)) if (status[k] === undefined) delete status[k];
    api.mutate('Deployment', ns, name, MANAGER, (o) => {
      if (deepEqual(o.status ?? {}, status)) return false;
      o.status = status;
    }, 'status');
    return requeue;
  };

  const queue = new WorkQueue('deployment', ctx.timers, sync);
  store.onChange((t, ev) => {
    if (t.kind === 'Deployment') {
      if (ev.type !== 'DELETED') queue.add(nsName(ev.object));
    } else if (t.kind === 'ReplicaSet') {
      const owner = (ev.object.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'Deployment');
      if (owner) queue.add(`${ev.object.metadata.namespace}/${owner.name}`);
    } else if (t.kind === 'Pod' && ev.type === 'DELETED') {
      // Recreate waits for old pods to be gone.
      const rsRef = (ev.object.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'ReplicaSet');
      const rs = rsRef ? store.get('ReplicaSet', ev.object.metadata.namespace!, rsRef.name) : undefined;
      const owner = rs && (rs.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'Deployment');
      if (owner) queue.add(`${ev.object.metadata.namespace}/${owner.name}`);
    }
  });
  for (const d of store.list('Deployment')) queue.add(nsName(d));
}
