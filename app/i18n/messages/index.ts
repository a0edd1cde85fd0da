import * as common from './common';
import * as audit from './audit';
import * as table from './table';
import * as auth from './auth';
import * as cluster from './cluster';
import * as tenants from './tenants';
import * as gpu from './gpu';
import * as guard from './guard';
import * as models from './models';
import * as privacy from './privacy';

/**
 * Every message catalog, merged per language. Add an area by importing its module here;
 * a test checks that German has every English key.
 */
const areas = [common, audit, table, auth, cluster, tenants, gpu, guard, models, privacy] as const;

type Merge<T extends readonly { en: object }[]> = T[number]['en'];
type AllKeys = keyof UnionToIntersection<Merge<typeof areas>>;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

export type MessageKey = AllKeys & string;

export const catalogs = {
  en: Object.assign({}, ...areas.map((a) => a.en)) as Record<MessageKey, string>,
  de: Object.assign({}, ...areas.map((a) => a.de)) as Record<MessageKey, string>,
};

/** True when a server message is a catalog key (server errors carry keys, pages translate them). */
export function isMessageKey(value: unknown): value is MessageKey {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(catalogs.en, value);
}

/**
 * A message the server sent: a catalog key, optionally followed by its variables in query
 * form (`privacy.error.tooShort?min=10`). Variables whose value is itself a key are shown
 * translated; `_at` names where in a structured value (a JSON path) the problem is and is
 * shown before the text. Anything that is not a key stays plain text.
 */
export function parseServerMessage(value: string): { key: MessageKey; vars: Record<string, string> } | null {
  const q = value.indexOf('?');
  const key = q < 0 ? value : value.slice(0, q);
  if (!isMessageKey(key)) return null;
  const vars: Record<string, string> = {};
  if (q >= 0) for (const [name, v] of new URLSearchParams(value.slice(q + 1))) vars[name] = v;
  return { key, vars };
}
