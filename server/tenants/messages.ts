import type { z } from 'zod';
import { issueMessageKey, messageWithVars } from '../core/messages';

/**
 * Message keys of the errors and refusals this context raises. They are keys of the tenants
 * i18n catalog (app/i18n/messages/tenants.ts): pages show them in the reader's language, API
 * routes in English (`englishMessage`). Variables travel in query form after the key (see
 * `msg`); a test checks every key has an English and a German text.
 */
export const tenantMessages = {
  invalidInput: 'tenants.error.invalidInput',
  // Generic, from zod issue codes.
  required: 'tenants.error.required',
  invalidType: 'tenants.error.invalidType',
  notWhole: 'tenants.error.notWhole',
  choose: 'tenants.error.choose',
  tooShort: 'tenants.error.tooShort',
  tooLong: 'tenants.error.tooLong',
  tooSmall: 'tenants.error.tooSmall',
  tooBig: 'tenants.error.tooBig',
  tooFew: 'tenants.error.tooFew',
  tooMany: 'tenants.error.tooMany',
  format: 'tenants.error.format',
  invalid: 'tenants.error.invalid',
  // Schemas.
  slugRequired: 'tenants.error.slugRequired',
  slugFormat: 'tenants.error.slugFormat',
  slugTooLong: 'tenants.error.slugTooLong',
  nameRequired: 'tenants.error.nameRequired',
  maxChars: 'tenants.error.maxChars',
  contactLine: 'tenants.error.contactLine',
  tooManyContacts: 'tenants.error.tooManyContacts',
  countFormat: 'tenants.error.countFormat',
  countTooBig: 'tenants.error.countTooBig',
  quantityFormat: 'tenants.error.quantityFormat',
  quantityFormatEither: 'tenants.error.quantityFormatEither',
  migLine: 'tenants.error.migLine',
  modelLine: 'tenants.error.modelLine',
  modelTwice: 'tenants.error.modelTwice',
  tokensNumber: 'tenants.error.tokensNumber',
  tokensWhole: 'tenants.error.tokensWhole',
  tokensMin: 'tenants.error.tokensMin',
  tokensMax: 'tenants.error.tokensMax',
  chooseDayOrMonth: 'tenants.error.chooseDayOrMonth',
  percentage: 'tenants.error.percentage',
  wholePercentage: 'tenants.error.wholePercentage',
  atLeastOnePercent: 'tenants.error.atLeastOnePercent',
  atMostPercent: 'tenants.error.atMostPercent',
  // Service.
  noTenant: 'tenants.error.noTenant',
  archived: 'tenants.error.archived',
  slugTaken: 'tenants.error.slugTaken',
  requestAboveLimit: 'tenants.error.requestAboveLimit',
  quotaBelowUsage: 'tenants.error.quotaBelowUsage',
  belowUsage: 'tenants.error.belowUsage',
  stillRunsOne: 'tenants.error.stillRunsOne',
  archiveConfirm: 'tenants.error.archiveConfirm',
  stillRunsMany: 'tenants.error.stillRunsMany',
  // LiteLLM.
  litellmNotConfigured: 'tenants.error.litellmNotConfigured',
  litellmNothingToPush: 'tenants.error.litellmNothingToPush',
  // Words used inside messages (variables that are keys).
  whatGpus: 'tenants.error.what.gpus',
  whatPods: 'tenants.error.what.pods',
  whatCpu: 'tenants.error.what.cpu',
  whatMemory: 'tenants.error.what.memory',
  whatRequestsPerMinute: 'tenants.error.what.requestsPerMinute',
  whatTokensPerMinute: 'tenants.error.what.tokensPerMinute',
  whatCpuRequest: 'tenants.error.what.cpuRequest',
  whatCpuLimit: 'tenants.error.what.cpuLimit',
  whatMemoryRequest: 'tenants.error.what.memoryRequest',
  whatMemoryLimit: 'tenants.error.what.memoryLimit',
  quotaGpus: 'tenants.error.quota.gpus',
  quotaCpu: 'tenants.error.quota.cpu',
  quotaMemory: 'tenants.error.quota.memory',
  quotaPods: 'tenants.error.quota.pods',
} as const;

export type TenantMessageKey = (typeof tenantMessages)[keyof typeof tenantMessages];

/** A key with its variables, as errors carry it: `key` or `key?name=value&…` (numbers listed in `_n`). */
export function msg(key: TenantMessageKey, vars?: Record<string, string | number>): string {
  return messageWithVars(key, vars);
}

/** One zod issue as a message key (the schema's own key, or a generic one by issue code). */
export function issueMessage(issue: z.core.$ZodIssue): string {
  return issueMessageKey(issue, 'tenants.', tenantMessages);
}
