import type { z } from 'zod';

/**
 * Server messages for forms and refusals are keys of the i18n catalogs (app/i18n/messages),
 * so pages show them in the reader's language and API routes in English. Variables travel in
 * query form after the key (`models.error.noModel?name=llama`); a variable whose value is a
 * key is translated too. Numbers given as numbers are listed in `_n`, so the reader's
 * language groups their digits (8,192 in English, 8.192 in German); give a number as a
 * string where it must stay as it is (a revision, a line number).
 */
export function messageWithVars(key: string, vars?: Record<string, string | number>): string {
  if (!vars || Object.keys(vars).length === 0) return key;
  const entries = Object.entries(vars).map(([k, v]) => [k, String(v)] as [string, string]);
  const numbers = Object.entries(vars).filter(([, v]) => typeof v === 'number').map(([k]) => k);
  if (numbers.length > 0) entries.push(['_n', numbers.join(',')]);
  return `${key}?${new URLSearchParams(entries).toString()}`;
}

/** The keys a context uses for zod's own (English) issue texts, by issue code. */
export interface GenericIssueKeys {
  required: string;
  invalidType: string;
  notWhole: string;
  choose: string;
  tooShort: string;
  tooLong: string;
  tooSmall: string;
  tooBig: string;
  tooFew: string;
  tooMany: string;
  format: string;
  invalid: string;
}

/**
 * One zod issue as a message key: messages a schema sets are keys already (they start with
 * `prefix`) and pass through; zod's own texts become the context's generic keys by code.
 */
export function issueMessageKey(issue: z.core.$ZodIssue, prefix: string, keys: GenericIssueKeys): string {
  if (issue.message.startsWith(prefix)) return issue.message;
  const i = issue as z.core.$ZodIssue & { expected?: string; origin?: string; minimum?: number | bigint; maximum?: number | bigint; format?: string; values?: unknown[] };
  switch (i.code) {
    case 'invalid_type':
      if (i.expected === 'int') return keys.notWhole;
      if (/received undefined$/.test(i.message)) return keys.required;
      return messageWithVars(keys.invalidType, { expected: String(i.expected) });
    case 'too_small': {
      const min = Number(i.minimum);
      if (i.origin === 'string') return min <= 1 ? keys.required : messageWithVars(keys.tooShort, { min });
      if (i.origin === 'array' || i.origin === 'set') return messageWithVars(keys.tooFew, { min });
      return messageWithVars(keys.tooSmall, { min });
    }
    case 'too_big': {
      const max = Number(i.maximum);
      if (i.origin === 'string') return messageWithVars(keys.tooLong, { max });
      if (i.origin === 'array' || i.origin === 'set') return messageWithVars(keys.tooMany, { max });
      return messageWithVars(keys.tooBig, { max });
    }
    case 'invalid_value':
      return messageWithVars(keys.choose, { options: (i.values ?? []).map(String).join(', ') });
    case 'invalid_format':
      return messageWithVars(keys.format, { format: String(i.format) });
    default:
      return keys.invalid;
  }
}
