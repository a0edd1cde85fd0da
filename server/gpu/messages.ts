import { type MessageVar, messageWithVars } from '../core/messages';

/**
 * Message keys of what this context tells people: form errors and refusals (`gpu.error.*`)
 * and the planner's answer (`gpu.plan.*`: reasons, notes, alternatives). They are keys of the
 * gpu i18n catalog (app/i18n/messages/gpu.ts): pages show them in the reader's language, API
 * routes in English (`englishMessage`). Variables travel in query form after the key (see
 * `msg`); a test checks every key has an English and a German text. Drain job errors and the
 * drain preview's per-pod reasons (read by operators, also in job logs) stay English.
 */
export const gpuMessages = {
  invalidInput: 'gpu.error.invalidInput',
  // Pools and dedication.
  poolNameRequired: 'gpu.error.poolNameRequired',
  poolNameFormat: 'gpu.error.poolNameFormat',
  descriptionTooLong: 'gpu.error.descriptionTooLong',
  selectorRequired: 'gpu.error.selectorRequired',
  selectorLine: 'gpu.error.selectorLine',
  selectorEmpty: 'gpu.error.selectorEmpty',
  chooseTargetKind: 'gpu.error.chooseTargetKind',
  chooseTarget: 'gpu.error.chooseTarget',
  chooseTenant: 'gpu.error.chooseTenant',
  chooseActiveTenant: 'gpu.error.chooseActiveTenant',
  poolExists: 'gpu.error.poolExists',
  noPool: 'gpu.error.noPool',
  noNode: 'gpu.error.noNode',
  poolDedicated: 'gpu.error.poolDedicated',
  labelFailed: 'gpu.error.labelFailed',
  taintFailed: 'gpu.error.taintFailed',
  untaintFailed: 'gpu.error.untaintFailed',
  unlabelFailed: 'gpu.error.unlabelFailed',
  poolSelectsNothing: 'gpu.error.poolSelectsNothing',
  alreadyDedicatedNodes: 'gpu.error.alreadyDedicatedNodes',
  dedicatedTo: 'gpu.error.dedicatedTo',
  nodeAlreadyDedicated: 'gpu.error.nodeAlreadyDedicated',
  poolAlreadyDedicated: 'gpu.error.poolAlreadyDedicated',
  noDedication: 'gpu.error.noDedication',
  // MIG.
  chooseMigLayout: 'gpu.error.chooseMigLayout',
  migCannotChange: 'gpu.error.migCannotChange',
  migUnknownLayout: 'gpu.error.migUnknownLayout',
  migUnsupported: 'gpu.error.migUnsupported',
  migUnsupportedNode: 'gpu.error.migUnsupportedNode',
  migStrategy: 'gpu.error.migStrategy',
  migSameLayout: 'gpu.error.migSameLayout',
  migPodBusy: 'gpu.error.migPodBusy',
  migPodsBusy: 'gpu.error.migPodsBusy',
  // Drain (the refusals a person reads on the node page).
  tickBox: 'gpu.error.tickBox',
  confirmRequired: 'gpu.error.confirmRequired',
  confirmDrain: 'gpu.error.confirmDrain',
  drainRunningWithoutOne: 'gpu.error.drainRunningWithoutOne',
  drainRunningWithoutMany: 'gpu.error.drainRunningWithoutMany',
  noDrainRunning: 'gpu.error.noDrainRunning',
  // Planner input (field errors).
  replicasWhole: 'gpu.plan.replicasWhole',
  gpusWhole: 'gpu.plan.gpusWhole',
  gpuMemoryNotNegative: 'gpu.plan.gpuMemoryNotNegative',
  noPlanPool: 'gpu.plan.noPool',
  notQuantity: 'gpu.plan.notQuantity',
  // Planner answer.
  placed: 'gpu.plan.placed',
  bestFitOne: 'gpu.plan.bestFitOne',
  bestFitMany: 'gpu.plan.bestFitMany',
  onlyDedicated: 'gpu.plan.onlyDedicated',
  quotaAfter: 'gpu.plan.quotaAfter',
  quotaTenant: 'gpu.plan.quotaTenant',
  quotaSomeTenant: 'gpu.plan.quotaSomeTenant',
  noneCan: 'gpu.plan.noneCan',
  onlyFit: 'gpu.plan.onlyFit',
  fragmentation: 'gpu.plan.fragmentation',
  lacksOne: 'gpu.plan.lacksOne',
  lackMany: 'gpu.plan.lackMany',
  notEligible: 'gpu.plan.notEligible',
  count: 'gpu.plan.count',
  needGpus: 'gpu.plan.needGpus',
  needGpu: 'gpu.plan.needGpu',
  needMig: 'gpu.plan.needMig',
  altFewerOne: 'gpu.plan.altFewerOne',
  altFewerMany: 'gpu.plan.altFewerMany',
  altWithoutPool: 'gpu.plan.altWithoutPool',
  altInPool: 'gpu.plan.altInPool',
  altAnyProduct: 'gpu.plan.altAnyProduct',
  altRaiseQuota: 'gpu.plan.altRaiseQuota',
  // Why a node is not eligible (histogram phrases).
  exCordoned: 'gpu.plan.excluded.cordoned',
  exNotReady: 'gpu.plan.excluded.notReady',
  exDedicatedOther: 'gpu.plan.excluded.dedicatedOther',
  exTainted: 'gpu.plan.excluded.tainted',
  exOutsidePool: 'gpu.plan.excluded.outsidePool',
  exNotDedicatedTo: 'gpu.plan.excluded.notDedicatedTo',
  exOtherProduct: 'gpu.plan.excluded.otherProduct',
  exNoGpus: 'gpu.plan.excluded.noGpus',
  exAffinity: 'gpu.plan.excluded.affinity',
  exFewerMig: 'gpu.plan.excluded.fewerMig',
  exNoMig: 'gpu.plan.excluded.noMig',
  exFewerGpus: 'gpu.plan.excluded.fewerGpus',
  exMemoryUnknown: 'gpu.plan.excluded.memoryUnknown',
  exTooLittleMemory: 'gpu.plan.excluded.tooLittleMemory',
  // Words used inside messages (variables that are keys).
  wordReplica: 'gpu.plan.word.replica',
  wordReplicas: 'gpu.plan.word.replicas',
  wordNode: 'gpu.plan.word.node',
  wordNodes: 'gpu.plan.word.nodes',
  wordEligibleNode: 'gpu.plan.word.eligibleNode',
  wordEligibleNodes: 'gpu.plan.word.eligibleNodes',
  wordReplicaFits: 'gpu.plan.word.replicaFits',
  wordReplicasFit: 'gpu.plan.word.replicasFit',
  wordGpus: 'gpu.plan.word.gpus',
  wordMigDevices: 'gpu.plan.word.migDevices',
  wordCpu: 'gpu.plan.word.cpu',
  wordCpuCores: 'gpu.plan.word.cpuCores',
  wordMemory: 'gpu.plan.word.memory',
  wordGibMemory: 'gpu.plan.word.gibMemory',
  wordPods: 'gpu.plan.word.pods',
  wordPodSlots: 'gpu.plan.word.podSlots',
} as const;

export type GpuMessageKey = (typeof gpuMessages)[keyof typeof gpuMessages];

/** A key with its variables, as errors and planner answers carry it: `key` or `key?name=value&…`. */
export function msg(key: GpuMessageKey, vars?: Record<string, MessageVar>): string {
  return messageWithVars(key, vars);
}

const m = gpuMessages;

/** `one` or `many` by count (the word keys above). */
export const pick = (n: number, one: GpuMessageKey, many: GpuMessageKey) => (n === 1 ? one : many);
export const replicaWord = (n: number) => pick(n, m.wordReplica, m.wordReplicas);
export const nodeWord = (n: number) => pick(n, m.wordNode, m.wordNodes);
export const eligibleWord = (n: number) => pick(n, m.wordEligibleNode, m.wordEligibleNodes);
