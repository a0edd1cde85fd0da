import type { z } from 'zod';

/** A list of messages as a variable: shown comma-separated (`list`) or as sentences one after another (`sentences`). */
export interface MessageList {
  list?: string[];
  sentences?: string[];
}

export type MessageVar = string | number | MessageList;

/**
 * Server messages for forms and refusals are keys of the i18n catalogs (app/i18n/messages),
 * so pages show them in the reader's language and API routes in English. Variables travel in
 * query form after the key (`models.error.noModel?name=llama`); a variable whose value is a
 * key is translated too. Numbers given as numbers are listed in `_n`, so the reader's
 * language groups their digits (8,192 in English, 8.192 in German); give a number as a
 * string where it must stay as it is (a revision, a line number). A list of messages
 * (`{ list }` or `{ sentences }`) travels newline-separated and is named in `_l` or `_s`:
 * each item is translated, then joined with ", " or " ".
 */
export function messageWithVars(key: string, vars?: Record<string, MessageVar>): string {
  if (!vars || Object.keys(vars).length === 0) return key;
  const entries: Array<[string, string]> = [];
  const numbers: string[] = [];
  const lists: string[] = [];
  const sentenceLists: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (typeof v === 'object') {
      const items = v.sentences ?? v.list ?? [];
      entries.push([k, items.join('\n')]);
      (v.sentences ? sentenceLists : lists).push(k);
    } else {
      entries.push([k, String(v)]);
      if (typeof v === 'number') numbers.push(k);
    }
  }
  if (numbers.length > 0) entries.push(['_n', numbers.join(',')]);
  if (lists.length > 0) entries.push(['_l', lists.join(',')]);
  if (sentenceLists.length > 0) entries.push(['_s', sentenceLists.join(',')]);
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
