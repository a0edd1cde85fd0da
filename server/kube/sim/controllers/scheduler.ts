import { badRequest } from '../errors';
import { parseResourceList, type Quantity } from '../quantity';
import { rfc3339 } from '../random';
import type { KubeObject } from '../types';
import { type Taint, isTerminal, podRequests, toleratesTaint } from './pods';
import { type SimContext, WorkQueue, nsName, splitKey } from './runtime';

interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }
interface NodeSelectorTerm { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] }

function matchRequirement(node: KubeObject, r: NodeSelectorRequirement, field = false): boolean {
  const value = field ? (r.key === 'metadata.name' ? node.metadata.name : undefined) : node.metadata.labels?.[r.key];
  const has = value !== undefined;
  switch (r.operator) {
    case 'In': return has && (r.values ?? []).includes(value);
    case 'NotIn': return !has || !(r.values ?? []).includes(value);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': return has && Number(value) > Number(r.values?.[0]);
    case 'Lt': return has && Number(value) < Number(r.values?.[0]);
    default: return false;
  }
}

/** nodeSelector and required node affinity (terms ORed, expressions ANDed). */
export function matchesNodeAffinity(pod: KubeObject, node: KubeObject): boolean {
  const sel = (pod.spec?.nodeSelector ?? {}) as Record<string, string>;
  for (const [k, v] of Object.entries(sel)) if (node.metadata.labels?.[k] !== v) return false;
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms as NodeSelectorTerm[] | undefined;
  if (!terms || terms.length === 0) return true;
  return terms.some((t) => {
    const exprs = t.matchExpressions ?? [];
    const fields = t.matchFields ?? [];
    if (exprs.length === 0 && fields.length === 0) return false;
    return exprs.every((r) => matchRequirement(node, r)) && fields.every((r) => matchRequirement(node, r, true));
  });
}

type Verdict = { ok: true } | { ok: false; reasons: string[]; resolvable: boolean };

const allocatableCache = new WeakMap<KubeObject, Map<string, Quantity>>();
function allocatableOf(node: KubeObject): Map<string, Quantity> {
  let a = allocatableCache.get(node);
  if (!a) allocatableCache.set(node, (a = parseResourceList(node.status?.allocatable)));
  return a;
}

type Usage = { used: Map<string, bigint>; pods: number };
/** Requests of the pods bound to each node, recomputed only after that node's pods change. */
const usageCache = new WeakMap<SimContext, Map<string, Usage>>();

/** Free resources and pod count per node from the pods bound to it. */
function nodeUsage(ctx: SimContext, node: KubeObject): Usage {
  let cache = usageCache.get(ctx);
  if (!cache) usageCache.set(ctx, (cache = new Map()));
  const name = node.metadata.name!;
  const hit = cache.get(name);
  if (hit) return hit;
  const used = new Map<string, bigint>();
  let pods = 0;
  for (const p of ctx.store.byIndex('Pod', 'node', name)) {
    if (isTerminal(p)) continue;
    pods++;
    for (const [k, q] of podRequests(p)) used.set(k, (used.get(k) ?? 0n) + q.nano);
  }
  const usage = { used, pods };
  cache.set(name, usage);
  return usage;
}

function invalidateUsage(ctx: SimContext, nodeName: string | undefined) {
  if (nodeName) usageCache.get(ctx)?.delete(nodeName);
}

