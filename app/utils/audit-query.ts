import { readSort } from './table-params';

/*
 * The audit list's URL: short param names for the filters, `sort=time|-time`, keyset
 * `before`/`after`. Shared by the page and its export so both read the same view.
 */

/** URL param → field of server/audit's query. */
export const auditFilterParams = {
  actor: 'actor',
  action: 'action',
  type: 'targetType',
  target: 'targetId',
  from: 'from',
  to: 'to',
} as const;

export type AuditFilterParam = keyof typeof auditFilterParams;
export const auditFilterNames = Object.keys(auditFilterParams) as AuditFilterParam[];
export const auditDefaultSort = { id: 'time', desc: true };
export const auditPageParams = ['before', 'after'] as const;

/** The search params as parseAuditQuery (server/audit) takes them. */
export function auditRawQuery(params: URLSearchParams, { withCursor = true } = {}): Record<string, string | null> {
  const raw: Record<string, string | null> = {
    order: readSort(params, ['time'], auditDefaultSort).desc ? 'newest' : 'oldest',
  };
  if (withCursor) {
    raw.before = params.get('before');
    raw.after = params.get('after');
  }
  for (const name of auditFilterNames) raw[auditFilterParams[name]] = params.get(name);
  return raw;
}

/** Field errors keyed by the server's field names, re-keyed by URL param. */
export function auditErrorsByParam(fieldErrors: Record<string, string[]>): Record<string, string[]> {
  const back: Record<string, string> = Object.fromEntries(
    Object.entries(auditFilterParams).map(([param, field]) => [field, param]),
  );
  return Object.fromEntries(Object.entries(fieldErrors).map(([field, messages]) => [back[field] ?? field, messages]));
}
