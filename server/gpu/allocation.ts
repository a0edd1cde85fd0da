import type { MigSlices } from './inventory';
import { DEDICATED_KEY, GPU_COUNT_LABEL, GPU_RESOURCE, MIG_PREFIX, PRODUCT_LABEL } from './labels';
import { type ClusterSnapshot, type SnapshotNode, freeOf } from './snapshot';
import { selectorMatches } from './pools';

/** Replica sizes the fragmentation figures are given for. */
export const FRAGMENT_SIZES = [1, 2, 4, 8] as const;

export interface AllocationNode {
  name: string;
  product: string | null;
  pools: string[];
  dedicatedTo: string | null;
  schedulable: boolean;
  /** Whole GPUs (nvidia.com/gpu) allocatable; `allocated` and `free` are whole GPUs too. */
  gpus: number;
  allocated: number;
  free: number;
  /** Physical GPUs, counted once whether whole or MIG-partitioned (as the inventory counts them). */
  physicalGpus: number;
  /** Physical GPUs partitioned into MIG slices (not in `gpus`, `allocated`, `free` or fragmentation). */
  migGpus: number;
  /** MIG slices by profile: allocatable, allocated, free. */
  migSlices: MigSlices[];
  /** GPUs and MIG slices by tenant (null: not a tenant's namespace) and workload. */
  byWorkload: WorkloadAllocation[];
}

/** A slice count of one MIG profile. */
export interface SliceCount {
  profile: string;
  count: number;
}

export interface WorkloadAllocation {
  tenant: string | null;
  namespace: string;
  workload: string;
  /** Whole GPUs. */
  gpus: number;
  /** MIG slices by profile (empty when it requests none). */
  slices: SliceCount[];
}

export interface Fragmentation {
  size: number;
  /** Free GPUs a replica of this size can use (whole blocks on schedulable nodes). */
  usable: number;
  /** Free GPUs it cannot use: on nodes with fewer free than `size`, or cordoned. */
  stranded: number;
  /** Replicas of this size that fit now. */
  replicas: number;
}

export interface AllocationGroup {
  name: string;
  nodes: number;
  /** Whole GPUs, as on the nodes. */
  gpus: number;
  allocated: number;
  free: number;
  physicalGpus: number;
  /** MIG-partitioned GPUs: left out of `gpus`, `allocated`, `free` and `fragmentation`. */
  migGpus: number;
  migSlices: MigSlices[];
  byTenant: Array<{ tenant: string; gpus: number; slices: SliceCount[] }>;
  /** Whole GPUs only (a replica asking for nvidia.com/gpu cannot use MIG slices). */
  fragmentation: Fragmentation[];
}

export interface AllocationView {
  nodes: AllocationNode[];
  /** One group per pool, plus "all GPU nodes". */
  pools: AllocationGroup[];
  tenants: string[];
}

/** Free GPUs usable and stranded for replicas of 1, 2, 4 and 8 GPUs on one node (whole GPUs only). */
export function fragmentation(nodes: readonly SnapshotNode[]): Fragmentation[] {
  return FRAGMENT_SIZES.map((size) => {
    let usable = 0;
    let total = 0;
    let replicas = 0;
    for (const n of nodes) {
      const free = freeOf(n, GPU_RESOURCE);
      total += free;
      if (n.unschedulable) continue;
      const fit = Math.floor(free / size);
      replicas += fit;
      usable += fit * size;
    }
    return { size, usable, stranded: total - usable, replicas };
  });
}

/** A node's MIG slices per profile from its allocatable and requested nvidia.com/mig-* resources. */
function migSlicesOf(n: SnapshotNode): MigSlices[] {
  const profiles = new Set(
    [...Object.keys(n.allocatable), ...Object.keys(n.used)].filter((r) => r.startsWith(MIG_PREFIX)).map((r) => r.slice(MIG_PREFIX.length)),
  );
  return [...profiles]
    .sort()
    .map((profile) => {
      const resource = `${MIG_PREFIX}${profile}`;
      const allocatable = n.allocatable[resource] ?? 0;
      const allocated = n.used[resource] ?? 0;
      return { profile, allocatable, allocated, free: Math.max(0, allocatable - allocated) };
    })
    .filter((s) => s.allocatable > 0 || s.allocated > 0);
}

/**
 * Physical and MIG-partitioned GPUs of a node, as the inventory counts them (gpuFigures): the GFD
 * count label is the physical count, and with MIG slices the GPUs beyond the whole ones are
 * partitioned.
 */
function migFigures(n: SnapshotNode): Pick<AllocationNode, 'physicalGpus' | 'migGpus' | 'migSlices'> {
  const whole = n.allocatable[GPU_RESOURCE] ?? 0;
  const label = Number(n.labels[GPU_COUNT_LABEL]);
  const physicalGpus = Math.max(Number.isFinite(label) ? label : 0, whole);
  const migSlices = migSlicesOf(n);
  return { physicalGpus, migGpus: migSlices.length > 0 ? Math.max(0, physicalGpus - whole) : 0, migSlices };
}

