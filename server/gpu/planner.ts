import { DEDICATED_KEY, GPU_RESOURCE, migResource } from './labels';
import { type SchedulingConstraints, tenantConstraints, withPlacement } from './scheduling';
import { type ClusterSnapshot, type SnapshotNode, gpuMemoryGiBOf, migMemoryGiBOf, productOf } from './snapshot';
import { quantityValue } from '../kube';
import { eligibleWord, gpuMessages as m, msg, nodeWord, pick, replicaWord } from './messages';

/** What to place: `replicas` pods, each needing `gpusPerReplica` GPUs (or MIG devices) on one node. */
export interface PlacementRequest {
  replicas: number;
  gpusPerReplica: number;
  /** GPU memory one replica needs across its GPUs (GiB). */
  gpuMemoryGiBPerReplica?: number;
  /** Allowed GPU products (nvidia.com/gpu.product values); empty or absent: any. */
  products?: string[];
  /** A pool name from the snapshot's pools. */
  pool?: string;
  /** The tenant (slug) the replicas run for: its dedication and quota apply. */
  tenant?: string;
  /** A MIG profile such as `1g.10gb`: replicas request nvidia.com/mig-<profile> instead of whole GPUs. */
  migProfile?: string;
  /** CPU and memory per replica, as Kubernetes quantities ("8", "500m", "64Gi"). */
  cpu?: string;
  memory?: string;
}

/** A tenant's ResourceQuota: hard limits and current use, by quota resource name (requests.nvidia.com/gpu, requests.cpu, pods …). */
export interface QuotaState {
  hard: Record<string, number>;
  used: Record<string, number>;
}

export interface Assignment {
  replica: number;
  node: string;
  gpus: number;
  /** The device resource requested (nvidia.com/gpu or a MIG resource). */
  resource: string;
}

export interface PlacementAlternative {
  /** A message key with variables (gpu.plan.alt*). */
  description: string;
  change: Partial<PlacementRequest> & { quotaGpus?: number };
  assignments: Assignment[];
}

/**
 * The planner's answer. Notes, reasons and alternative descriptions are message keys with
 * variables (server/gpu/messages.ts): pages translate them, API routes send English. Input
 * the planner cannot plan with is refused per field (`fieldErrors`, by request field), its
 * messages also listed in `reasons`.
 */
export type PlacementResult =
  | { fits: true; assignments: Assignment[]; notes: string[]; constraints: SchedulingConstraints }
  | { fits: false; reasons: string[]; alternatives: PlacementAlternative[]; constraints: SchedulingConstraints; fieldErrors?: PlacementFieldErrors };

/** Refused planner input by request field. */
export type PlacementFieldErrors = Partial<Record<'replicas' | 'gpusPerReplica' | 'gpuMemoryGiBPerReplica' | 'pool' | 'cpu' | 'memory', string[]>>;

interface Need {
  device: string;
  devices: number;
  cpu: number;
  memory: number;
}

const gib = (bytes: number) => Math.round((bytes / 1024 ** 3) * 10) / 10;
const round = (n: number) => Math.round(n * 100) / 100;

function tolerates(constraints: SchedulingConstraints, taint: { key: string; value?: string; effect: string }): boolean {
  return constraints.tolerations.some(
    (t) =>
      (t.key === taint.key || !t.key) &&
      (t.effect === taint.effect || !t.effect) &&
      (t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '')),
  );
}

