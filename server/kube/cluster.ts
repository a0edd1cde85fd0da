import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { getDb } from '../../db/client';
import { DESIRED_CONTROLLER } from './controller/desired-controller';
import { type ControllerStatus, loadControllerStatuses } from './controller/status';
import { type EventSummary, listEvents as listEventSummaries } from './kinds/events';
import { listNodes, readNode } from './kinds/nodes';
import { listPods } from './kinds/pods';
import { leaderControllerNames, leaderControllerStatus } from './leader-controllers';
import type { KubeObject } from './resources';
import { getKubeRuntime } from './runtime';

export const GPU_RESOURCE = 'nvidia.com/gpu';
const MIG_PREFIX = 'nvidia.com/mig-';

/** Where a controller runs, as this replica sees it. */
export type ControllerPlacement = 'this-replica' | 'leader' | 'not-running';

/** A status row older than this no longer counts as the leader's (it flushes every 5 s). */
export const CONTROLLER_STATUS_STALE_MS = 30_000;

export interface ClusterControllerInfo extends Omit<ControllerStatus, 'running' | 'instanceId' | 'startedAt'> {
  /** `desired-objects`: converges kube_desired_objects; `leader-only`: another context's controller run by the leader. */
  kind: 'desired-objects' | 'leader-only';
  /** True when it runs in this replica now. */
  running: boolean;
  /** This replica, the current leader (its status row is fresh), or nowhere that reports. */
  runsOn: ControllerPlacement;
  /** The replica whose figures these are (null when none has reported yet). */
  instanceId: string | null;
  startedAt: Date | null;
  /** When the figures were written to the database (null: live from this replica only, or never). */
  updatedAt: Date | null;
  /** False for a registered controller no replica has reported on yet. */
  reported: boolean;
}

export interface ClusterInfo {
  connected: boolean;
  simulated: boolean;
  source: string | null;
  server: string | null;
  /** API server version (GET /version), e.g. "v1.31.0". */
  version: string | null;
  versionError: string | null;
  leader: { identity: string | null; since: string | null; renewedAt: string | null };
  instance: { identity: string | null; isLeader: boolean };
  /** The desired-objects controller first, then the leader-only ones by name. */
  controllers: ClusterControllerInfo[];
}

/**
 * Every controller: the desired-objects one and the leader-only ones of other contexts.
 * Figures come live from this replica when it runs them, else from the status rows the
 * leader flushes (so a follower shows the leader's), else they are not reported yet.
 */
function listControllers(
  rows: Awaited<ReturnType<typeof loadControllerStatuses>>,
  live: ControllerStatus[],
  leaderIdentity: string | null,
  now = Date.now(),
): ClusterControllerInfo[] {
  const rowOf = new Map(rows.map((r) => [r.controller, r]));
  const liveOf = new Map(live.filter((s) => s.running).map((s) => [s.controller, s]));
  const names = new Set([...rowOf.keys(), ...liveOf.keys(), ...leaderControllerNames()]);
  const out: ClusterControllerInfo[] = [];
  for (const name of names) {
    const row = rowOf.get(name);
    const fresh = liveOf.get(name);
    const kind = name === DESIRED_CONTROLLER ? 'desired-objects' : 'leader-only';
    const runsOn: ControllerPlacement = fresh
      ? 'this-replica'
      : row && leaderIdentity !== null && row.instanceId === leaderIdentity && now - row.updatedAt.getTime() < CONTROLLER_STATUS_STALE_MS
        ? 'leader'
        : 'not-running';
    const figures = fresh ?? row;
    out.push({
      controller: name,
      kind,
      running: Boolean(fresh),
      runsOn,
      instanceId: figures?.instanceId ?? null,
      startedAt: figures?.startedAt ?? null,
      lastReconcileAt: figures?.lastReconcileAt ?? null,
      reconcileTotal: figures?.reconcileTotal ?? 0,
      errorTotal: figures?.errorTotal ?? 0,
      queueDepth: figures?.queueDepth ?? 0,
      objectsManaged: figures?.objectsManaged ?? 0,
      objectsDrifted: figures?.objectsDrifted ?? 0,
      lastError: figures?.lastError ?? null,
      lastErrorAt: figures?.lastErrorAt ?? null,
      updatedAt: row?.updatedAt ?? null,
      reported: Boolean(figures),
    });
  }
  return out.sort((a, b) => Number(b.kind === 'desired-objects') - Number(a.kind === 'desired-objects') || a.controller.localeCompare(b.controller));
}

