import { DEDICATED_KEY, GPU_RESOURCE, PRODUCT_LABEL } from './labels';
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
  gpus: number;
  allocated: number;
  free: number;
  /** GPUs by tenant (null: not a tenant's namespace) and workload. */
  byWorkload: Array<{ tenant: string | null; namespace: string; workload: string; gpus: number }>;
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
  gpus: number;
  allocated: number;
  free: number;
  byTenant: Array<{ tenant: string; gpus: number }>;
  fragmentation: Fragmentation[];
}

export interface AllocationView {
  nodes: AllocationNode[];
  /** One group per pool, plus "all GPU nodes". */
  pools: AllocationGroup[];
  tenants: string[];
}

/** Free GPUs usable and stranded for replicas of 1, 2, 4 and 8 GPUs on one node. */
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

/** GPUs allocated per pool, node, tenant and workload, free GPUs and fragmentation (pure). */
export function buildAllocation(snapshot: ClusterSnapshot): AllocationView {
  const gpuNodes = snapshot.nodes.filter((n) => (n.allocatable[GPU_RESOURCE] ?? 0) > 0 || n.labels[PRODUCT_LABEL]);
  const pods = snapshot.pods ?? [];
  const byNode = new Map<string, AllocationNode['byWorkload']>();
  for (const p of pods) {
    const gpus = p.requests[GPU_RESOURCE] ?? 0;
    if (!p.node || gpus <= 0) continue;
    const list = byNode.get(p.node) ?? [];
    const workload = p.workload ?? p.name;
    const existing = list.find((w) => w.namespace === p.namespace && w.workload === workload);
    if (existing) existing.gpus += gpus;
    else list.push({ tenant: p.tenant, namespace: p.namespace, workload, gpus });
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
    byWorkload: (byNode.get(n.name) ?? []).sort((a, b) => b.gpus - a.gpus),
  }));
  const tenants = [...new Set(nodes.flatMap((n) => n.byWorkload.map((w) => w.tenant ?? '(other)')))].sort();
  const group = (name: string, members: SnapshotNode[]): AllocationGroup => {
    const names = new Set(members.map((m) => m.name));
    const of = nodes.filter((n) => names.has(n.name));
    const byTenant = new Map<string, number>();
    for (const n of of) for (const w of n.byWorkload) byTenant.set(w.tenant ?? '(other)', (byTenant.get(w.tenant ?? '(other)') ?? 0) + w.gpus);
    return {
      name,
      nodes: of.length,
      gpus: of.reduce((s, n) => s + n.gpus, 0),
      allocated: of.reduce((s, n) => s + n.allocated, 0),
      free: of.reduce((s, n) => s + n.free, 0),
      byTenant: [...byTenant.entries()].map(([tenant, gpus]) => ({ tenant, gpus })).sort((a, b) => b.gpus - a.gpus),
      fragmentation: fragmentation(members),
    };
  };
  return {
    nodes,
    pools: [group('', gpuNodes), ...pools.map((p) => group(p.name, gpuNodes.filter((n) => selectorMatches(p.selector, n.labels))))],
    tenants,
  };
}
