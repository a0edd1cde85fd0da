import { type Executor, getDb } from '../../db/client';
import { buildAllocation, type AllocationView } from './allocation';
import { type PlacementRequest, type PlacementResult, type QuotaState, planPlacement } from './planner';
import { listPools } from './pools';
import { type ClusterSnapshot, getClusterSnapshot } from './snapshot';

/** The cluster snapshot with the GPU pools, as the planner and the allocation view take it. */
export async function getPlanningSnapshot(db: Executor = getDb()): Promise<ClusterSnapshot> {
  const [snapshot, pools] = await Promise.all([getClusterSnapshot(), listPools(db)]);
  return { ...snapshot, pools: pools.map((p) => ({ name: p.name, selector: p.selector })) };
}

/** GPUs allocated per pool, node, tenant and workload now, with fragmentation. */
export async function getAllocation(db: Executor = getDb()): Promise<AllocationView> {
  return buildAllocation(await getPlanningSnapshot(db));
}

/** Plans against the live cluster (the planner page and the models' rollout check). */
export async function planOnCluster(request: PlacementRequest, quota: QuotaState | null): Promise<PlacementResult> {
  return planPlacement(request, await getPlanningSnapshot(), quota);
}
