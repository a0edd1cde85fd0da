import type { Executor } from '../../db/client';
import type { EngineSettings, InferenceEngine, Quantization } from '../../db/schema/models';
import { getSchedulingConstraints, listPools, planOnCluster, type PlacementRequest, type PlacementResult, type QuotaState, tenantConstraints, toPodSpecFields, withPlacement } from '../gpu';
import { getTenantQuotaState } from '../tenants';
import type { PodPlacement } from './manifests';
import { type MemoryEstimate, estimateGpuMemory } from './memory';

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
  /** The planner could not run (no cluster connection, say): the reason instead of a guess. */
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
 * The one call into server/gpu's planner: cluster snapshot, pools, dedication and the
 * tenant's quota. Everything placement-related in this context goes through here.
 */
export async function planModelPlacement(request: PlacementRequest, quota: QuotaState | null): Promise<PlacementResult> {
  return planOnCluster(request, quota);
}

/** Will it fit? Estimates GPU memory and asks the planner about `replicas` replicas of this sizing. */
export async function checkPlacement(input: PlacementInput, db?: Executor): Promise<PlacementCheck> {
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
    return { estimate, request, outcome: { checked: false, fits: false, reason: 'No GPUs requested: the model would run on CPUs only, which Leitstand does not plan for. Ask for at least one GPU.' } };
  }
  try {
    const quota = input.tenant ? await getTenantQuotaState(input.tenant, db) : null;
    return { estimate, request, outcome: { checked: true, result: await planModelPlacement(request, quota) } };
  } catch (error) {
    return { estimate, request, outcome: { checked: false, fits: false, reason: `The placement could not be checked: ${error instanceof Error ? error.message : String(error)}` } };
  }
}

/** True when the check says the replicas fit. */
export function placementFits(check: PlacementCheck): boolean {
  return check.outcome.checked && check.outcome.result.fits;
}

/** Why it does not fit, as sentences (empty when it fits). */
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