function filterNode(ctx: SimContext, pod: KubeObject, node: KubeObject, requests: Map<string, Quantity>): Verdict {
  if (node.spec?.unschedulable && !toleratesTaint(pod, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))
    return { ok: false, reasons: ['node(s) were unschedulable'], resolvable: false };
  for (const taint of (node.spec?.taints ?? []) as Taint[]) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (taint.key === 'node.kubernetes.io/unschedulable' && node.spec?.unschedulable) continue;
    if (!toleratesTaint(pod, taint))
      return { ok: false, reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`], resolvable: false };
  }
  if (!matchesNodeAffinity(pod, node)) return { ok: false, reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false };
  const allocatable = allocatableOf(node);
  const { used, pods } = nodeUsage(ctx, node);
  const reasons: string[] = [];
  const maxPods = allocatable.get('pods');
  if (maxPods && BigInt(pods + 1) * 1_000_000_000n > maxPods.nano) reasons.push('Too many pods');
  for (const [k, q] of requests) {
    if (q.nano === 0n) continue;
    const free = (allocatable.get(k)?.nano ?? 0n) - (used.get(k) ?? 0n);
    if (q.nano > free) reasons.push(`Insufficient ${k}`);
  }
  if (reasons.length > 0) return { ok: false, reasons, resolvable: true };
  return { ok: true };
}

/** LeastAllocated on cpu and memory, as the default scheduler profile scores. */
function score(ctx: SimContext, node: KubeObject, requests: Map<string, Quantity>): number {
  const allocatable = allocatableOf(node);
  const { used } = nodeUsage(ctx, node);
  let s = 0;
  for (const r of ['cpu', 'memory']) {
    const cap = Number(allocatable.get(r)?.nano ?? 0n);
    if (cap <= 0) continue;
    const after = Number((used.get(r) ?? 0n) + (requests.get(r)?.nano ?? 0n));
    s += ((cap - after) / cap) * 50;
  }
  return s;
}

/** The FitError text of kube-scheduler ("0/7 nodes are available: … preemption: …"). */
export function fitErrorMessage(total: number, verdicts: Verdict[]): string {
  const reasons = new Map<string, number>();
  let helpful = 0;
  let notHelpful = 0;
  for (const v of verdicts) {
    if (v.ok) continue;
    for (const r of v.reasons) reasons.set(r, (reasons.get(r) ?? 0) + 1);
    if (v.resolvable) helpful++;
    else notHelpful++;
  }
  const histogram = [...reasons.entries()].map(([r, n]) => `${n} ${r}`).sort();
  const preemption = [
    ...(helpful ? [`${helpful} No preemption victims found for incoming pod`] : []),
    ...(notHelpful ? [`${notHelpful} Preemption is not helpful for scheduling`] : []),
  ].sort();
  return `0/${total} nodes are available: ${histogram.join(', ')}. preemption: 0/${total} nodes are available: ${preemption.join(', ')}.`;
}

/**
 * kube-scheduler: binds pending pods to nodes that pass NodeUnschedulable,
 * TaintToleration, NodeAffinity and NodeResourcesFit (cpu, memory, nvidia.com/gpu,
 * MIG slices, pod count); otherwise PodScheduled=False/Unschedulable plus a
 * FailedScheduling event. Unschedulable pods are retried when nodes or pods change.
 */
export function startScheduler(ctx: SimContext) {
  const { api, store } = ctx;
  store.addIndex('Pod', 'node', (p) => (p.spec?.nodeName ? [p.spec.nodeName as string] : []));
  const unschedulable = new Set<string>();

  const schedule = (key: string) => {
    const [ns, name] = splitKey(key);
    const pod = store.get('Pod', ns, name);
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp || isTerminal(pod)) {
      unschedulable.delete(key);
      return;
    }
    if ((pod.spec?.schedulerName ?? 'default-scheduler') !== 'default-scheduler') return;
    if ((pod.spec?.schedulingGates ?? []).length > 0) return;
    const requests = podRequests(pod);
    const nodes = store.list('Node').sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
    const verdicts = nodes.map((n) => filterNode(ctx, pod, n, requests));
    const feasible = nodes.filter((_, i) => verdicts[i]!.ok);
    if (feasible.length === 0) {
      unschedulable.add(key);
      const message = nodes.length === 0 ? 'no nodes available to schedule pods' : fitErrorMessage(nodes.length, verdicts);
      api.mutate('Pod', ns, name, 'kube-scheduler', (p) => {
        const conditions = (p.status.conditions ?? []) as Array<Record<string, unknown>>;
        const cur = conditions.find((c) => c.type === 'PodScheduled');
        if (cur && cur.status === 'False' && cur.message === message) return false;
        p.status.conditions = [...conditions.filter((c) => c.type !== 'PodScheduled'),
          { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: rfc3339(), reason: 'Unschedulable', message }];
      }, 'status');
      // Every failed attempt is reported; the recorder counts repeats up.
      ctx.events.record(store.get('Pod', ns, name) ?? pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
      return;
    }
    const scored = feasible.map((n) => ({ n, s: score(ctx, n, requests) }));
    const best = Math.max(...scored.map((x) => x.s));
    const top = scored.filter((x) => Math.abs(x.s - best) < 1e-9);
    const chosen = top[ctx.rng.int(top.length)]!.n;
    unschedulable.delete(key);
    const nodeName = chosen.metadata.name!;
    // Binding (pods/binding), then the scheduler's PodScheduled condition.
    const bound = api.mutate('Pod', ns, name, 'kube-scheduler', (p) => {
      p.spec.nodeName = nodeName;
    });
    if (!bound) return;
    const withCondition = api.mutate('Pod', ns, name, 'kube-scheduler', (p) => {
      const conditions = (p.status.conditions ?? []) as Array<Record<string, unknown>>;
      p.status.conditions = [...conditions.filter((c) => c.type !== 'PodScheduled'),
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339() }];
    }, 'status');
    ctx.events.record(withCondition ?? bound, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${nodeName}`, 'default-scheduler');
  };

  const queue = new WorkQueue('scheduler', ctx.timers, schedule);
  const retryAll = () => {
    for (const key of unschedulable) queue.add(key);
  };

  store.onChange((t, ev) => {
    if (t.kind === 'Pod') {
      const pod = ev.object;
      // Usage changes when a pod lands on, leaves, or stops running on a node; not on status churn.
      const prev = ev.previous;
      if (!prev || ev.type === 'DELETED' || prev.spec?.nodeName !== pod.spec?.nodeName || isTerminal(prev) !== isTerminal(pod)) {
        invalidateUsage(ctx, pod.spec?.nodeName as string | undefined);
        invalidateUsage(ctx, prev?.spec?.nodeName as string | undefined);
      }
      if (ev.type === 'DELETED' || (ev.previous && !isTerminal(ev.previous) && isTerminal(pod))) {
        unschedulable.delete(nsName(pod));
        if (pod.spec?.nodeName) retryAll();
        return;
      }
      // Pending pods are (re)tried when created or when their spec changes (tolerations,
      // scheduling gates), not on status writes such as the scheduler's own condition.
      if (!pod.spec?.nodeName && !pod.metadata.deletionTimestamp &&
        (ev.type === 'ADDED' || JSON.stringify(ev.previous?.spec) !== JSON.stringify(pod.spec))) queue.add(nsName(pod));
    } else if (t.kind === 'Node') {
      retryAll();
    }
  });

  // pods/binding, as the real scheduler binds.
  ctx.subresources['pods/binding'] = (req) => {
    if (req.method !== 'POST') return { code: 405, verb: 'create', body: methodNotAllowedBody() };
    const target = (req.body as { target?: { name?: string } } | undefined)?.target?.name;
    const pod = api.get(req.t, req.namespace, req.name);
    if (!target) throw badRequest('Binding.target.name: Required value');
    if (pod.spec?.nodeName) {
      return { code: 409, verb: 'create', body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
        message: `Operation cannot be fulfilled on pods/binding "${req.name}": pod ${req.name} is already assigned to node "${pod.spec.nodeName as string}"`,
        reason: 'Conflict', details: { name: req.name, kind: 'pods/binding' }, code: 409 } };
    }
    if (!req.dryRun) {
      api.mutate('Pod', req.namespace, req.name, req.fieldManager, (p) => {
        p.spec.nodeName = target;
      });
      api.mutate('Pod', req.namespace, req.name, req.fieldManager, (p) => {
        const conditions = (p.status.conditions ?? []) as Array<Record<string, unknown>>;
        p.status.conditions = [...conditions.filter((c) => c.type !== 'PodScheduled'),
          { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339() }];
      }, 'status');
    }
    return { code: 201, verb: 'create', body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };
  };

  for (const p of store.list('Pod')) if (!p.spec?.nodeName) queue.add(nsName(p));
}

function methodNotAllowedBody() {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server does not allow this method on the requested resource', reason: 'MethodNotAllowed', code: 405 };
}
