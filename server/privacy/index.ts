/**
 * The privacy context: data stores and connectors, erasure requests (GDPR Art. 17) with
 * deadlines, holds, four-eyes approval, durable execution, verification and signed
 * evidence; retention policies and purges; dataset-to-model lineage. See README.md.
 */
export { receiveWebhookCallback } from './callbacks';
export {
  type ConnectionCheck,
  type Discovery,
  SIGNATURE_HEADER,
  pgliteSqlClient,
  signBody,
  verifyBodySignature,
} from './connectors';
export {
  deriveKeys,
  getPrivacyKeys,
  identifierKinds,
  type IdentifierKind,
  type SignedDocument,
  setPrivacyKeys,
  type SubjectIdentifier,
  subjectHash,
  verifyDocument,
} from './crypto';
export { addMonths, checkExtension, daysBetween, erasureDeadline, extendedDeadline, todayUtc } from './deadline';
export { type ErasureEvidence, finalizeRequest, type TargetResult, verifyEvidence } from './evidence';
export { createHold, type Hold, holdInputSchema, listHolds, releaseHold } from './holds';
export { erasureJob, erasureJobActor } from './job';
export { privacyLifecycle } from './lifecycle';
export {
  addDatasetModel,
  createDataset,
  type DatasetView,
  listDatasets,
  listModelFlags,
  type ModelFlag,
  parseSubjectIndex,
} from './lineage';
export { privacyMetrics } from './metrics';
export {
  AT_RISK_DAYS,
  approveRequest,
  createRequest,
  deadlineBuckets,
  deadlineDashboard,
  decideModel,
  type DiscoveryResult,
  erasureStates,
  extendDeadline,
  findPastErasures,
  getRequest,
  listRequests,
  type Refusal,
  recordVerification,
  rejectRequest,
  type RequestDetail,
  type RequestInput,
  requestSortKeys,
  retryRequest,
  runDiscovery,
  submitForApproval,
} from './requests';
export {
  builtInFloors,
  createPolicy,
  deletePolicy,
  floorFor,
  listPolicies,
  listRuns,
  type PolicyInput,
  recordsOfProcessing,
  recordsOfProcessingCsv,
  retentionJob,
  runPolicy,
  scheduleDuePolicies,
  setFloor,
} from './retention';
export {
  connectStore,
  createStore,
  deleteStore,
  discoverStore,
  discoverStoreInput,
  getStore,
  listStores,
  type StoreInput,
  type StoreView,
  testStore,
  testStoreInput,
  updateStore,
  useSqlClientForStore,
} from './stores';
export { holdGrounds, holdKinds, intakeChannels, modelDecisions, retentionActions, storeKinds } from '../../db/schema/privacy';
