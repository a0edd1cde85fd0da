import { type GpuNodeSummary, getClusterObjects, summariseGpuNodes } from '../kube';
import { MIG_PREFIX } from './labels';

export const inventorySortKeys = ['name', 'product', 'count', 'allocated', 'free'] as const;
export type InventorySortKey = (typeof inventorySortKeys)[number];
export const nodeStatuses = ['ready', 'not-ready', 'cordoned'] as const;
export type NodeStatus = (typeof nodeStatuses)[number];

export interface InventoryQuery {
  search?: string;
  product?: string;
  status?: NodeStatus;
  sort?: { key: InventorySortKey; desc: boolean };
}

export interface InventoryNode extends GpuNodeSummary {
  /** Physical GPUs, counted once whether whole or partitioned with MIG. */
  physicalGpus: number;
  /** Physical GPUs partitioned into MIG slices (not schedulable as nvidia.com/gpu). */
  migGpus: number;
  /** Whole GPUs (nvidia.com/gpu) free; MIG slices are in `migSlices`. */
  freeGpus: number;
  /** MIG slices by profile (e.g. 1g.10gb): allocatable, allocated, free. */
  migSlices: MigSlices[];
  status: NodeStatus;
}

export interface MigSlices {
  profile: string;
  allocatable: number;
  allocated: number;
  free: number;
}

/**
 * Totals: `gpus` counts physical GPUs once (whole and MIG-partitioned alike, as the table's
 * GPU column does); `allocated` and `free` are whole GPUs of the `gpus - migGpus` that are
 * not partitioned; MIG slices are counted per profile in `mig`.
 */
export interface ProductTotals {
  product: string;
  nodes: number;
  gpus: number;
  migGpus: number;
  allocated: number;
  free: number;
}

export interface GpuInventory {
  nodes: InventoryNode[];
  /** Every product in the cluster (for the filter), whatever the filters. */
  products: string[];
  totals: { nodes: number; gpus: number; migGpus: number; allocated: number; free: number; mig: MigSlices[] };
  byProduct: ProductTotals[];
}

// One collator for every comparison: String#localeCompare builds one per call, which made
// sorting 500 nodes a few milliseconds of each page view.
const collator = new Intl.Collator('en', { numeric: true });

function statusOf(node: GpuNodeSummary): NodeStatus {
  if (node.cordoned) return 'cordoned';
  return node.ready ? 'ready' : 'not-ready';
}

/**
 * A node's GPUs as people count them. With MIG (mixed strategy) the device plugin advertises
 * the partitioned GPUs as nvidia.com/mig-<profile> slices and only the rest as nvidia.com/gpu
 * (all-partitioned: nvidia.com/gpu 0), so the physical count is the GFD count label, and the
 * partitioned GPUs are those the label counts beyond the whole ones.
 */
export function gpuFigures(n: GpuNodeSummary): Pick<InventoryNode, 'physicalGpus' | 'migGpus' | 'freeGpus' | 'migSlices'> {
  const migSlices = n.mig.resources
    .filter((r) => r.allocatable > 0 || r.allocated > 0)
    .map((r) => ({ profile: r.resource.replace(MIG_PREFIX, ''), allocatable: r.allocatable, allocated: r.allocated, free: Math.max(0, r.allocatable - r.allocated) }));
  const physicalGpus = Math.max(n.gpuCount, n.allocatableGpus);
  const migGpus = migSlices.length > 0 ? Math.max(0, physicalGpus - n.allocatableGpus) : 0;
  return { physicalGpus, migGpus, freeGpus: Math.max(0, n.allocatableGpus - n.allocatedGpus), migSlices };
}

/** MIG slices summed per profile over nodes. */
function sumSlices(nodes: readonly InventoryNode[]): MigSlices[] {
  const by = new Map<string, MigSlices>();
  for (const n of nodes) {
    for (const s of n.migSlices) {
      const t = by.get(s.profile) ?? { profile: s.profile, allocatable: 0, allocated: 0, free: 0 };
      t.allocatable += s.allocatable;
      t.allocated += s.allocated;
      t.free += s.free;
      by.set(s.profile, t);
    }
  }
  return [...by.values()].sort((a, b) => collator.compare(a.profile, b.profile));
}

