/**
 * The models context's door: registry (models, versions, cards, evaluations), lifecycle with
 * four-eyes promotion, engine rendering, GPU memory estimate and placement check, deployments
 * with canary, promote and rollback, and their live progress. See README.md.
 */
export {
  type Model,
  type ModelEvaluation,
  type ModelListQuery,
  type ModelListRow,
  type ModelSortKey,
  type ModelVersion,
  addEvaluations,
  createModel,
  findVersion,
  getModel,
  getVersionById,
  getVersionDetail,
  listModels,
  listVersions,
  modelSortKeys,
  registerVersion,
  searchTextOf,
  updateModel,
  versionView,
} from './registry';
export { type ModelPromotion, decidePromotion, listPromotions, promotableStages, requestPromotion, setVersionStage, stageTransitions } from './lifecycle';
export { APPROVER_ROLES, type PromotionContext, type PromotionGate, promotionGates, promotionProblems, registerPromotionGate } from './promotion';
export { renderModelCard } from './card';
export { type MemoryEstimate, type MemoryEstimateInput, KV_SEQUENCES, bytesPerParameter, estimateGpuMemory, kvBytesPerToken } from './memory';
export { type EngineContainer, type EngineInput, engineFormats, engineImages, engineLabel, engineProblem, renderEngine } from './engines';
export {
  DEPLOYMENT_LABEL,
  GATEWAY_NAME,
  type ModelObjects,
  type ModelObjectsInput,
  TRACK_LABEL,
  VERSION_LABEL,
  modelVolume,
  objectName,
  renderModelObjects,
  routePrefix,
} from './manifests';
export { type PlacementCheck, type PlacementInput, type ReleasedPods, checkPlacement, estimateFor, placementFits, placementReasons, planModelPlacement, podPlacement, withoutReleased } from './placement';
export {
  type DeploymentUpdatePlan,
  type ModelDeployment,
  type ModelRollout,
  type RolloutJobState,
  PlacementError,
  isPlacementError,
  abortCanary,
  checkDeploymentPlacement,
  checkStableRoll,
  deployModel,
  getDeployment,
  listDeploymentObjects,
  listDeployments,
  listRollouts,
  ownerOf,
  planDeploymentUpdate,
  prepareDeployment,
  promoteCanary,
  renderDeploymentObjects,
  resolveTarget,
  rollbackDeployment,
  startCanary,
  stepCanary,
  undeployModel,
  updateDeployment,
} from './deployments';
export { ROLLOUT_DEADLINE_MS, type RolloutOutcome, rolloutJob, setRolloutTiming } from './rollout-job';
export { type DeploymentProgress, type PodProgress, type TrackProgress, deploymentProgress, trackProgress } from './progress';
export {
  type DeploymentInput,
  type DeploymentUpdateInput,
  type EvaluationInput,
  type ModelInput,
  type VersionInput,
  artifactUriSchema,
  modelNameSchema,
} from './validation';
export {
  type EngineSettings,
  type InferenceEngine,
  type ModelFormat,
  type ModelStage,
  type PromotionStatus,
  type Quantization,
  type RolloutKind,
  inferenceEngines,
  modelFormats,
  modelStages,
  promotionStatuses,
  quantizations,
  rolloutKinds,
} from '../../db/schema/models';
