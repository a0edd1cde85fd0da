import { createHash } from 'node:crypto';
import { rfc3339 } from '../random';
import { resourceForKind } from '../resources';
import type { KubeObject } from '../types';
import { isTerminal, qosClass, toleratesTaint } from './pods';
import { type SimContext, WorkQueue, nsName, splitKey } from './runtime';

interface Container { name: string; image: string; imagePullPolicy?: string }

const UNSCHEDULABLE_TAINT = 'node.kubernetes.io/unschedulable';
/** pod GC's quarantine before orphaned pods (node gone) are removed */
const ORPHAN_QUARANTINE_MS = 40_000;

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function imageRef(image: string): string {
  const withRegistry = image.includes('/') && /[.:]|localhost/.test(image.split('/')[0]!) ? image
    : `docker.io/${image.includes('/') ? image : `library/${image}`}`;
  return withRegistry.includes(':') && !withRegistry.endsWith(':') ? withRegistry : `${withRegistry}:latest`;
}

/**
 * The kubelets of the simulated nodes: a bound pod starts (Pending, ContainerCreating),
 * becomes Running and Ready after podReadyDelayMs with container statuses and a pod IP;
 * a deleted pod terminates within its grace period; Pulled/Created/Started/Killing
 * events as the kubelet writes them. Also pod GC for pods of vanished nodes, and the
 * NoExecute taint eviction of kube-controller-manager.
 */
