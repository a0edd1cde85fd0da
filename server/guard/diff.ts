import { canonicalJson } from './compile';
import { type Check, type PolicyDefinition } from './schema';

/** One changed field of a check: `action`, `enabled`, `params.limit`, … */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

export type CheckDiff =
  | { id: string; change: 'added'; kind: Check['kind']; check: Check }
  | { id: string; change: 'removed'; kind: Check['kind']; check: Check }
  | { id: string; change: 'changed'; kind: Check['kind']; fields: FieldChange[] };

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  // Arrays compare as a whole: a reordered or edited list reads better as one before/after.
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) out.set(prefix, value);
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  out.set(prefix, value);
}

/**
 * Differences between two policy definitions, per check id (in the order of `after`,
 * removed checks last): added, removed, or changed with the fields that differ.
 */
export function diffDefinitions(before: PolicyDefinition, after: PolicyDefinition): CheckDiff[] {
  const old = new Map(before.checks.map((c) => [c.id, c]));
  const now = new Map(after.checks.map((c) => [c.id, c]));
  const result: CheckDiff[] = [];
  for (const check of after.checks) {
    const prev = old.get(check.id);
    if (!prev) {
      result.push({ id: check.id, change: 'added', kind: check.kind, check });
      continue;
    }
    const a = new Map<string, unknown>();
    const b = new Map<string, unknown>();
    flatten(prev, '', a);
    flatten(check, '', b);
    const fields: FieldChange[] = [];
    for (const field of new Set([...a.keys(), ...b.keys()])) {
      if (field === 'id') continue;
      const x = a.get(field);
      const y = b.get(field);
      if (canonicalJson(x ?? null) !== canonicalJson(y ?? null)) fields.push({ field, before: x, after: y });
    }
    if (fields.length > 0) result.push({ id: check.id, change: 'changed', kind: check.kind, fields });
  }
  for (const check of before.checks) {
    if (!now.has(check.id)) result.push({ id: check.id, change: 'removed', kind: check.kind, check });
  }
  return result;
}
