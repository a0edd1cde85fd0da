import { badRequest } from './errors';
import type { KubeObject } from './types';

/** One requirement of a label selector, as labels.Requirement. */
export interface LabelRequirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!' | '=' | '!=';
  values: string[];
}

export type LabelSelector = LabelRequirement[];

const TOKEN_RE = /\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)/y;

/** Parses "a=b,c!=d,e in (f,g),h notin (i),j,!k" as labels.Parse does. */
export function parseLabelSelector(text: string | undefined): LabelSelector {
  if (!text || !text.trim()) return [];
  const tokens: string[] = [];
  TOKEN_RE.lastIndex = 0;
  let rest = text;
  while (rest.trim().length > 0) {
    TOKEN_RE.lastIndex = 0;
    const m = TOKEN_RE.exec(rest);
    if (!m) throw badRequest(`unable to parse requirement: found '${rest.trim()}'`);
    tokens.push(m[1]!);
    rest = rest.slice(m[0].length);
  }
  const reqs: LabelSelector = [];
  let i = 0;
  const fail = (why: string) => badRequest(`unable to parse requirement: ${why}`);
  while (i < tokens.length) {
    let tok = tokens[i++]!;
    if (tok === '!') {
      const key = tokens[i++];
      if (!key || /^[=!(),]/.test(key)) throw fail(`found '${key ?? ''}', expected: identifier`);
      reqs.push({ key, op: '!', values: [] });
    } else {
      if (/^[=!(),]/.test(tok)) throw fail(`found '${tok}', expected: !, identifier, or 'end of string'`);
      const key = tok;
      const next = tokens[i];
      if (next === undefined || next === ',') {
        reqs.push({ key, op: 'exists', values: [] });
      } else if (next === '=' || next === '==' || next === '!=') {
        i++;
        const value = tokens[i];
        if (value === undefined || value === ',') reqs.push({ key, op: next === '!=' ? '!=' : '=', values: [''] });
        else {
          if (/^[=!()]/.test(value)) throw fail(`found '${value}', expected: identifier`);
          i++;
          reqs.push({ key, op: next === '!=' ? '!=' : '=', values: [value] });
        }
      } else if (next === 'in' || next === 'notin') {
        i++;
        if (tokens[i++] !== '(') throw fail(`found '${tokens[i - 1] ?? ''}', expected: '('`);
        const values: string[] = [];
        while (i < tokens.length && tokens[i] !== ')') {
          tok = tokens[i++]!;
          if (tok === ',') continue;
          values.push(tok);
        }
        if (tokens[i++] !== ')') throw fail("found 'end of string', expected: ')'");
        reqs.push({ key, op: next, values });
      } else {
        throw fail(`found '${next}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    if (i < tokens.length) {
      if (tokens[i] !== ',') throw fail(`found '${tokens[i]}', expected: ','`);
      i++;
    }
  }
  return reqs;
}

/** Converts a metav1.LabelSelector (matchLabels / matchExpressions) to requirements. */
export function fromLabelSelectorObject(sel: unknown): LabelSelector | undefined {
  if (!sel || typeof sel !== 'object') return undefined;
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  const reqs: LabelSelector = [];
  for (const [key, value] of Object.entries(s.matchLabels ?? {})) reqs.push({ key, op: '=', values: [value] });
  for (const e of s.matchExpressions ?? []) {
    const op = e.operator === 'In' ? 'in' : e.operator === 'NotIn' ? 'notin' : e.operator === 'Exists' ? 'exists' : '!';
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return reqs;
}

/** Whether the labels satisfy every requirement. An empty selector matches everything. */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Field values the API server indexes for field selectors, per kind. */
const FIELD_GETTERS: Record<string, Record<string, (o: KubeObject) => string>> = {
  Pod: {
    'spec.nodeName': (o) => o.spec?.nodeName ?? '',
    'spec.restartPolicy': (o) => o.spec?.restartPolicy ?? '',
    'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork ?? false),
    'status.phase': (o) => o.status?.phase ?? '',
    'status.podIP': (o) => o.status?.podIP ?? '',
    'status.nominatedNodeName': (o) => o.status?.nominatedNodeName ?? '',
  },
  Event: {
    'involvedObject.kind': (o) => (o.involvedObject as Record<string, string> | undefined)?.kind ?? '',
    'involvedObject.namespace': (o) => (o.involvedObject as Record<string, string> | undefined)?.namespace ?? '',
    'involvedObject.name': (o) => (o.involvedObject as Record<string, string> | undefined)?.name ?? '',
    'involvedObject.uid': (o) => (o.involvedObject as Record<string, string> | undefined)?.uid ?? '',
    'involvedObject.apiVersion': (o) => (o.involvedObject as Record<string, string> | undefined)?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => (o.involvedObject as Record<string, string> | undefined)?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => (o.involvedObject as Record<string, string> | undefined)?.fieldPath ?? '',
    reason: (o) => String(o.reason ?? ''),
    reportingComponent: (o) => String(o.reportingComponent ?? ''),
    source: (o) => (o.source as Record<string, string> | undefined)?.component ?? '',
    type: (o) => String(o.type ?? ''),
  },
  Node: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable ?? false) },
  Namespace: { 'status.phase': (o) => o.status?.phase ?? '' },
  Secret: { type: (o) => String(o.type ?? '') },
  ReplicaSet: { 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};

const COMMON_FIELDS: Record<string, (o: KubeObject) => string> = {
  'metadata.name': (o) => o.metadata.name ?? '',
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
};

/** Parses a field selector for a kind; unknown fields are a 400 as on the real server. */
export function parseFieldSelector(text: string | undefined, kind: string): FieldRequirement[] {
  if (!text || !text.trim()) return [];
  const out: FieldRequirement[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    if (!p) continue;
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(p);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${p}'`);
    const field = m[1]!.trim();
    if (!(field in COMMON_FIELDS) && !(FIELD_GETTERS[kind] && field in FIELD_GETTERS[kind])) {
      throw badRequest(`field label not supported: ${field}`);
    }
    out.push({ field, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return out;
}

/** Whether the object satisfies every field requirement. */
export function matchesFields(reqs: FieldRequirement[], obj: KubeObject, kind: string): boolean {
  for (const r of reqs) {
    const get = COMMON_FIELDS[r.field] ?? FIELD_GETTERS[kind]?.[r.field];
    const v = get ? get(obj) : '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