function sumMigSlices(lists: ReadonlyArray<readonly MigSlices[]>): MigSlices[] {
  const by = new Map<string, MigSlices>();
  for (const list of lists) {
    for (const s of list) {
      const t = by.get(s.profile) ?? { profile: s.profile, allocatable: 0, allocated: 0, free: 0 };
      t.allocatable += s.allocatable;
      t.allocated += s.allocated;
      t.free += s.free;
      by.set(s.profile, t);
    }
  }
  return [...by.values()].sort((a, b) => (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0));
}

function addSlices(into: readonly SliceCount[], add: readonly SliceCount[]): SliceCount[] {
  const by = new Map(into.map((s) => [s.profile, s.count]));
  for (const s of add) by.set(s.profile, (by.get(s.profile) ?? 0) + s.count);
  return [...by.entries()].map(([profile, count]) => ({ profile, count })).sort((a, b) => (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0));
}

function sliceTotal(slices: readonly SliceCount[]): number {
  return slices.reduce((s, x) => s + x.count, 0);
}

/** GPUs allocated per pool, node, tenant and workload, free GPUs and fragmentation (pure). */
export function buildAllocation(snapshot: ClusterSnapshot): AllocationView {
  const gpuNodes = snapshot.nodes.filter(
    (n) => (n.allocatable[GPU_RESOURCE] ?? 0) > 0 || n.labels[PRODUCT_LABEL] || migSlicesOf(n).length > 0,
  );
  const pods = snapshot.pods ?? [];
  const byNode = new Map<string, AllocationNode['byWorkload']>();
  for (const p of pods) {
    const gpus = p.requests[GPU_RESOURCE] ?? 0;
    const slices = Object.entries(p.requests)
      .filter(([r, v]) => r.startsWith(MIG_PREFIX) && v > 0)
      .map(([r, count]) => ({ profile: r.slice(MIG_PREFIX.length), count }));
    if (!p.node || (gpus <= 0 && slices.length === 0)) continue;
    const list = byNode.get(p.node) ?? [];
    const workload = p.workload ?? p.name;
    let entry = list.find((w) => w.namespace === p.namespace && w.workload === workload);
    if (!entry) list.push((entry = { tenant: p.tenant, namespace: p.namespace, workload, gpus: 0, slices: [] }));
    entry.gpus += Math.max(0, gpus);
    entry.slices = addSlices(entry.slices, slices);
    byNode.set(p.node, list);
  }
  const pools = snapshot.pools ?? [];
  const nodes: AllocationNode[] = gpuNodes.map((n) => ({
    name: n.name,
    product: n.labels[PRODUCT_LABEL] ?? null,
    pools: pools.filter((p) => selectorMatches(p.selector, n.labels)).map((p) => p.name),
    dedicatedTo: n.labels[DEDICATED_KEY] ?? null,
    schedulable: !n.unschedulable,
    gpus: n.allocatable[GPU_RESOURCE] ?? 0,
    allocated: n.used[GPU_RESOURCE] ?? 0,
    free: freeOf(n, GPU_RESOURCE),
    ...migFigures(n),
    byWorkload: (byNode.get(n.name) ?? []).sort((a, b) => b.gpus - a.gpus || sliceTotal(b.slices) - sliceTotal(a.slices)),
  }));
  const tenants = [...new Set(nodes.flatMap((n) => n.byWorkload.map((w) => w.tenant ?? '(other)')))].sort();
  const group = (name: string, members: SnapshotNode[]): AllocationGroup => {
    const names = new Set(members.map((m) => m.name));
    const of = nodes.filter((n) => names.has(n.name));
    const byTenant = new Map<string, { tenant: string; gpus: number; slices: SliceCount[] }>();
    for (const n of of) {
      for (const w of n.byWorkload) {
        const tenant = w.tenant ?? '(other)';
        const t = byTenant.get(tenant) ?? { tenant, gpus: 0, slices: [] };
        t.gpus += w.gpus;
        t.slices = addSlices(t.slices, w.slices);
        byTenant.set(tenant, t);
      }
    }
    return {
      name,
      nodes: of.length,
      gpus: of.reduce((s, n) => s + n.gpus, 0),
      allocated: of.reduce((s, n) => s + n.allocated, 0),
      free: of.reduce((s, n) => s + n.free, 0),
      physicalGpus: of.reduce((s, n) => s + n.physicalGpus, 0),
      migGpus: of.reduce((s, n) => s + n.migGpus, 0),
      migSlices: sumMigSlices(of.map((n) => n.migSlices)),
      byTenant: [...byTenant.values()].sort((a, b) => b.gpus - a.gpus || sliceTotal(b.slices) - sliceTotal(a.slices)),
      fragmentation: fragmentation(members),
    };
  };
  return {
    nodes,
    pools: [group('', gpuNodes), ...pools.map((p) => group(p.name, gpuNodes.filter((n) => selectorMatches(p.selector, n.labels))))],
    tenants,
  };
}
