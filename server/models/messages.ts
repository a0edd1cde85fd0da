import type { z } from 'zod';
import { type MessageVar, issueMessageKey, messageWithVars } from '../core/messages';

/**
 * Message keys of the errors and refusals this context raises. They are keys of the models
 * i18n catalog (app/i18n/messages/models.ts): pages show them in the reader's language, API
 * routes in English (`englishMessage`). Variables travel in query form after the key (see
 * `msg`); a test checks every key has an English and a German text.
 */
export const modelMessages = {
  invalidInput: 'models.error.invalidInput',
  // Generic, from zod issue codes.
  required: 'models.error.required',
  invalidType: 'models.error.invalidType',
  notWhole: 'models.error.notWhole',
  choose: 'models.error.choose',
  tooShort: 'models.error.tooShort',
  tooLong: 'models.error.tooLong',
  tooSmall: 'models.error.tooSmall',
  tooBig: 'models.error.tooBig',
  tooFew: 'models.error.tooFew',
  tooMany: 'models.error.tooMany',
  format: 'models.error.format',
  invalid: 'models.error.invalid',
  // Schemas.
  maxChars: 'models.error.maxChars',
  oneOf: 'models.error.oneOf',
  nameRequired: 'models.error.nameRequired',
  nameFormat: 'models.error.nameFormat',
  nameTooLong: 'models.error.nameTooLong',
  nameReserved: 'models.error.nameReserved',
  tagFormat: 'models.error.tagFormat',
  tooManyTags: 'models.error.tooManyTags',
  datasetIdFormat: 'models.error.datasetIdFormat',
  tooManyDatasets: 'models.error.tooManyDatasets',
  familyRequired: 'models.error.familyRequired',
  ownerRequired: 'models.error.ownerRequired',
  licenseRequired: 'models.error.licenseRequired',
  artifactRequired: 'models.error.artifactRequired',
  artifactFormat: 'models.error.artifactFormat',
  wholeNumber: 'models.error.wholeNumber',
  atLeastOne: 'models.error.atLeastOne',
  atMost: 'models.error.atMost',
  sizeFormat: 'models.error.sizeFormat',
  numberMixed: 'models.error.numberMixed',
  numberAmbiguous: 'models.error.numberAmbiguous',
  sizeTooBig: 'models.error.sizeTooBig',
  labelRequired: 'models.error.labelRequired',
  labelFormat: 'models.error.labelFormat',
  sha256Required: 'models.error.sha256Required',
  sha256Format: 'models.error.sha256Format',
  metricRequired: 'models.error.metricRequired',
  valueNumber: 'models.error.valueNumber',
  evaluationDatasetRequired: 'models.error.evaluationDatasetRequired',
  dateFormat: 'models.error.dateFormat',
  evaluationTooManyFields: 'models.error.evaluationTooManyFields',
  evaluationTooFewFields: 'models.error.evaluationTooFewFields',
  tooManyEvaluations: 'models.error.tooManyEvaluations',
  promotionReasonRequired: 'models.error.promotionReasonRequired',
  approveOrReject: 'models.error.approveOrReject',
  cpuRequired: 'models.error.cpuRequired',
  cpuFormat: 'models.error.cpuFormat',
  memoryRequired: 'models.error.memoryRequired',
  memoryFormat: 'models.error.memoryFormat',
  chooseVersion: 'models.error.chooseVersion',
  chooseTarget: 'models.error.chooseTarget',
  wholeGpus: 'models.error.wholeGpus',
  atLeastZeroGpus: 'models.error.atLeastZeroGpus',
  atMostGpus: 'models.error.atMostGpus',
  gpuMemoryFraction: 'models.error.gpuMemoryFraction',
  extraArgTooLong: 'models.error.extraArgTooLong',
  extraArgFlag: 'models.error.extraArgFlag',
  tooManyExtraArgs: 'models.error.tooManyExtraArgs',
  updateReasonRequired: 'models.error.updateReasonRequired',
  percentage: 'models.error.percentage',
  wholePercentage: 'models.error.wholePercentage',
  atLeastOnePercent: 'models.error.atLeastOnePercent',
  atMostPercent: 'models.error.atMostPercent',
  canaryReasonRequired: 'models.error.canaryReasonRequired',
  reasonRequired: 'models.error.reasonRequired',
  // Registry.
  modelExists: 'models.error.modelExists',
  noModel: 'models.error.noModel',
  versionExists: 'models.error.versionExists',
  evaluationsRequired: 'models.error.evaluationsRequired',
  noVersion: 'models.error.noVersion',
  noSuchVersion: 'models.error.noSuchVersion',
  // Lifecycle.
  productionNeedsApproval: 'models.error.productionNeedsApproval',
  stageTransition: 'models.error.stageTransition',
  stageTransitionEither: 'models.error.stageTransitionEither',
  stageTransitionFinal: 'models.error.stageTransitionFinal',
  stillRuns: 'models.error.stillRuns',
  promoteFromStage: 'models.error.promoteFromStage',
  waitsForApproval: 'models.error.waitsForApproval',
  noSuchPromotion: 'models.error.noSuchPromotion',
  promotionDecided: 'models.error.promotionDecided',
  // Deployments.
  deployDoesNotFit: 'models.error.deployDoesNotFit',
  changeDoesNotFit: 'models.error.changeDoesNotFit',
  canaryDoesNotFit: 'models.error.canaryDoesNotFit',
  promoteDoesNotFit: 'models.error.promoteDoesNotFit',
  rollbackDoesNotFit: 'models.error.rollbackDoesNotFit',
  promoteContextTooLong: 'models.error.promoteContextTooLong',
  rollbackContextTooLong: 'models.error.rollbackContextTooLong',
  canaryContextTooLong: 'models.error.canaryContextTooLong',
  targetArchived: 'models.error.targetArchived',
  noTenant: 'models.error.noTenant',
  noDeploymentAnyMore: 'models.error.noDeploymentAnyMore',
  noSuchDeployment: 'models.error.noSuchDeployment',
  versionOfOtherModel: 'models.error.versionOfOtherModel',
  chooseVersionOfModel: 'models.error.chooseVersionOfModel',
  engineCannotLoad: 'models.error.engineCannotLoad',
  engineCannotLoadEither: 'models.error.engineCannotLoadEither',
  ggufQuantization: 'models.error.ggufQuantization',
  tensorParallel: 'models.error.tensorParallel',
  versionContext: 'models.error.versionContext',
  onlyProduction: 'models.error.onlyProduction',
  deploymentNameTaken: 'models.error.deploymentNameTaken',
  stableAlready: 'models.error.stableAlready',
  canaryStage: 'models.error.canaryStage',
  canaryRunsAlready: 'models.error.canaryRunsAlready',
  nothingToChange: 'models.error.nothingToChange',
  changedMeanwhileRedo: 'models.error.changedMeanwhileRedo',
  changedMeanwhile: 'models.error.changedMeanwhile',
  noCanary: 'models.error.noCanary',
  canaryWeightAlready: 'models.error.canaryWeightAlready',
  promoteNeedsProduction: 'models.error.promoteNeedsProduction',
  noEarlierVersion: 'models.error.noEarlierVersion',
  cannotServeAgain: 'models.error.cannotServeAgain',
  // Placement.
  noGpusRequested: 'models.error.noGpusRequested',
  placementUnchecked: 'models.error.placementUnchecked',
  // The GPU memory estimate's explanations (memory.ts).
  estimateWeights: 'models.estimate.weights',
  estimateKvCache: 'models.estimate.kvCache',
  estimateOverhead: 'models.estimate.overhead',
  estimateFraction: 'models.estimate.fraction',
  scaleBillion: 'models.estimate.scale.billion',
  scaleMillion: 'models.estimate.scale.million',
  scaleOne: 'models.estimate.scale.one',
  // Words used inside messages (variables that are keys).
  whatParameterCount: 'models.error.what.parameterCount',
  whatContextLength: 'models.error.what.contextLength',
  whatReplicas: 'models.error.what.replicas',
  whatTensorParallel: 'models.error.what.tensorParallel',
  whatMaxModelLen: 'models.error.what.maxModelLen',
  whatCanaryReplicas: 'models.error.what.canaryReplicas',
  whatParameterCountStart: 'models.error.what.parameterCount.start',
  whatContextLengthStart: 'models.error.what.contextLength.start',
  whatReplicasStart: 'models.error.what.replicas.start',
  whatTensorParallelStart: 'models.error.what.tensorParallel.start',
  whatMaxModelLenStart: 'models.error.what.maxModelLen.start',
  whatCanaryReplicasStart: 'models.error.what.canaryReplicas.start',
  gpuOne: 'models.error.word.gpu',
  gpuMany: 'models.error.word.gpus',
  statusPending: 'models.error.word.pending',
  statusApproved: 'models.error.word.approved',
  statusRejected: 'models.error.word.rejected',
  statusCancelled: 'models.error.word.cancelled',
  // Rollout job progress (shown on the deployment page in the reader's language).
  progressReplicasReady: 'models.rollout.progress.replicasReady',
  progressAllReady: 'models.rollout.progress.allReady',
  progressObjectsDeleting: 'models.rollout.progress.objectsDeleting',
} as const;

export type ModelMessageKey = (typeof modelMessages)[keyof typeof modelMessages];

/** A key with its variables, as errors carry it: `key` or `key?name=value&…` (numbers listed in `_n`). */
export function msg(key: ModelMessageKey, vars?: Record<string, MessageVar>): string {
  return messageWithVars(key, vars);
}

/** A stage as a variable: its catalog key, so the reader sees the stage's name in their language. */
export const stageWord = (stage: string) => `models.stage.${stage}`;

const m = modelMessages;

/** A promotion request's status as a variable (a key, lower-case mid-sentence). */
export function promotionStatusWord(status: 'pending' | 'approved' | 'rejected' | 'cancelled'): string {
  return { pending: m.statusPending, approved: m.statusApproved, rejected: m.statusRejected, cancelled: m.statusCancelled }[status];
}

/** One zod issue as a message key (the schema's own key, or a generic one by issue code). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  return issueMessageKey(issue, 'models.', m);
}