/** What the cluster overview shows: connection, version, leader, controllers (desired-objects and leader-only). */
export async function getClusterInfo(): Promise<ClusterInfo> {
  const runtime = getKubeRuntime();
  const rows = await loadControllerStatuses(getDb());
  const live = [...(runtime?.controller ? [runtime.controller.runner.status()] : []), ...leaderControllerStatus()];
  const controllers = listControllers(rows, live, runtime?.elector.record?.holderIdentity ?? null);
  if (!runtime) {
    return {
      connected: false,
      simulated: false,
      source: null,
      server: null,
      version: null,
      versionError: 'not started',
      leader: { identity: null, since: null, renewedAt: null },
      instance: { identity: null, isLeader: false },
      controllers,
    };
  }
  let version: string | null = null;
  let versionError: string | null = null;
  try {
    version = (await runtime.client.version.getCode()).gitVersion ?? null;
  } catch (error) {
    versionError = error instanceof Error ? error.message : String(error);
  }
  const record = runtime.elector.record;
  return {
    connected: version !== null,
    simulated: runtime.connection.simulated,
    source: runtime.connection.source,
    server: runtime.connection.server,
    version,
    versionError,
    leader: {
      identity: record?.holderIdentity ?? null,
      since: record?.acquireTime?.toISOString() ?? null,
      renewedAt: record?.renewTime?.toISOString() ?? null,
    },
    instance: { identity: runtime.identity, isLeader: runtime.elector.isLeader },
    controllers,
  };
}

export interface GpuNodeSummary {
  name: string;
  gpuProduct: string | null;
  /** Memory per GPU in MiB (nvidia.com/gpu.memory label). */
  gpuMemoryMiB: number | null;
  gpuCount: number;
  allocatableGpus: number;
  /** Sum of nvidia.com/gpu requests of the pods running on the node. */
  allocatedGpus: number;
  mig: {
    strategy: string | null;
    config: string | null;
    state: string | null;
    /** MIG resources (e.g. nvidia.com/mig-1g.10gb): capacity, allocatable, allocated. */
    resources: Array<{ resource: string; capacity: number; allocatable: number; allocated: number }>;
  };
  conditions: Array<{ type: string; status: string; reason: string | null; message: string | null }>;
  ready: boolean;
  cordoned: boolean;
  taints: Array<{ key: string; value: string | null; effect: string }>;
  labels: Record<string, string>;
}

function num(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function isActive(pod: V1Pod): boolean {
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

function requested(pod: V1Pod, resource: string): number {
  let total = 0;
  for (const c of pod.spec?.containers ?? []) {
    total += num(c.resources?.requests?.[resource] ?? c.resources?.limits?.[resource]);
  }
  return total;
}

function summariseNode(node: V1Node, pods: V1Pod[]): GpuNodeSummary {
  const labels = node.metadata?.labels ?? {};
  const capacity = node.status?.capacity ?? {};
  const allocatable = node.status?.allocatable ?? {};
  const active = pods.filter(isActive);
  const migResources = new Set(
    [...Object.keys(capacity), ...Object.keys(allocatable)].filter((r) => r.startsWith(MIG_PREFIX)),
  );
  const conditions = (node.status?.conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason ?? null,
    message: c.message ?? null,
  }));
  return {
    name: node.metadata?.name ?? '',
    gpuProduct: labels['nvidia.com/gpu.product'] ?? null,
    gpuMemoryMiB: labels['nvidia.com/gpu.memory'] ? num(labels['nvidia.com/gpu.memory']) : null,
    gpuCount: labels['nvidia.com/gpu.count'] ? num(labels['nvidia.com/gpu.count']) : num(capacity[GPU_RESOURCE]),
    allocatableGpus: num(allocatable[GPU_RESOURCE]),
    allocatedGpus: active.reduce((s, p) => s + requested(p, GPU_RESOURCE), 0),
    mig: {
      strategy: labels['nvidia.com/mig.strategy'] ?? null,
      config: labels['nvidia.com/mig.config'] ?? null,
      state: labels['nvidia.com/mig.config.state'] ?? null,
      resources: [...migResources].sort().map((resource) => ({
        resource,
        capacity: num(capacity[resource]),
        allocatable: num(allocatable[resource]),
        allocated: active.reduce((s, p) => s + requested(p, resource), 0),
      })),
    },
    conditions,
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    cordoned: node.spec?.unschedulable === true,
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, value: t.value ?? null, effect: t.effect })),
    labels,
  };
}

