/**
 * The gpu context's door: GPU inventory, pools, node dedication, the placement planner,
 * the allocation view and node maintenance (cordon, drain, MIG layout).
 */
export {
  type GpuInventory,
  type InventoryNode,
  type InventoryQuery,
  type InventorySortKey,
  type MigSlices,
  type NodeStatus,
  type ProductTotals,
  getGpuInventory,
  gpuFigures,
  inventorySortKeys,
  listGpuNodesCached,
  nodeStatuses,
  summariseInventory,
} from './inventory';
export {
  type Assignment,
  type PlacementAlternative,
  type PlacementRequest,
  type PlacementResult,
  type QuotaState,
  planPlacement,
} from './planner';
export {
  type ClusterSnapshot,
  type SnapshotNode,
  type SnapshotPod,
  getClusterSnapshot,
  podRequests,
  snapshotFromObjects,
} from './snapshot';
export {
  type NodeSelectorRequirement,
  type SchedulingConstraints,
  type Toleration,
  tenantConstraints,
  toPodSpecFields,
  withPlacement,
} from './scheduling';
export {
  type GpuDedication,
  type GpuPool,
  createPool,
  dedicate,
  deletePool,
  getSchedulingConstraints,
  listDedications,
  listPools,
  releaseDedication,
  selectorMatches,
} from './pools';
export {
  DRAIN_ACKNOWLEDGEMENTS,
  type DrainAcknowledgement,
  type DrainAcknowledgements,
  type DrainPreview,
  type DrainPreviewPod,
  type EvictionRisks,
  type MigPreview,
  cordonNode,
  evictionRisks,
  previewDrain,
  previewMigLayout,
  setMigLayout,
  uncordonNode,
} from './maintenance';
export {
  DRAIN_JOB_TYPE,
  type DrainJobResult,
  type DrainPodState,
  type DrainPodView,
  type NodeDrainStatus,
  cancelDrain,
  drainJob,
  drainTiming,
  getNodeDrain,
  startDrain,
} from './drain';
export { gpuLifecycle } from './lifecycle';
export { POOL_DEDICATION_CONTROLLER, reconcileNodeDedication, registerPoolDedicationController } from './dedication-controller';
export { type AllocationGroup, type AllocationNode, type AllocationView, type Fragmentation, type SliceCount, type WorkloadAllocation, FRAGMENT_SIZES, buildAllocation, fragmentation } from './allocation';
export { MIG_LAYOUTS, migLayoutNames, resourcesForLayout } from './mig';
export { DEDICATED_KEY, TENANT_NAMESPACE_PREFIX, tenantOfNamespace } from './labels';
export { getAllocation, getPlanningSnapshot, planOnCluster } from './service';