function matchesAffinity(constraints: SchedulingConstraints, node: SnapshotNode): boolean {
  for (const [k, v] of Object.entries(constraints.nodeSelector)) if (node.labels[k] !== v) return false;
  return constraints.requiredNodeAffinity.every((r) => {
    const value = node.labels[r.key];
    switch (r.operator) {
      case 'In':
        return value !== undefined && (r.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(r.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      default:
        return value === undefined;
    }
  });
}

/** Why a node cannot take any replica (a short phrase for the histogram), or null when it might. */
function exclusion(
  node: SnapshotNode,
  constraints: SchedulingConstraints,
  request: PlacementRequest,
  poolSelector: Record<string, string> | undefined,
  need: Need,
): string | null {
  if (node.unschedulable) return m.exCordoned;
  if (!node.ready) return m.exNotReady;
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (tolerates(constraints, taint)) continue;
    if (taint.key === DEDICATED_KEY) return m.exDedicatedOther;
    return msg(m.exTainted, { taint: `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}` });
  }
  if (poolSelector && !Object.entries(poolSelector).every(([k, v]) => node.labels[k] === v)) return msg(m.exOutsidePool, { pool: request.pool ?? '' });
  if (request.tenant && constraints.requiredNodeAffinity.some((r) => r.key === DEDICATED_KEY) && node.labels[DEDICATED_KEY] !== request.tenant)
    return msg(m.exNotDedicatedTo, { tenant: request.tenant });
  if (request.products && request.products.length > 0 && !request.products.includes(productOf(node) ?? ''))
    return productOf(node) ? msg(m.exOtherProduct, { product: productOf(node) ?? '' }) : m.exNoGpus;
  if (!matchesAffinity(constraints, node)) return m.exAffinity;
  if ((node.allocatable[need.device] ?? 0) < need.devices) {
    if (request.migProfile)
      return (node.allocatable[need.device] ?? 0) > 0 ? msg(m.exFewerMig, { n: need.devices, profile: request.migProfile }) : msg(m.exNoMig, { profile: request.migProfile });
    return (node.allocatable[GPU_RESOURCE] ?? 0) > 0 ? msg(m.exFewerGpus, { n: need.devices }) : m.exNoGpus;
  }
  if (request.gpuMemoryGiBPerReplica) {
    const per = request.migProfile ? migMemoryGiBOf(node, request.migProfile) : gpuMemoryGiBOf(node);
    if (per === null) return m.exMemoryUnknown;
    if (per * need.devices < request.gpuMemoryGiBPerReplica) return msg(m.exTooLittleMemory, { n: need.devices, gib: Math.round(per) });
  }
  return null;
}

function free(node: SnapshotNode, resource: string, taken: Map<string, number>): number {
  return (node.allocatable[resource] ?? 0) - (node.used[resource] ?? 0) - (taken.get(resource) ?? 0);
}

function fitsOn(node: SnapshotNode, need: Need, taken: Map<string, number>): string | null {
  if (free(node, 'pods', taken) < 1 && node.allocatable.pods !== undefined) return 'pods';
  if (free(node, need.device, taken) < need.devices) return need.device;
  if (need.cpu > 0 && free(node, 'cpu', taken) < need.cpu - 1e-9) return 'cpu';
  if (need.memory > 0 && free(node, 'memory', taken) < need.memory) return 'memory';
  return null;
}

/** A Kubernetes quantity (0 when empty), or the message key saying it is none. */
function parseAmount(value: string | undefined, field: string): number | string {
  if (value === undefined || value.trim() === '') return 0;
  try {
    return quantityValue(value);
  } catch {
    return msg(m.notQuantity, { field, value });
  }
}

function quotaValue(q: Record<string, number>, ...names: string[]): number | undefined {
  for (const n of names) if (q[n] !== undefined) return q[n];
  return undefined;
}

/** Quota shortfalls for the whole request, with numbers; empty when the quota allows it. */
function quotaProblems(request: PlacementRequest, need: Need, quota: QuotaState | null | undefined): { reasons: string[]; maxReplicas: number } {
  if (!quota) return { reasons: [], maxReplicas: Number.POSITIVE_INFINITY };
  const reasons: string[] = [];
  let maxReplicas = Number.POSITIVE_INFINITY;
  const check = (names: string[], perReplica: number, unit: string, show: (n: number) => number) => {
    if (perReplica <= 0) return;
    const hard = quotaValue(quota.hard, ...names);
    if (hard === undefined) return;
    const used = quotaValue(quota.used, ...names) ?? 0;
    const left = Math.max(0, hard - used);
    maxReplicas = Math.min(maxReplicas, Math.floor(left / perReplica + 1e-9));
    const total = perReplica * request.replicas;
    if (total > left + 1e-9)
      reasons.push(
        msg(request.tenant ? m.quotaTenant : m.quotaSomeTenant, {
          ...(request.tenant ? { tenant: request.tenant } : {}),
          hard: show(hard),
          unit,
          used: show(used),
          left: show(left),
          replicas: request.replicas,
          replicaWord: replicaWord(request.replicas),
          perReplica: show(perReplica),
          total: show(total),
          short: show(round(total - left)),
        }),
      );
  };
  const dev = need.device;
  check([`requests.${dev}`, dev], need.devices, dev === GPU_RESOURCE ? m.wordGpus : dev, round);
  check(['requests.cpu', 'cpu'], need.cpu, m.wordCpuCores, round);
  check(['requests.memory', 'memory'], need.memory, m.wordGibMemory, gib);
  check(['pods', 'count/pods'], 1, m.wordPods, (n) => n);
  return { reasons, maxReplicas };
}

interface Search {
  assignments: Assignment[];
  /** Exclusion histogram: phrase → node count. */
  excluded: Map<string, number>;
  eligible: SnapshotNode[];
  /** Why eligible nodes could not take the next replica: resource → node count. */
  short: Map<string, number>;
}

/** Best-fit placement: each replica goes to the eligible node it leaves with the fewest free devices, so whole nodes stay free. */
function search(request: PlacementRequest, snapshot: ClusterSnapshot, constraints: SchedulingConstraints, poolSelector: Record<string, string> | undefined, need: Need, replicas: number): Search {
  const excluded = new Map<string, number>();
  const eligible: SnapshotNode[] = [];
  for (const node of snapshot.nodes) {
    const why = exclusion(node, constraints, request, poolSelector, need);
    if (why) excluded.set(why, (excluded.get(why) ?? 0) + 1);
    else eligible.push(node);
  }
  const taken = new Map<string, Map<string, number>>();
  const takenOf = (n: string) => {
    let t = taken.get(n);
    if (!t) taken.set(n, (t = new Map()));
    return t;
  };
  const assignments: Assignment[] = [];
  const short = new Map<string, number>();
  for (let replica = 0; replica < replicas; replica++) {
    let best: SnapshotNode | undefined;
    let bestFree = Number.POSITIVE_INFINITY;
    let bestWhole = true;
    short.clear();
    for (const node of eligible) {
      const t = takenOf(node.name);
      const lacking = fitsOn(node, need, t);
      if (lacking) {
        short.set(lacking, (short.get(lacking) ?? 0) + 1);
        continue;
      }
      const left = free(node, need.device, t) - need.devices;
      // Tightest fit first; among equals, a node already in use before a whole free one.
      const whole = (node.used[need.device] ?? 0) + (t.get(need.device) ?? 0) === 0;
      if (left < bestFree || (left === bestFree && bestWhole && !whole)) {
        best = node;
        bestFree = left;
        bestWhole = whole;
      }
    }
    if (!best) break;
    const t = takenOf(best.name);
    t.set(need.device, (t.get(need.device) ?? 0) + need.devices);
    t.set('cpu', (t.get('cpu') ?? 0) + need.cpu);
    t.set('memory', (t.get('memory') ?? 0) + need.memory);
    t.set('pods', (t.get('pods') ?? 0) + 1);
    assignments.push({ replica, node: best.name, gpus: need.devices, resource: need.device });
  }
  return { assignments, excluded, eligible, short };
}

function validate(request: PlacementRequest): PlacementFieldErrors {
  const problems: PlacementFieldErrors = {};
  if (!Number.isInteger(request.replicas) || request.replicas < 1) problems.replicas = [m.replicasWhole];
  if (!Number.isInteger(request.gpusPerReplica) || request.gpusPerReplica < 1) problems.gpusPerReplica = [m.gpusWhole];
  if (request.gpuMemoryGiBPerReplica !== undefined && !(request.gpuMemoryGiBPerReplica >= 0)) problems.gpuMemoryGiBPerReplica = [m.gpuMemoryNotNegative];
  return problems;
}

/**
 * Plans where `replicas` pods fit, as the scheduler would admit them (cordon, taints and
 * dedication, pool and product affinity, GPU/MIG/cpu/memory/pod capacity) within the
 * tenant's quota. Best-fit packing keeps whole nodes free. When it does not fit, says why
 * with numbers and where it would fit instead. Pure: the caller supplies the snapshot.
 */
export function planPlacement(
  request: PlacementRequest,
  snapshot: ClusterSnapshot,
  quota?: QuotaState | null,
  options: { alternatives?: boolean } = {},
): PlacementResult {
  const hasDedicated = Boolean(request.tenant) && snapshot.nodes.some((n) => n.labels[DEDICATED_KEY] === request.tenant);
  const pool = request.pool ? snapshot.pools?.find((p) => p.name === request.pool) : undefined;
  const constraints = withPlacement(tenantConstraints(request.tenant, hasDedicated), {
    poolSelector: pool?.selector,
    products: request.products,
  });
  const problems = validate(request);
  if (request.pool && !pool) problems.pool = [msg(m.noPlanPool, { pool: request.pool })];
  const cpu = parseAmount(request.cpu, m.wordCpu);
  const memory = parseAmount(request.memory, m.wordMemory);
  if (typeof cpu === 'string') problems.cpu = [cpu];
  if (typeof memory === 'string') problems.memory = [memory];
  const problemList = Object.values(problems).flat();
  if (problemList.length > 0 || typeof cpu === 'string' || typeof memory === 'string')
    return { fits: false, reasons: problemList, alternatives: [], constraints, fieldErrors: problems };
  const need: Need = { device: request.migProfile ? migResource(request.migProfile) : GPU_RESOURCE, devices: request.gpusPerReplica, cpu, memory };

  const quotaCheck = quotaProblems(request, need, quota);
  const found = search(request, snapshot, constraints, pool?.selector, need, request.replicas);
  const capacityFits = found.assignments.length === request.replicas;
  if (capacityFits && quotaCheck.reasons.length === 0) {
    const usedNodes = new Set(found.assignments.map((a) => a.node));
    const wholeFree = found.eligible.filter((n) => !usedNodes.has(n.name) && (n.used[need.device] ?? 0) === 0).length;
    const notes = [
      msg(m.placed, { replicas: request.replicas, replicaWord: replicaWord(request.replicas), nodes: usedNodes.size, nodeWord: nodeWord(usedNodes.size), list: [...usedNodes].join(', ') }),
      msg(pick(wholeFree, m.bestFitOne, m.bestFitMany), { n: wholeFree }),
    ];
    if (hasDedicated) notes.push(msg(m.onlyDedicated, { tenant: request.tenant ?? '' }));
    if (quota) {
      const dev = need.device;
      const hard = quotaValue(quota.hard, `requests.${dev}`, dev);
      if (hard !== undefined) {
        const after = (quotaValue(quota.used, `requests.${dev}`, dev) ?? 0) + need.devices * request.replicas;
        notes.push(msg(m.quotaAfter, { after, hard, unit: dev === GPU_RESOURCE ? m.wordGpus : dev }));
      }
    }
    return { fits: true, assignments: found.assignments, notes, constraints };
  }

  const reasons: string[] = [...quotaCheck.reasons];
  if (!capacityFits) {
    const total = snapshot.nodes.length;
    const what = request.migProfile ? msg(m.needMig, { n: need.devices, profile: request.migProfile }) : msg(pick(need.devices, m.needGpu, m.needGpus), { n: need.devices });
    const histogram = () => [...found.excluded.entries()].sort((a, b) => b[1] - a[1]).map(([why, n]) => msg(m.count, { n, why }));
    if (found.eligible.length === 0) {
      reasons.push(msg(m.noneCan, { total, nodeWord: nodeWord(total), what, list: { list: histogram() } }));
    } else {
      const freeDevices = found.eligible.reduce((s, n) => s + Math.max(0, (n.allocatable[need.device] ?? 0) - (n.used[need.device] ?? 0)), 0);
      const largest = found.eligible.reduce((m, n) => Math.max(m, (n.allocatable[need.device] ?? 0) - (n.used[need.device] ?? 0)), 0);
      reasons.push(
        msg(m.onlyFit, {
          fit: found.assignments.length,
          replicas: request.replicas,
          replicaWord: replicaWord(request.replicas),
          eligible: found.eligible.length,
          eligibleWord: eligibleWord(found.eligible.length),
          total,
          free: freeDevices,
          devices: need.device === GPU_RESOURCE ? m.wordGpus : msg(m.wordMigDevices, { profile: request.migProfile ?? '' }),
          what,
        }),
      );
      if (freeDevices >= need.devices * request.replicas && largest >= 0)
        reasons.push(msg(m.fragmentation, { fit: found.assignments.length, fitWord: pick(found.assignments.length, m.wordReplicaFits, m.wordReplicasFit), largest }));
      const lacking = [...found.short.entries()].filter(([r]) => r !== need.device);
      const resourceWord = (resource: string) => (resource === 'pods' ? m.wordPodSlots : resource === 'cpu' ? m.wordCpu : resource === 'memory' ? m.wordMemory : resource);
      for (const [resource, n] of lacking) reasons.push(msg(pick(n, m.lacksOne, m.lackMany), { n, resource: resourceWord(resource) }));
      const excluded = histogram();
      if (excluded.length) reasons.push(msg(m.notEligible, { list: { list: excluded } }));
    }
  }

  const alternatives: PlacementAlternative[] = [];
  if (options.alternatives !== false) {
    const tryAlt = (description: string, change: PlacementAlternative['change'], withQuota = true) => {
      const { quotaGpus: _q, ...requestChange } = change;
      const result = planPlacement({ ...request, ...requestChange }, snapshot, withQuota ? quota : null, { alternatives: false });
      if (result.fits) alternatives.push({ description, change, assignments: result.assignments });
    };
    const maxByCapacity = found.assignments.length;
    const maxReplicas = Math.min(maxByCapacity, quotaCheck.maxReplicas);
    if (maxReplicas >= 1 && maxReplicas < request.replicas) tryAlt(msg(pick(maxReplicas, m.altFewerOne, m.altFewerMany), { n: maxReplicas }), { replicas: maxReplicas });
    if (request.pool) tryAlt(m.altWithoutPool, { pool: undefined });
    for (const other of snapshot.pools ?? []) if (other.name !== request.pool) tryAlt(msg(m.altInPool, { pool: other.name }), { pool: other.name });
    if (request.products?.length) tryAlt(m.altAnyProduct, { products: undefined });
    if (quotaCheck.reasons.length > 0 && capacityFits) {
      const dev = need.device;
      const used = quota ? (quotaValue(quota.used, `requests.${dev}`, dev) ?? 0) : 0;
      alternatives.push({
        description: msg(m.altRaiseQuota, { n: used + need.devices * request.replicas, unit: dev === GPU_RESOURCE ? m.wordGpus : dev }),
        change: { quotaGpus: used + need.devices * request.replicas },
        assignments: found.assignments,
      });
    }
  }
  return { fits: false, reasons, alternatives, constraints };
}
