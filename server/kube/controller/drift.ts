import { FIELD_MANAGER } from '../client';
import type { KubeObject, ManagedFieldsEntry } from '../resources';

type Segment = { field: string } | { key: Record<string, unknown> } | { index: number };

/** One managed field whose live value differs from the desired one. */
export interface DriftItem {
  path: string;
  desired: unknown;
  live: unknown;
  /** Field managers other than Leitstand that now own the field (from managedFields). */
  changedBy: string[];
}

const ignoredTop = new Set(['apiVersion', 'kind', 'status']);
const ignoredMetadata = new Set(['name', 'namespace', 'resourceVersion', 'uid', 'generation', 'managedFields', 'creationTimestamp']);

/**
 * Compares the fields Leitstand applies (exactly the desired manifest: server-side apply
 * makes the applied configuration the manager's field set) with the live object. Fields
 * other managers added are not Leitstand's and are ignored. Lists of objects with a `name`
 * are matched by name (associative lists such as containers, env, ports); other lists by position.
 */
export function findDrift(desired: KubeObject, live: KubeObject): DriftItem[] {
  const out: RawDrift[] = [];
  for (const [k, v] of Object.entries(desired)) {
    if (ignoredTop.has(k)) continue;
    if (k === 'metadata') {
      for (const [mk, mv] of Object.entries(desired.metadata)) {
        if (ignoredMetadata.has(mk)) continue;
        compare(mv, (live.metadata as Record<string, unknown>)[mk], [{ field: 'metadata' }, { field: mk }], out);
      }
      continue;
    }
    compare(v, (live as Record<string, unknown>)[k], [{ field: k }], out);
  }
  const managed = live.metadata.managedFields ?? [];
  for (const item of out) item.changedBy = managersOf(managed, item.segments);
  return out.map(({ segments: _s, ...rest }) => rest);
}

interface RawDrift extends DriftItem {
  segments: Segment[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameScalar(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // int-or-string fields (ports, maxSurge) may come back in the other form.
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    return String(a) === String(b);
  }
  return false;
}

function compare(desired: unknown, live: unknown, path: Segment[], out: RawDrift[]): void {
  if (isObject(desired)) {
    if (!isObject(live)) {
      if (Object.keys(desired).length === 0 && live === undefined) return;
      out.push(drift(path, desired, live));
      return;
    }
    for (const [k, v] of Object.entries(desired)) compare(v, live[k], [...path, { field: k }], out);
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) {
      if (desired.length === 0 && live === undefined) return;
      out.push(drift(path, desired, live));
      return;
    }
    const byName = desired.length > 0 && desired.every((d) => isObject(d) && typeof d.name === 'string');
    if (byName) {
      for (const d of desired as Array<Record<string, unknown>>) {
        const match = live.find((l) => isObject(l) && l.name === d.name);
        const seg = { key: { name: d.name } };
        if (match === undefined) out.push(drift([...path, seg], d, undefined));
        else compare(d, match, [...path, seg], out);
      }
      return;
    }
    if (desired.every((d) => !isObject(d) && !Array.isArray(d))) {
      // Atomic scalar lists: equal as a whole.
      if (desired.length !== live.length || desired.some((d, i) => !sameScalar(d, live[i]))) {
        out.push(drift(path, desired, live));
      }
      return;
    }
    if (live.length < desired.length) {
      out.push(drift(path, desired, live));
      return;
    }
    desired.forEach((d, i) => compare(d, live[i], [...path, { index: i }], out));
    return;
  }
  if (!sameScalar(desired, live)) out.push(drift(path, desired, live));
}

function drift(segments: Segment[], desired: unknown, live: unknown): RawDrift {
  return { path: renderPath(segments), desired, live, changedBy: [], segments };
}

function renderPath(segments: Segment[]): string {
  let s = '';
  for (const seg of segments) {
    if ('field' in seg) s += /^[A-Za-z_][\w-]*$/.test(seg.field) ? `${s ? '.' : ''}${seg.field}` : `[${JSON.stringify(seg.field)}]`;
    else if ('key' in seg) s += `[name=${String(seg.key.name)}]`;
    else s += `[${seg.index}]`;
  }
  return s;
}

/** Managers (other than Leitstand) whose managedFields cover the path or a prefix/child of it. */
function managersOf(entries: ManagedFieldsEntry[], segments: Segment[]): string[] {
  const names = new Set<string>();
  for (const entry of entries) {
    if (!entry.manager || entry.manager === FIELD_MANAGER || !entry.fieldsV1) continue;
    let node: Record<string, unknown> | undefined = entry.fieldsV1;
    let matched = true;
    for (const seg of segments) {
      if (!node) break;
      let next: unknown;
      if ('field' in seg) next = node[`f:${seg.field}`];
      else if ('key' in seg) {
        const wanted = JSON.stringify(seg.key);
        next = Object.entries(node).find(([k]) => k.startsWith('k:') && normaliseKey(k.slice(2)) === wanted)?.[1];
      } else {
        next = undefined;
      }
      if (next === undefined) {
        matched = false;
        break;
      }
      node = isObject(next) ? next : undefined;
    }
    if (matched) names.add(entry.manager);
  }
  return [...names].sort();
}

function normaliseKey(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json));
  } catch {
    return json;
  }
}

/** One line per drifted field, for the page and the desired-object row. */
export function describeDrift(items: DriftItem[]): string {
  return items
    .map((d) => {
      const by = d.changedBy.length > 0 ? ` (changed by ${d.changedBy.join(', ')})` : '';
      return `${d.path}: want ${JSON.stringify(d.desired)}, found ${d.live === undefined ? 'nothing' : JSON.stringify(d.live)}${by}`;
    })
    .join('\n');
}
