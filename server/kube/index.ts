/**
 * server/kube — the only door to Kubernetes. Other contexts import from here only.
 *
 * - Desired state: `setDesired(tx, …)` / `deleteDesired(tx, …)` inside the caller's
 *   transaction; the leader's controller converges it and writes the observed state back.
 * - Typed operations per kind (`nodes`, `deployments`, …), each taking a KubeClient
 *   (`getKubeClient()`) and returning `{ ok, … }` results for expected outcomes.
 * - Renderers (`render*`) produce manifests carrying the managed-by label.
 * - Page data: getClusterInfo, listGpuNodes, getNode, listEvents.
 * - Lifecycle for server/http: startKube(config), stopKube().
 */
export { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, KubeClient, type KubeApiError, type KubeClientOptions } from './client';
export { type KubeObject, type ObjectRef, knownResources, resourceFor } from './resources';
export {
  type DesiredObjectRow,
  type DesiredOwner,
  type SetDesiredInput,
  deleteDesired,
  getDesired,
  listDesired,
  normaliseManifest,
  setDesired,
  specHash,
} from './desired';
export { type DriftPolicy, driftPolicies } from '../../db/schema/kube';
export { type KubeConnection, type KubeSource, connectKube } from './connection';
export {
  CONTROLLER_LEASE,
  type KubeRuntime,
  type StartKubeOverrides,
  getKubeClient,
  getKubeRuntime,
  instanceIdentity,
  isSimulated,
  startKube,
  stopKube,
} from './runtime';
export {
  CONTROLLER_STATUS_STALE_MS,
  type ClusterControllerInfo,
  type ClusterInfo,
  type ControllerPlacement,
  GPU_RESOURCE,
  type GpuNodeSummary,
  type GpuPodSummary,
  getClusterInfo,
  getNode,
  listEvents,
  listGpuNodes,
  summariseGpuNodes,
} from './cluster';
export {
  type LeaderControllerFactory,
  flushLeaderControllerStatus,
  leaderControllerNames,
  leaderControllerStatus,
  registerLeaderController,
} from './leader-controllers';
export type { ControllerDefinition, ReconcileOutcome, ReconcileResult } from './controller/runner';
export { type ClusterObjects, getClusterObjects, stopClusterCache } from './cache';
export { isQuantityText, quantityValue } from './quantity';
export type { EventSummary } from './kinds/events';
export type { Result, WriteOptions } from './kinds/common';
export type { DrainPodOutcome, DrainReport } from './kinds/nodes';
export type { DeploymentInput } from './kinds/deployments';
export type { HttpRouteInput, WeightedBackend } from './kinds/http-routes';
export { renderNamespace } from './kinds/namespaces';
export { renderResourceQuota } from './kinds/resource-quotas';
export { renderLimitRange } from './kinds/limit-ranges';
export { renderDeployment, rolloutState } from './kinds/deployments';
export { renderService } from './kinds/services';
export { renderConfigMap } from './kinds/config-maps';
export { renderHttpRoute, routeWeights } from './kinds/http-routes';
export * as nodes from './kinds/nodes';
export * as namespaces from './kinds/namespaces';
export * as resourceQuotas from './kinds/resource-quotas';
export * as limitRanges from './kinds/limit-ranges';
export * as deployments from './kinds/deployments';
export * as services from './kinds/services';
export * as pods from './kinds/pods';
export * as events from './kinds/events';
export * as configMaps from './kinds/config-maps';
export * as leases from './kinds/leases';
export * as httpRoutes from './kinds/http-routes';