export function startKubelets(ctx: SimContext) {
  const { api, store } = ctx;
  const podType = resourceForKind('Pod');
  const starting = new Map<string, NodeJS.Timeout>();
  const stopping = new Map<string, NodeJS.Timeout>();
  const evicting = new Map<string, NodeJS.Timeout>();
  const orphanChecks = new Set<string>();
  let ipCounter = 1;

  const nodeIndex = (nodeName: string): number => {
    const node = store.get('Node', '', nodeName);
    const cidr = (node?.spec?.podCIDR as string | undefined) ?? '10.244.0.0/24';
    return Number(cidr.split('.')[2] ?? 0);
  };

  // Graceful deletion of pods running on a node.
  api.addDeleteHook((t, pod, opts) => {
    if (t.kind !== 'Pod' || !pod.spec?.nodeName || isTerminal(pod)) return undefined;
    const grace = opts.gracePeriodSeconds ?? (pod.spec?.terminationGracePeriodSeconds as number | undefined) ?? 30;
    if (grace <= 0) {
      if ((pod.metadata.finalizers ?? []).length > 0) return undefined;
      if (opts.dryRun) return { object: pod, removed: true };
      return { object: api.forceRemove(t, pod.metadata.namespace!, pod.metadata.name!) ?? pod, removed: true };
    }
    return api.markDeleting(t, pod, grace, opts.dryRun);
  });

  const start = (pod: KubeObject) => {
    const key = nsName(pod);
    const nodeName = pod.spec.nodeName as string;
    const containers = (pod.spec.containers ?? []) as Container[];
    const now = rfc3339();
    const podIP = `10.244.${nodeIndex(nodeName)}.${(ipCounter++ % 250) + 2}`;
    const hostIP = (store.get('Node', '', nodeName)?.status?.addresses as Array<{ type: string; address: string }> | undefined)
      ?.find((a) => a.type === 'InternalIP')?.address ?? '10.0.1.10';
    api.mutate('Pod', pod.metadata.namespace!, pod.metadata.name!, 'kubelet', (p) => {
      const scheduled = ((p.status.conditions ?? []) as Array<Record<string, unknown>>).find((c) => c.type === 'PodScheduled');
      const unready = `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`;
      p.status = {
        phase: 'Pending',
        conditions: [
          { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: now },
          { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: now },
          { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message: unready },
          { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message: unready },
          scheduled ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now },
        ],
        hostIP,
        hostIPs: [{ ip: hostIP }],
        startTime: now,
        containerStatuses: containers.map((c) => ({
          name: c.name, state: { waiting: { reason: 'ContainerCreating' } }, lastState: {}, ready: false, restartCount: 0,
          image: c.image, imageID: '', started: false,
        })),
        qosClass: qosClass(p),
      };
    }, 'status');
    for (const c of containers) {
      const pulled = c.imagePullPolicy === 'Always'
        ? `Successfully pulled image "${c.image}" in 812ms (812ms including waiting). Image size: 1523482812 bytes.`
        : `Container image "${c.image}" already present on machine`;
      if (c.imagePullPolicy === 'Always') ctx.events.record(pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, 'kubelet', nodeName);
      ctx.events.record(pod, 'Normal', 'Pulled', pulled, 'kubelet', nodeName);
    }
    starting.set(key, ctx.timers.after(ctx.podReadyDelayMs, () => {
      starting.delete(key);
      const current = store.get('Pod', pod.metadata.namespace!, pod.metadata.name!);
      if (!current || current.metadata.deletionTimestamp || current.metadata.uid !== pod.metadata.uid) return;
      const ready = rfc3339();
      const running = api.mutate('Pod', pod.metadata.namespace!, pod.metadata.name!, 'kubelet', (p) => {
        p.status.phase = 'Running';
        p.status.podIP = podIP;
        p.status.podIPs = [{ ip: podIP }];
        p.status.conditions = (p.status.conditions as Array<Record<string, unknown>>).map((c) =>
          c.type === 'PodScheduled' || c.type === 'Initialized' ? c
            : { type: c.type, status: 'True', lastProbeTime: null, lastTransitionTime: ready });
        p.status.containerStatuses = containers.map((c) => ({
          name: c.name,
          state: { running: { startedAt: ready } },
          lastState: {},
          ready: true,
          restartCount: 0,
          image: c.image,
          imageID: `${imageRef(c.image).replace(/:[^:/]+$/, '')}@sha256:${digest(c.image)}`,
          containerID: `containerd://${digest(`${pod.metadata.uid}/${c.name}`)}`,
          started: true,
        }));
      }, 'status');
      if (!running) return;
      for (const c of containers) {
        ctx.events.record(running, 'Normal', 'Created', `Created container ${c.name}`, 'kubelet', nodeName);
        ctx.events.record(running, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet', nodeName);
      }
    }) as NodeJS.Timeout);
  };

  const stop = (pod: KubeObject) => {
    const key = nsName(pod);
    ctx.timers.cancel(starting.get(key));
    starting.delete(key);
    if (stopping.has(key)) return;
    const nodeName = pod.spec.nodeName as string;
    for (const c of (pod.spec.containers ?? []) as Container[]) {
      ctx.events.record(pod, 'Normal', 'Killing', `Stopping container ${c.name}`, 'kubelet', nodeName);
    }
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 30) * 1000;
    stopping.set(key, ctx.timers.after(Math.min(grace, ctx.podTerminationDelayMs), () => {
      stopping.delete(key);
      const current = store.get('Pod', pod.metadata.namespace!, pod.metadata.name!);
      if (!current || current.metadata.uid !== pod.metadata.uid) return;
      if ((current.metadata.finalizers ?? []).length > 0) {
        // The kubelet is done; the pod now waits only for its finalizers.
        api.mutate('Pod', current.metadata.namespace!, current.metadata.name!, 'kubelet', (p) => {
          p.status.phase = p.spec.restartPolicy === 'Always' ? 'Failed' : 'Succeeded';
          p.status.conditions = ((p.status.conditions ?? []) as Array<Record<string, unknown>>).map((c) =>
            c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', lastTransitionTime: rfc3339() } : c);
        }, 'status');
        return;
      }
      api.forceRemove(podType, current.metadata.namespace!, current.metadata.name!);
    }) as NodeJS.Timeout);
  };

  // NoExecute taints evict pods that do not tolerate them (after tolerationSeconds).
  const taintEviction = (nodeName: string) => {
    const node = store.get('Node', '', nodeName);
    if (!node) return;
    const taints = ((node.spec?.taints ?? []) as Array<{ key: string; value?: string; effect: string }>).filter((t) => t.effect === 'NoExecute');
    for (const pod of store.byIndex('Pod', 'node', nodeName)) {
      const key = nsName(pod);
      if (pod.metadata.deletionTimestamp || isTerminal(pod)) continue;
      let delay: number | undefined;
      let evict = false;
      for (const taint of taints) {
        const tol = ((pod.spec?.tolerations ?? []) as Array<{ key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }>)
          .filter((t) => toleratesTaint({ ...pod, spec: { tolerations: [t] } } as KubeObject, taint));
        if (tol.length === 0) {
          evict = true;
          delay = 0;
          break;
        }
        const bounded = tol.filter((t) => typeof t.tolerationSeconds === 'number');
        if (bounded.length === tol.length) {
          evict = true;
          const secs = Math.min(...bounded.map((t) => t.tolerationSeconds!));
          delay = Math.min(delay ?? Infinity, secs * 1000);
        }
      }
      const pending = evicting.get(key);
      if (!evict) {
        ctx.timers.cancel(pending);
        evicting.delete(key);
        continue;
      }
      if (pending) continue;
      evicting.set(key, ctx.timers.after(delay ?? 0, () => {
        evicting.delete(key);
        const current = store.get('Pod', pod.metadata.namespace!, pod.metadata.name!);
        if (!current || current.metadata.deletionTimestamp || current.spec?.nodeName !== nodeName) return;
        ctx.events.record(current, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`, 'taint-eviction-controller');
        try {
          api.delete(podType, current.metadata.namespace!, current.metadata.name!, {});
        } catch {
          // gone meanwhile
        }
      }) as NodeJS.Timeout);
    }
  };

  const queue = new WorkQueue('kubelet', ctx.timers, (key) => {
    if (key.startsWith('node:')) {
      const nodeName = key.slice(5);
      const node = store.get('Node', '', nodeName);
      // TaintNodesByCondition: a cordoned node carries node.kubernetes.io/unschedulable:NoSchedule.
      if (node) {
        const taints = (node.spec?.taints ?? []) as Array<{ key: string; effect: string }>;
        const has = taints.some((t) => t.key === UNSCHEDULABLE_TAINT && t.effect === 'NoSchedule');
        if (!!node.spec?.unschedulable !== has) {
          api.mutate('Node', '', nodeName, 'kube-controller-manager', (n) => {
            const rest = ((n.spec.taints ?? []) as Array<{ key: string; effect: string }>).filter((t) => !(t.key === UNSCHEDULABLE_TAINT && t.effect === 'NoSchedule'));
            const next = n.spec.unschedulable ? [...rest, { key: UNSCHEDULABLE_TAINT, effect: 'NoSchedule', timeAdded: rfc3339() }] : rest;
            if (next.length) n.spec.taints = next;
            else delete n.spec.taints;
          });
        }
      }
      if (!node) {
        // Pod GC: pods bound to a node that does not exist go after a 40 s quarantine.
        if (!orphanChecks.has(nodeName)) {
          orphanChecks.add(nodeName);
          ctx.timers.after(ORPHAN_QUARANTINE_MS, () => {
            orphanChecks.delete(nodeName);
            if (store.get('Node', '', nodeName)) return;
            for (const pod of store.byIndex('Pod', 'node', nodeName)) api.forceRemove(podType, pod.metadata.namespace!, pod.metadata.name!);
          });
        }
        return;
      }
      taintEviction(nodeName);
      return;
    }
    const [ns, name] = splitKey(key);
    const pod = store.get('Pod', ns, name);
    if (!pod || !pod.spec?.nodeName) return;
    if (pod.metadata.deletionTimestamp) {
      if (!isTerminal(pod) || (pod.metadata.finalizers ?? []).length === 0) stop(pod);
      return;
    }
    // A pod bound to a node that does not exist has no kubelet to start it.
    if (!store.get('Node', '', pod.spec.nodeName as string)) return;
    if (!pod.status?.startTime && !isTerminal(pod) && !starting.has(key)) start(pod);
  });

  store.onChange((t, ev) => {
    if (t.kind === 'Pod') {
      if (ev.type === 'DELETED') {
        const key = nsName(ev.object);
        ctx.timers.cancel(starting.get(key));
        starting.delete(key);
        ctx.timers.cancel(evicting.get(key));
        evicting.delete(key);
        return;
      }
      if (ev.object.spec?.nodeName) {
        queue.add(nsName(ev.object));
        if (!ev.previous?.spec?.nodeName) queue.add(`node:${ev.object.spec.nodeName as string}`);
      }
    } else if (t.kind === 'Node') {
      queue.add(`node:${ev.object.metadata.name}`);
    }
  });
}
