import { type KubeObject, getClusterObjects, quantityValue } from '../kube';
import { GPU_MEMORY_LABEL, MIG_PREFIX, PRODUCT_LABEL, tenantOfNamespace } from './labels';

export interface SnapshotTaint {
  key: string;
  value?: string;
  effect: string;
}

/** A node as the planner and the allocation view see it: numbers, not quantities. */
export interface SnapshotNode {
  name: string;
  labels: Record<string, string>;
  taints: SnapshotTaint[];
  unschedulable: boolean;
  ready: boolean;
  /** Allocatable per resource: cpu in cores, memory in bytes, devices and pods as counts. */
  allocatable: Record<string, number>;
  /** Requested by the active pods bound to the node (pods: their count). */
  used: Record<string, number>;
}

export interface SnapshotPod {
  namespace: string;
  name: string;
  node: string | null;
  /** The Deployment that owns it (through its ReplicaSet), else the direct owner's name, else null. */
  workload: string | null;
  tenant: string | null;
  phase: string | null;
  requests: Record<string, number>;
  tolerations: Array<{ key?: string; operator?: string; value?: string; effect?: string }>;
  labels: Record<string, string>;
}

/** What the planner reads: nodes with their free resources, and optionally the pods. */
export interface ClusterSnapshot {
  nodes: SnapshotNode[];
  pods?: SnapshotPod[];
  /** GPU pools by name (label selectors), so a request can name one. */
  pools?: Array<{ name: string; selector: Record<string, string> }>;
}

function num(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  try {
    return quantityValue(String(value));
  } catch {
    return 0;
  }
}

function isActive(pod: KubeObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed';
}

interface Container {
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

/** A pod's effective requests, as the scheduler counts them (limits stand in for missing requests). */
export function podRequests(pod: KubeObject): Record<string, number> {
  const spec = pod.spec as { containers?: Container[]; initContainers?: Container[] } | undefined;
  const out: Record<string, number> = {};
  for (const c of spec?.containers ?? []) {
    const names = new Set([...Object.keys(c.resources?.requests ?? {}), ...Object.keys(c.resources?.limits ?? {})]);
    for (const r of names) out[r] = (out[r] ?? 0) + num(c.resources?.requests?.[r] ?? c.resources?.limits?.[r]);
  }
  // Init containers run one at a time before the others: the pod needs the larger of the two.
  for (const c of spec?.initContainers ?? []) {
    for (const [r, v] of Object.entries({ ...c.resources?.limits, ...c.resources?.requests })) out[r] = Math.max(out[r] ?? 0, num(v));
  }
  return out;
}

function workloadOf(pod: KubeObject): string | null {
  const owner = ((pod.metadata.ownerReferences ?? []) as Array<{ kind?: string; name?: string; controller?: boolean }>).find(
    (o) => o.controller,
  );
  if (!owner?.name) return null;
  // Deployment → ReplicaSet `<deployment>-<pod-template-hash>` → Pod.
  if (owner.kind === 'ReplicaSet') return owner.name.replace(/-[a-z0-9]{5,10}$/, '');
  return owner.name;
}

/** Builds a snapshot from raw Node and Pod objects (pure: tests and benchmarks feed it directly). */
export function snapshotFromObjects(nodes: readonly KubeObject[], pods: readonly KubeObject[]): ClusterSnapshot {
  const snapshotPods: SnapshotPod[] = [];
  const usedByNode = new Map<string, Record<string, number>>();
  for (const pod of pods) {
    if (!isActive(pod)) continue;
    const spec = pod.spec as { nodeName?: string; tolerations?: SnapshotPod['tolerations'] } | undefined;
    const requests = podRequests(pod);
    const node = spec?.nodeName ?? null;
    const namespace = pod.metadata.namespace ?? '';
    snapshotPods.push({
      namespace,
      name: pod.metadata.name,
      node,
      workload: workloadOf(pod),
      tenant: tenantOfNamespace(namespace),
      phase: (pod.status as { phase?: string } | undefined)?.phase ?? null,
      requests,
      tolerations: spec?.tolerations ?? [],
      labels: pod.metadata.labels ?? {},
    });
    if (!node) continue;
    let used = usedByNode.get(node);
    if (!used) usedByNode.set(node, (used = { pods: 0 }));
    used.pods = (used.pods ?? 0) + 1;
    for (const [r, v] of Object.entries(requests)) used[r] = (used[r] ?? 0) + v;
  }
  const snapshotNodes = nodes.map((node): SnapshotNode => {
    const status = node.status as
      | { allocatable?: Record<string, string>; conditions?: Array<{ type: string; status: string }> }
      | undefined;
    const spec = node.spec as { unschedulable?: boolean; taints?: SnapshotTaint[] } | undefined;
    const allocatable: Record<string, number> = {};
    for (const [r, v] of Object.entries(status?.allocatable ?? {})) allocatable[r] = num(v);
    return {
      name: node.metadata.name,
      labels: node.metadata.labels ?? {},
      taints: (spec?.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })),
      unschedulable: spec?.unschedulable === true,
      ready: (status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      allocatable,
      used: usedByNode.get(node.metadata.name) ?? { pods: 0 },
    };
  });
  snapshotNodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { nodes: snapshotNodes, pods: snapshotPods };
}

let memo: { generation: number; snapshot: ClusterSnapshot } | undefined;

/** The cluster as the planner sees it now (from the watch cache; memoised per cache generation). */
export async function getClusterSnapshot(): Promise<ClusterSnapshot> {
  const objects = await getClusterObjects();
  if (objects.fromCache && memo?.generation === objects.generation) return memo.snapshot;
  const snapshot = snapshotFromObjects(objects.nodes, objects.pods);
  if (objects.fromCache) memo = { generation: objects.generation, snapshot };
  return snapshot;
}

/** GPU product of a node (GFD label), or null. */
export function productOf(node: SnapshotNode): string | null {
  return node.labels[PRODUCT_LABEL] ?? null;
}

/** Memory per GPU in GiB from the GFD label (MiB), or null. */
export function gpuMemoryGiBOf(node: SnapshotNode): number | null {
  const mib = Number(node.labels[GPU_MEMORY_LABEL]);
  return Number.isFinite(mib) && mib > 0 ? mib / 1024 : null;
}

/** MIG profile memory in GiB from the GFD label nvidia.com/mig-<profile>.memory, or null. */
export function migMemoryGiBOf(node: SnapshotNode, profile: string): number | null {
  const mib = Number(node.labels[`${MIG_PREFIX}${profile}.memory`]);
  return Number.isFinite(mib) && mib > 0 ? mib / 1024 : null;
}

/** Free amount of a resource on a node (never negative). */
export function freeOf(node: SnapshotNode, resource: string): number {
  return Math.max(0, (node.allocatable[resource] ?? 0) - (node.used[resource] ?? 0));
}
