import type { z } from 'zod';

/**
 * Message keys of the errors this context raises on forms. They are keys of the privacy i18n
 * catalog (app/i18n/messages/privacy.ts): pages show them in the reader's language, API
 * routes in English. Variables travel in query form after the key (`key?min=10`, see
 * `msg`); a variable whose value is a key (a state, say) is translated too, and `_at` names
 * the place inside a JSON mapping. A test checks every key has an English and a German text.
 */
export const privacyMessages = {
  invalidInput: 'privacy.error.invalidInput',
  // Generic, from zod issue codes.
  required: 'privacy.error.required',
  invalidType: 'privacy.error.invalidType',
  notWhole: 'privacy.error.notWhole',
  choose: 'privacy.error.choose',
  tooShort: 'privacy.error.tooShort',
  tooLong: 'privacy.error.tooLong',
  tooSmall: 'privacy.error.tooSmall',
  tooBig: 'privacy.error.tooBig',
  tooFew: 'privacy.error.tooFew',
  tooMany: 'privacy.error.tooMany',
  format: 'privacy.error.format',
  unknownKeys: 'privacy.error.unknownKeys',
  invalid: 'privacy.error.invalid',
  // Requests.
  identifierRequired: 'privacy.error.identifierRequired',
  emailInvalid: 'privacy.error.emailInvalid',
  tenantRequired: 'privacy.error.tenantRequired',
  identifiersRequired: 'privacy.error.identifiersRequired',
  requesterNameRequired: 'privacy.error.requesterNameRequired',
  requesterContactRequired: 'privacy.error.requesterContactRequired',
  channelRequired: 'privacy.error.channelRequired',
  dateFormat: 'privacy.error.dateFormat',
  receivedInFuture: 'privacy.error.receivedInFuture',
  verificationMethod: 'privacy.error.verificationMethod',
  rejectionReason: 'privacy.error.rejectionReason',
  extensionReason: 'privacy.error.extensionReason',
  noticeBeforeReceipt: 'privacy.error.noticeBeforeReceipt',
  noticeTooLate: 'privacy.error.noticeTooLate',
  alreadyExtended: 'privacy.error.alreadyExtended',
  wrongState: 'privacy.error.wrongState',
  subjectWiped: 'privacy.error.subjectWiped',
  discoveryFirst: 'privacy.error.discoveryFirst',
  discoveryUnreachable: 'privacy.error.discoveryUnreachable',
  discoveryIncomplete: 'privacy.error.discoveryIncomplete',
  noJob: 'privacy.error.noJob',
  requestClosed: 'privacy.error.requestClosed',
  decideModelsFirst: 'privacy.error.decideModelsFirst',
  // Holds.
  chooseStore: 'privacy.error.chooseStore',
  holdCategory: 'privacy.error.holdCategory',
  holdDescription: 'privacy.error.holdDescription',
  holdScope: 'privacy.error.holdScope',
  // Retention.
  floorCategory: 'privacy.error.floorCategory',
  days: 'privacy.error.days',
  floorBasis: 'privacy.error.floorBasis',
  floorUndercut: 'privacy.error.floorUndercut',
  retentionKinds: 'privacy.error.retentionKinds',
  retentionRedisPatterns: 'privacy.error.retentionRedisPatterns',
  redisHashFieldsAge: 'privacy.error.redisHashFieldsAge',
  noTimestampField: 'privacy.error.noTimestampField',
  redisDeleteOnly: 'privacy.error.redisDeleteOnly',
  categoryNotInStore: 'privacy.error.categoryNotInStore',
  storeCategories: 'privacy.error.storeCategories',
  mapTimestamp: 'privacy.error.mapTimestamp',
  noTimestamp: 'privacy.error.noTimestamp',
  mapOverwrite: 'privacy.error.mapOverwrite',
  noOverwrite: 'privacy.error.noOverwrite',
  mapTenant: 'privacy.error.mapTenant',
  noTenant: 'privacy.error.noTenant',
  belowFloor: 'privacy.error.belowFloor',
  atLeastDays: 'privacy.error.atLeastDays',
  policyExists: 'privacy.error.policyExists',
  editExisting: 'privacy.error.editExisting',
  // Lineage.
  subjectIndexLines: 'privacy.error.subjectIndexLines',
  subjectIndexHelp: 'privacy.error.subjectIndexHelp',
  datasetExists: 'privacy.error.datasetExists',
  chooseAnotherName: 'privacy.error.chooseAnotherName',
  decisionRequired: 'privacy.error.decisionRequired',
  justificationRequired: 'privacy.error.justificationRequired',
  decisionRecorded: 'privacy.error.decisionRecorded',
  // Stores and their mappings.
  storeInvalid: 'privacy.error.storeInvalid',
  notJson: 'privacy.error.notJson',
  notJsonHint: 'privacy.error.notJsonHint',
  credentialsRequired: 'privacy.error.credentialsRequired',
  credentialsNeeded: 'privacy.error.credentialsNeeded',
  credentialsIncomplete: 'privacy.error.credentialsIncomplete',
  storeExists: 'privacy.error.storeExists',
  unreachable: 'privacy.error.unreachable',
  unreachableReason: 'privacy.error.unreachableReason',
  mappingMismatch: 'privacy.error.mappingMismatch',
  tableMissing: 'privacy.error.tableMissing',
  columnMissing: 'privacy.error.columnMissing',
  viaUnmapped: 'privacy.error.viaUnmapped',
  unmappedReference: 'privacy.error.unmappedReference',
  storeBusy: 'privacy.error.storeBusy',
  storeRunning: 'privacy.error.storeRunning',
  tableName: 'privacy.error.tableName',
  columnName: 'privacy.error.columnName',
  categoryName: 'privacy.error.categoryName',
  categoriesRequired: 'privacy.error.categoriesRequired',
  tablesRequired: 'privacy.error.tablesRequired',
  postgresUrl: 'privacy.error.postgresUrl',
  redisUrl: 'privacy.error.redisUrl',
  httpUrl: 'privacy.error.httpUrl',
  secretLength: 'privacy.error.secretLength',
  identifiersOrVia: 'privacy.error.identifiersOrVia',
  overwriteColumns: 'privacy.error.overwriteColumns',
  patternSubject: 'privacy.error.patternSubject',
  hashSubject: 'privacy.error.hashSubject',
  redisMappingEmpty: 'privacy.error.redisMappingEmpty',
} as const;