/** Filters, sorts and totals a list of GPU nodes (pure: the page and the planner share it). */
export function summariseInventory(all: GpuNodeSummary[], query: InventoryQuery = {}): GpuInventory {
  const nodes: InventoryNode[] = all.map((n) => ({ ...n, ...gpuFigures(n), status: statusOf(n) }));
  const products = [...new Set(nodes.map((n) => n.gpuProduct).filter((p): p is string => Boolean(p)))].sort();
  const byProduct = products.map((product) => {
    const of = nodes.filter((n) => n.gpuProduct === product);
    return {
      product,
      nodes: of.length,
      gpus: of.reduce((s, n) => s + n.physicalGpus, 0),
      migGpus: of.reduce((s, n) => s + n.migGpus, 0),
      allocated: of.reduce((s, n) => s + n.allocatedGpus, 0),
      free: of.reduce((s, n) => s + n.freeGpus, 0),
    };
  });
  const search = query.search?.trim().toLowerCase();
  const filtered = nodes.filter(
    (n) =>
      (!search || n.name.toLowerCase().includes(search)) &&
      (!query.product || n.gpuProduct === query.product) &&
      (!query.status || n.status === query.status),
  );
  const sort = query.sort ?? { key: 'name', desc: false };
  const value = (n: InventoryNode): string | number => {
    switch (sort.key) {
      case 'product':
        return n.gpuProduct ?? '';
      case 'count':
        return n.physicalGpus;
      case 'allocated':
        return n.allocatedGpus;
      case 'free':
        return n.freeGpus;
      default:
        return n.name;
    }
  };
  filtered.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : collator.compare(String(va), String(vb));
    return (sort.desc ? -c : c) || collator.compare(a.name, b.name);
  });
  return {
    nodes: filtered,
    products,
    totals: {
      nodes: nodes.length,
      gpus: nodes.reduce((s, n) => s + n.physicalGpus, 0),
      migGpus: nodes.reduce((s, n) => s + n.migGpus, 0),
      allocated: nodes.reduce((s, n) => s + n.allocatedGpus, 0),
      free: nodes.reduce((s, n) => s + n.freeGpus, 0),
      mig: sumSlices(nodes),
    },
    byProduct,
  };
}

let memo: { generation: number; nodes: GpuNodeSummary[] } | undefined;

/** GPU node summaries from the watch-backed cluster cache (memoised until a node or pod changes). */
export async function listGpuNodesCached(): Promise<GpuNodeSummary[]> {
  const objects = await getClusterObjects();
  if (objects.fromCache && memo?.generation === objects.generation) return memo.nodes;
  const nodes = summariseGpuNodes(objects.nodes, objects.pods);
  if (objects.fromCache) memo = { generation: objects.generation, nodes };
  return nodes;
}

/** The GPU inventory as the cluster reports it now (through the watch cache), filtered and sorted. */
export async function getGpuInventory(query: InventoryQuery = {}): Promise<GpuInventory> {
  const nodes = await listGpuNodesCached();
  // The same cluster state and query give the same answer: remember the last few per state.
  if (views?.nodes !== nodes) views = { nodes, byQuery: new Map() };
  const key = JSON.stringify([query.search ?? '', query.product ?? '', query.status ?? '', query.sort?.key ?? '', query.sort?.desc ?? false]);
  let view = views.byQuery.get(key);
  if (!view) {
    view = summariseInventory(nodes, query);
    if (views.byQuery.size >= 32) views.byQuery.delete(views.byQuery.keys().next().value as string);
    views.byQuery.set(key, view);
  }
  return view;
}

let views: { nodes: GpuNodeSummary[]; byQuery: Map<string, GpuInventory> } | undefined;
