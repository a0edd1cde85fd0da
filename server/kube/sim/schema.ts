/**
 * The list semantics the real API server takes from its OpenAPI schema
 * (x-kubernetes-list-type / -map-keys for server-side apply, patchMergeKey /
 * patchStrategy for strategic merge patch), for the kinds served here.
 * Lists not named here are atomic (replaced as a whole), as on the real server.
 */
export type ListSemantics =
  | { type: 'map'; keys: string[]; mergeKey: string; defaults?: Record<string, unknown> }
  | { type: 'set' }
  | { type: 'atomic'; smpMergeKey?: undefined };

const MAP = (keys: string[], mergeKey = keys[0]!, defaults?: Record<string, unknown>): ListSemantics =>
  ({ type: 'map', keys, mergeKey, defaults });
const SET: ListSemantics = { type: 'set' };

const POD_SPEC_LISTS: Record<string, ListSemantics> = {
  containers: MAP(['name']),
  initContainers: MAP(['name']),
  ephemeralContainers: MAP(['name']),
  'containers.ports': MAP(['containerPort', 'protocol'], 'containerPort', { protocol: 'TCP' }),
  'initContainers.ports': MAP(['containerPort', 'protocol'], 'containerPort', { protocol: 'TCP' }),
  'containers.env': MAP(['name']),
  'initContainers.env': MAP(['name']),
  'containers.volumeMounts': MAP(['mountPath']),
  'initContainers.volumeMounts': MAP(['mountPath']),
  'containers.volumeDevices': MAP(['devicePath']),
  'containers.resizePolicy': MAP(['resourceName']),
  volumes: MAP(['name']),
  imagePullSecrets: MAP(['name']),
  hostAliases: MAP(['ip']),
  topologySpreadConstraints: MAP(['topologyKey', 'whenUnsatisfiable'], 'topologyKey'),
  schedulingGates: MAP(['name']),
  resourceClaims: MAP(['name']),
};

const META_LISTS: Record<string, ListSemantics> = {
  'metadata.ownerReferences': MAP(['uid']),
  'metadata.finalizers': SET,
};

const CONDITIONS = MAP(['type']);

function podSpecRoot(kind: string): string | undefined {
  if (kind === 'Pod') return 'spec';
  if (kind === 'Deployment' || kind === 'ReplicaSet') return 'spec.template.spec';
  return undefined;
}

const cache = new Map<string, ListSemantics>();

/** Semantics of the list at `path` (field names only, list positions left out). */
export function listSemantics(kind: string, path: string[]): ListSemantics {
  const key = `${kind}|${path.join('.')}`;
  let s = cache.get(key);
  if (!s) {
    s = compute(kind, path);
    cache.set(key, s);
  }
  return s;
}

function compute(kind: string, path: string[]): ListSemantics {
  const p = path.join('.');
  if (META_LISTS[p]) return META_LISTS[p];
  // pod templates carry metadata too
  const tplMeta = p.replace(/^spec\.template\./, '');
  if (p.startsWith('spec.template.metadata.') && META_LISTS[tplMeta]) return META_LISTS[tplMeta];
  if (p === 'status.conditions') return CONDITIONS;
  const root = podSpecRoot(kind);
  if (root && p.startsWith(`${root}.`)) {
    const rel = p.slice(root.length + 1);
    if (POD_SPEC_LISTS[rel]) return POD_SPEC_LISTS[rel];
  }
  if (kind === 'Pod') {
    if (p === 'status.containerStatuses' || p === 'status.initContainerStatuses') return { type: 'atomic' };
    if (p === 'status.podIPs') return MAP(['ip']);
  }
  if (kind === 'Service') {
    if (p === 'spec.ports') return MAP(['port', 'protocol'], 'port', { protocol: 'TCP' });
  }
  if (kind === 'Node') {
    if (p === 'status.addresses') return MAP(['type']);
  }
  if (kind === 'HTTPRoute' && /^status\.parents\.conditions$/.test(p)) return CONDITIONS;
  return { type: 'atomic' };
}
