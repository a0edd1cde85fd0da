/**
 * The kinds the simulated API server serves, with the facts the real server's registry
 * carries about each: group/version, plural, scope, subresources, verbs, whether the
 * kind has a generation, and which registry quirks (unconditional update, delete
 * response) apply.
 */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources: string[];
  /** metadata.generation is maintained (bumped on spec changes). */
  hasGeneration: boolean;
  /** The main resource ignores .status; /status ignores everything else. */
  hasStatusSubresource: boolean;
  /** PUT without metadata.resourceVersion is accepted (false for custom resources). */
  allowUnconditionalUpdate: boolean;
  /** DELETE answers with the deleted object instead of a Status. */
  returnDeletedObject: boolean;
  /** A custom resource: no strategic merge patch. */
  custom: boolean;
  storageVersionHash: string;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function rt(partial: Omit<ResourceType, 'listKind' | 'singular' | 'custom' | 'storageVersionHash'> &
  Partial<Pick<ResourceType, 'custom' | 'storageVersionHash'>>): ResourceType {
  return {
    ...partial,
    listKind: `${partial.kind}List`,
    singular: partial.kind.toLowerCase(),
    custom: partial.custom ?? false,
    storageVersionHash: partial.storageVersionHash ?? '',
  };
}

export const RESOURCE_TYPES: ResourceType[] = [
  rt({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'],
    subresources: ['status', 'finalize'], hasGeneration: false, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: true, storageVersionHash: 'Q3oi5N2YM8M=' }),
  rt({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, shortNames: ['no'],
    subresources: ['status'], hasGeneration: false, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'XwShjMxG9Fs=' }),
  rt({ group: '', version: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true, shortNames: ['quota'],
    subresources: ['status'], hasGeneration: false, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: '8uhSgffRX6w=' }),
  rt({ group: '', version: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true, shortNames: ['limits'],
    subresources: [], hasGeneration: false, hasStatusSubresource: false,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'EBKMFVe6cwo=' }),
  rt({ group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, shortNames: ['svc'],
    categories: ['all'], subresources: ['status'], hasGeneration: false, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: true, storageVersionHash: '0/CO1lhkEBI=' }),
  rt({ group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'],
    subresources: ['status', 'eviction', 'binding'], hasGeneration: false, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: true, storageVersionHash: 'xPOwRZ+Yhw8=' }),
  rt({ group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, shortNames: ['ev'],
    subresources: [], hasGeneration: false, hasStatusSubresource: false,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'r2yiGXH7wu8=' }),
  rt({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, shortNames: ['cm'],
    subresources: [], hasGeneration: false, hasStatusSubresource: false,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'qFsyl6wFWjQ=' }),
  rt({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true,
    subresources: [], hasGeneration: false, hasStatusSubresource: false,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'S6u1pOWzb84=' }),
  rt({ group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, shortNames: ['deploy'],
    categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: '8aSe+NMegvE=' }),
  rt({ group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, shortNames: ['rs'],
    categories: ['all'], subresources: ['status', 'scale'], hasGeneration: true, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'P1RzHs8/mWQ=' }),
  rt({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true,
    subresources: [], hasGeneration: false, hasStatusSubresource: false,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'gqkMMb/YqFM=' }),
  rt({ group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', plural: 'httproutes', namespaced: true,
    categories: ['gateway-api'], subresources: ['status'], hasGeneration: true, hasStatusSubresource: true,
    allowUnconditionalUpdate: false, returnDeletedObject: true, custom: true, storageVersionHash: 'ON5NwM3Tm4E=' }),
  rt({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true,
    shortNames: ['pdb'], subresources: ['status'], hasGeneration: true, hasStatusSubresource: true,
    allowUnconditionalUpdate: true, returnDeletedObject: false, storageVersionHash: 'EVWiDmWqyJw=' }),
];

export const ALL_VERBS = VERBS;

const byKey = new Map<string, ResourceType>();
const byKind = new Map<string, ResourceType>();
for (const t of RESOURCE_TYPES) {
  byKey.set(`${t.group}/${t.version}/${t.plural}`, t);
  byKind.set(t.kind, t);
}

/** The resource type for a URL's group, version and plural. */
export function lookupResource(group: string, version: string, plural: string): ResourceType | undefined {
  return byKey.get(`${group}/${version}/${plural}`);
}

/** The resource type of a kind (each kind is served in one group/version). */
export function resourceForKind(kind: string): ResourceType {
  const t = byKind.get(kind);
  if (!t) throw new Error(`unknown kind ${kind}`);
  return t;
}

/** "apps/v1" or "v1". */
export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** "deployments.apps" or "pods": how the API server names a resource in messages. */
export function qualifiedResource(t: ResourceType): string {
  return t.group ? `${t.plural}.${t.group}` : t.plural;
}

/** "Deployment.apps" or "Pod": how the API server names a kind in validation messages. */
export function qualifiedKind(t: ResourceType): string {
  return t.group ? `${t.kind}.${t.group}` : t.kind;
}

/** The groups served, in discovery order, with their versions. */
export function servedGroups(): Array<{ name: string; versions: string[] }> {
  const groups: Array<{ name: string; versions: string[] }> = [];
  for (const t of RESOURCE_TYPES) {
    if (!t.group) continue;
    let g = groups.find((x) => x.name === t.group);
    if (!g) groups.push((g = { name: t.group, versions: [] }));
    if (!g.versions.includes(t.version)) g.versions.push(t.version);
  }
  return groups;
}