function hasGpus(node: V1Node): boolean {
  const resources = { ...node.status?.capacity, ...node.status?.allocatable };
  return (
    num(resources[GPU_RESOURCE]) > 0 ||
    Object.keys(resources).some((r) => r.startsWith(MIG_PREFIX)) ||
    Boolean(node.metadata?.labels?.['nvidia.com/gpu.product'])
  );
}

function requireClient() {
  const runtime = getKubeRuntime();
  if (!runtime) throw new Error('The Kubernetes connection is not started (startKube).');
  return runtime.client;
}

/** Nodes with GPUs: product, memory, count, allocatable/allocated, MIG layout, conditions, taints. */
export async function listGpuNodes(): Promise<GpuNodeSummary[]> {
  const client = requireClient();
  const [nodes, pods] = await Promise.all([listNodes(client), listPods(client)]);
  if (!nodes.ok) throw new Error(`Listing nodes failed: ${nodes.reason}`);
  if (!pods.ok) throw new Error(`Listing pods failed: ${pods.reason}`);
  return summariseTyped(nodes.value, pods.value);
}

function summariseTyped(nodes: V1Node[], pods: V1Pod[]): GpuNodeSummary[] {
  const byNode = new Map<string, V1Pod[]>();
  for (const pod of pods) {
    const n = pod.spec?.nodeName;
    if (!n) continue;
    const list = byNode.get(n);
    if (list) list.push(pod);
    else byNode.set(n, [pod]);
  }
  return nodes
    .filter(hasGpus)
    .map((node) => summariseNode(node, byNode.get(node.metadata?.name ?? '') ?? []))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * GPU node summaries from raw Node and Pod objects as the API sends them (e.g. the cluster
 * cache's), the same figures as listGpuNodes.
 */
export function summariseGpuNodes(nodes: readonly KubeObject[], pods: readonly KubeObject[]): GpuNodeSummary[] {
  // Raw JSON has the typed models' shape for every field read here (strings for quantities).
  return summariseTyped(nodes as unknown as V1Node[], pods as unknown as V1Pod[]);
}

export interface GpuPodSummary {
  namespace: string;
  name: string;
  phase: string | null;
  gpus: number;
  /** MIG devices requested, by resource name. */
  mig: Record<string, number>;
  labels: Record<string, string>;
}

/** One node with the pods using its GPUs (or MIG devices); undefined when there is no such node. */
export async function getNode(name: string): Promise<(GpuNodeSummary & { pods: GpuPodSummary[] }) | undefined> {
  const client = requireClient();
  const node = await readNode(client, name);
  if (!node.ok) {
    if (node.error?.code === 404) return undefined;
    throw new Error(`Reading node ${name} failed: ${node.reason}`);
  }
  const pods = await listPods(client, { fieldSelector: `spec.nodeName=${name}` });
  if (!pods.ok) throw new Error(`Listing pods on ${name} failed: ${pods.reason}`);
  const summary = summariseNode(node.value, pods.value);
  const gpuPods = pods.value
    .filter(isActive)
    .map((pod) => {
      const mig: Record<string, number> = {};
      for (const c of pod.spec?.containers ?? []) {
        for (const [r, v] of Object.entries({ ...c.resources?.limits, ...c.resources?.requests })) {
          if (r.startsWith(MIG_PREFIX)) mig[r] = (mig[r] ?? 0) + num(v);
        }
      }
      return {
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        phase: pod.status?.phase ?? null,
        gpus: requested(pod, GPU_RESOURCE),
        mig,
        labels: pod.metadata?.labels ?? {},
      };
    })
    .filter((p) => p.gpus > 0 || Object.keys(p.mig).length > 0);
  return { ...summary, pods: gpuPods };
}

/** Recent events, newest first, optionally for a namespace and/or one involved object. */
export async function listEvents(
  options: { namespace?: string; involvedObject?: { kind?: string; name: string }; limit?: number } = {},
): Promise<EventSummary[]> {
  const result = await listEventSummaries(requireClient(), options);
  if (!result.ok) throw new Error(`Listing events failed: ${result.reason}`);
  return result.value;
}
