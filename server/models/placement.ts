import type { Executor } from '../../db/client';
import type { EngineSettings, InferenceEngine, Quantization } from '../../db/schema/models';
import {
  type ClusterSnapshot,
  type PlacementRequest,
  type PlacementResult,
  type QuotaState,
  type SnapshotPod,
  getPlanningSnapshot,
  getSchedulingConstraints,
  listPools,
  planPlacement,
  tenantConstraints,
  toPodSpecFields,
  withPlacement,
} from '../gpu';
import { getTenantQuotaState } from '../tenants';
import type { PodPlacement } from './manifests';
import { type MemoryEstimate, estimateGpuMemory } from './memory';
import { modelMessages as m, msg } from './messages';

export interface PlacementInput {
  engine: InferenceEngine;
  settings: EngineSettings;
  version: { parameterCount: number; quantization: Quantization; contextLength: number };
  replicas: number;
  gpusPerReplica: number;
  gpuProduct?: string | null;
  pool?: string | null;
  tenant?: string | null;
  cpu: string;
  memory: string;
}

export type PlacementOutcome =
  | { checked: true; result: PlacementResult }
  /** The planner could not run (no cluster connection, say): the reason (a message key) instead of a guess. */
  | { checked: false; fits: false; reason: string };

export interface PlacementCheck {
  estimate: MemoryEstimate;
  request: PlacementRequest;
  outcome: PlacementOutcome;
}

/** The estimate for a sizing: weights, KV cache for the configured context, overhead. */
export function estimateFor(input: PlacementInput): MemoryEstimate {
  return estimateGpuMemory({
    parameterCount: input.version.parameterCount,
    quantization: input.version.quantization,
    contextLength: input.settings.maxModelLen ?? input.version.contextLength,
    engine: input.engine,
    gpus: input.gpusPerReplica,
    gpuMemoryUtilization: input.settings.gpuMemoryUtilization,
  });
}

/**
 * Pods the change removes while it rolls (the canary that promote and rollback stop): the
 * room they hold on their nodes and in the tenant's quota counts as free.
 */
export interface ReleasedPods {
  namespace: string;
  labels: Record<string, string>;
}

const isReleased = (pod: SnapshotPod, released: ReleasedPods) =>
  pod.namespace === released.namespace && pod.phase !== 'Succeeded' && pod.phase !== 'Failed' && Object.entries(released.labels).every(([k, v]) => pod.labels[k] === v);

/** The snapshot and quota without the released pods (copies: the snapshot is shared). */
export function withoutReleased(snapshot: ClusterSnapshot, quota: QuotaState | null, released: ReleasedPods): { snapshot: ClusterSnapshot; quota: QuotaState | null } {
  const gone = (snapshot.pods ?? []).filter((p) => isReleased(p, released));
  if (gone.length === 0) return { snapshot, quota };
  const nodes = snapshot.nodes.map((node) => {
    const mine = gone.filter((p) => p.node === node.name);
    if (mine.length === 0) return node;
    const used = { ...node.used };
    for (const pod of mine) {
      used.pods = Math.max(0, (used.pods ?? 0) - 1);
      for (const [r, v] of Object.entries(pod.requests)) used[r] = Math.max(0, (used[r] ?? 0) - v);
    }
    return { ...node, used };
  });
  let freedQuota = quota;
  if (quota) {
    const used = { ...quota.used };
    for (const pod of gone) {
      for (const key of ['pods', 'count/pods']) if (used[key] !== undefined) used[key] = Math.max(0, used[key]! - 1);
      for (const [r, v] of Object.entries(pod.requests)) {
        for (const key of [`requests.${r}`, r]) if (used[key] !== undefined) used[key] = Math.max(0, used[key]! - v);
      }
    }
    freedQuota = { hard: quota.hard, used };
  }
  return { snapshot: { ...snapshot, nodes, pods: (snapshot.pods ?? []).filter((p) => !isReleased(p, released)) }, quota: freedQuota };
}

/**
 * The one call into server/gpu's planner: cluster snapshot, pools, dedication and the
 * tenant's quota (without `released` pods, when given). Everything placement-related in
 * this context goes through here.
 */
export async function planModelPlacement(request: PlacementRequest, quota: QuotaState | null, released?: ReleasedPods): Promise<PlacementResult> {
  const snapshot = await getPlanningSnapshot();
  const view = released ? withoutReleased(snapshot, quota, released) : { snapshot, quota };
  return planPlacement(request, view.snapshot, view.quota);
}

/** Will it fit? Estimates GPU memory and asks the planner about `replicas` replicas of this sizing. */
export async function checkPlacement(input: PlacementInput, db?: Executor, released?: ReleasedPods): Promise<PlacementCheck> {
  const estimate = estimateFor(input);
  const request: PlacementRequest = {
    replicas: input.replicas,
    gpusPerReplica: input.gpusPerReplica,
    gpuMemoryGiBPerReplica: estimate.requiredGiB,
    ...(input.gpuProduct ? { products: [input.gpuProduct] } : {}),
    ...(input.pool ? { pool: input.pool } : {}),
    ...(input.tenant ? { tenant: input.tenant } : {}),
    cpu: input.cpu,
    memory: input.memory,
  };
  if (input.gpusPerReplica < 1) {
    return { estimate, request, outcome: { checked: false, fits: false, reason: m.noGpusRequested } };
  }
  try {
    const quota = input.tenant ? await getTenantQuotaState(input.tenant, db) : null;
    return { estimate, request, outcome: { checked: true, result: await planModelPlacement(request, quota, released) } };
  } catch (error) {
    return { estimate, request, outcome: { checked: false, fits: false, reason: msg(m.placementUnchecked, { error: error instanceof Error ? error.message : String(error) }) } };
  }
}

/** True when the check says the replicas fit. */
export function placementFits(check: PlacementCheck): boolean {
  return check.outcome.checked && check.outcome.result.fits;
}

/** Why it does not fit, as message keys: the planner's or this context's (empty when it fits). */
export function placementReasons(check: PlacementCheck): string[] {
  if (!check.outcome.checked) return [check.outcome.reason];
  return check.outcome.result.fits ? [] : check.outcome.result.reasons;
}

/**
 * The pod fields that keep replicas where the planner counted them: tenant dedication
 * (toleration + affinity), the pool's node selector, the GPU product. Read from the
 * database only, so rendering never needs the cluster.
 */
export async function podPlacement(db: Executor, input: { tenant?: string | null; pool?: string | null; gpuProduct?: string | null }): Promise<PodPlacement> {
  const base = input.tenant ? await getSchedulingConstraints(input.tenant, db) : tenantConstraints(undefined, false);
  const pool = input.pool ? (await listPools(db)).find((p) => p.name === input.pool) : undefined;
  const constraints = withPlacement(
    { nodeSelector: base.nodeSelector, tolerations: base.tolerations, requiredNodeAffinity: base.requiredNodeAffinity },
    { poolSelector: pool?.selector, products: input.gpuProduct ? [input.gpuProduct] : undefined },
  );
  return toPodSpecFields(constraints) as PodPlacement;
}