export type PrivacyMessageKey = (typeof privacyMessages)[keyof typeof privacyMessages];

/** A key with its variables, as forms carry it: `key` or `key?name=value&…`. */
export function msg(key: PrivacyMessageKey, vars?: Record<string, string | number>): string {
  if (!vars || Object.keys(vars).length === 0) return key;
  return `${key}?${new URLSearchParams(Object.entries(vars).map(([k, v]) => [k, String(v)])).toString()}`;
}

const m = privacyMessages;

/**
 * One zod issue as a message key. Messages a schema sets are keys already and pass through;
 * zod's own (English) texts become generic keys by issue code. `at` (the path inside a JSON
 * value such as a store mapping) is carried along so the reader sees where the problem is.
 */
export function issueMessage(issue: z.core.$ZodIssue, at?: string): string {
  const where: Record<string, string> = at ? { _at: at } : {};
  if (issue.message.startsWith('privacy.')) {
    if (!at) return issue.message;
    return `${issue.message}${issue.message.includes('?') ? '&' : '?'}${new URLSearchParams(where).toString()}`;
  }
  const i = issue as z.core.$ZodIssue & { expected?: string; origin?: string; minimum?: number | bigint; maximum?: number | bigint; format?: string; values?: unknown[]; keys?: string[] };
  switch (i.code) {
    case 'invalid_type':
      if (i.expected === 'int') return msg(m.notWhole, where);
      if (/received undefined$/.test(i.message)) return msg(m.required, where);
      return msg(m.invalidType, { ...where, expected: String(i.expected) });
    case 'too_small': {
      const min = String(i.minimum);
      if (i.origin === 'string') return Number(i.minimum) <= 1 ? msg(m.required, where) : msg(m.tooShort, { ...where, min });
      if (i.origin === 'array' || i.origin === 'set') return msg(m.tooFew, { ...where, min });
      return msg(m.tooSmall, { ...where, min });
    }
    case 'too_big': {
      const max = String(i.maximum);
      if (i.origin === 'string') return msg(m.tooLong, { ...where, max });
      if (i.origin === 'array' || i.origin === 'set') return msg(m.tooMany, { ...where, max });
      return msg(m.tooBig, { ...where, max });
    }
    case 'invalid_value':
      return msg(m.choose, { ...where, options: (i.values ?? []).map(String).join(', ') });
    case 'invalid_format':
      return msg(m.format, { ...where, format: String(i.format) });
    case 'unrecognized_keys':
      return msg(m.unknownKeys, { ...where, keys: (i.keys ?? []).join(', ') });
    case 'invalid_union': {
      // A union of alternatives (a store id or nothing): the first alternative's own key says it best.
      const first = (issue as { errors?: z.core.$ZodIssue[][] }).errors?.flat().find((e) => e.message.startsWith('privacy.'));
      return first ? issueMessage(first, at) : msg(m.invalid, where);
    }
    default:
      return msg(m.invalid, where);
  }
}
