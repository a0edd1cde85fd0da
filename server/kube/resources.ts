import { FIELD_MANAGER, type KubeApiError, KubeClient, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './client';

/** A Kubernetes object as plain JSON (what the API sends and what Leitstand renders). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    uid?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    managedFields?: ManagedFieldsEntry[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Where a kind lives in the REST API. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/**
 * The kinds Leitstand manages, so the REST path of an object is known without a discovery
 * round-trip (and a kind outside this list is refused rather than guessed).
 */
export const knownResources: readonly ResourceInfo[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { apiVersion: 'v1', kind: 'Node', plural: 'nodes', namespaced: false },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  { apiVersion: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  { apiVersion: 'v1', kind: 'ResourceQuota', plural: 'resourcequotas', namespaced: true },
  { apiVersion: 'v1', kind: 'LimitRange', plural: 'limitranges', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases', namespaced: true },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', plural: 'poddisruptionbudgets', namespaced: true },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', plural: 'httproutes', namespaced: true },
];

const byKey = new Map(knownResources.map((r) => [`${r.apiVersion}/${r.kind}`, r]));

/** The resource info of apiVersion + kind, or undefined for a kind Leitstand does not manage. */
export function resourceFor(apiVersion: string, kind: string): ResourceInfo | undefined {
  return byKey.get(`${apiVersion}/${kind}`);
}

/** Identity of one object. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
}

/** "apiVersion/Kind/namespace/name" — the work-queue key of an object ('' namespace when cluster-scoped). */
export function objectKey(ref: ObjectRef): string {
  return `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

/** Inverse of objectKey. */
export function parseObjectKey(key: string): ObjectRef {
  const [apiVersion, kind, namespace, name] = key.split('|');
  return { apiVersion: apiVersion!, kind: kind!, namespace: namespace || undefined, name: name! };
}

function apiPrefix(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** REST path of a collection (all namespaces when `namespace` is undefined for a namespaced kind). */
export function collectionPath(info: ResourceInfo, namespace?: string): string {
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${apiPrefix(info.apiVersion)}${ns}/${info.plural}`;
}

/** REST path of one object. */
export function objectPath(info: ResourceInfo, ref: ObjectRef): string {
  if (info.namespaced && !ref.namespace) throw new Error(`${info.kind} ${ref.name} needs a namespace`);
  return `${collectionPath(info, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

function requireInfo(ref: ObjectRef): ResourceInfo {
  const info = resourceFor(ref.apiVersion, ref.kind);
  if (!info) throw new Error(`Leitstand does not manage ${ref.apiVersion} ${ref.kind}`);
  return info;
}

export type ObjectResult<T = KubeObject> = { ok: true; object: T } | { ok: false; reason: string; error: KubeApiError };

/** Reads one object as raw JSON; a missing object is `{ ok: false, error.code: 404 }`. */
export async function getObject(client: KubeClient, ref: ObjectRef): Promise<ObjectResult> {
  const res = await client.request<KubeObject>('GET', objectPath(requireInfo(ref), ref));
  if (res.status >= 200 && res.status < 300) return { ok: true, object: res.body };
  const error = KubeClient.errorOf(res);
  return { ok: false, reason: error.message, error };
}

/** Lists objects of a kind as raw JSON, following `continue` tokens. */
export async function listObjects(
  client: KubeClient,
  info: ResourceInfo,
  options: { namespace?: string; labelSelector?: string; fieldSelector?: string; limit?: number } = {},
): Promise<{ ok: true; items: KubeObject[]; resourceVersion: string } | { ok: false; reason: string; error: KubeApiError }> {
  const items: KubeObject[] = [];
  let cont: string | undefined;
  let resourceVersion = '';
  do {
    const res = await client.request<{ items?: KubeObject[]; metadata?: { continue?: string; resourceVersion?: string } }>(
      'GET',
      collectionPath(info, options.namespace),
      {
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit ? String(options.limit) : '500',
          continue: cont,
        },
      },
    );
    if (res.status < 200 || res.status >= 300) {
      const error = KubeClient.errorOf(res);
      return { ok: false, reason: error.message, error };
    }
    // Lists omit apiVersion/kind on items; put them back so items are self-describing.
    for (const item of res.body.items ?? []) items.push({ ...item, apiVersion: info.apiVersion, kind: info.kind });
    resourceVersion = res.body.metadata?.resourceVersion ?? resourceVersion;
    cont = res.body.metadata?.continue || undefined;
    if (options.limit && items.length >= options.limit) break;
  } while (cont);
  return { ok: true, items, resourceVersion };
}

/** Adds the managed-by label (every object Leitstand creates carries it). */
export function withManagedBy<T extends KubeObject>(manifest: T): T {
  return {
    ...manifest,
    metadata: { ...manifest.metadata, labels: { ...manifest.metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
  };
}

/** Fields a client must not send in an apply configuration. */
function applyBody(manifest: KubeObject): KubeObject {
  const { resourceVersion: _rv, uid: _uid, managedFields: _mf, creationTimestamp: _ct, generation: _g, ...metadata } =
    manifest.metadata;
  const { status: _status, ...rest } = manifest;
  return { ...rest, metadata } as KubeObject;
}

/**
 * Server-side apply with field manager `leitstand`: only the fields in `manifest` are claimed,
 * and without `force` a field another manager owns is a conflict rather than taken over.
 */
export async function applyObject(
  client: KubeClient,
  manifest: KubeObject,
  options: { force?: boolean; dryRun?: boolean } = {},
): Promise<ObjectResult> {
  const info = requireInfo({ ...manifest, name: manifest.metadata.name, namespace: manifest.metadata.namespace });
  const body = applyBody(withManagedBy(manifest));
  const res = await client.request<KubeObject>('PATCH', objectPath(info, { ...body, ...body.metadata }), {
    body,
    // SSA takes YAML; JSON is YAML, and the body is sent as JSON text.
    contentType: 'application/apply-patch+yaml',
    query: {
      fieldManager: FIELD_MANAGER,
      force: options.force ? 'true' : undefined,
      dryRun: options.dryRun ? 'All' : undefined,
    },
  });
  if (res.status >= 200 && res.status < 300) return { ok: true, object: res.body };
  const error = KubeClient.errorOf(res);
  return { ok: false, reason: error.message, error };
}

/**
 * Deletes an object only when it carries the managed-by label (checked on a fresh read, and
 * the delete is made conditional on that read's resourceVersion). Missing counts as deleted.
 */
export async function deleteManagedObject(
  client: KubeClient,
  ref: ObjectRef,
  options: { dryRun?: boolean } = {},
): Promise<{ ok: true; existed: boolean } | { ok: false; reason: string; error?: KubeApiError }> {
  const info = requireInfo(ref);
  const current = await getObject(client, ref);
  if (!current.ok) {
    if (current.error.code === 404) return { ok: true, existed: false };
    return current;
  }
  if (current.object.metadata.labels?.[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    return { ok: false, reason: `${ref.kind} ${ref.name} is not managed by Leitstand; left in place` };
  }
  const res = await client.request('DELETE', objectPath(info, ref), {
    body: {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      preconditions: { resourceVersion: current.object.metadata.resourceVersion },
      propagationPolicy: 'Background',
      ...(options.dryRun ? { dryRun: ['All'] } : {}),
    },
    query: { dryRun: options.dryRun ? 'All' : undefined },
  });
  if (res.status >= 200 && res.status < 300) return { ok: true, existed: true };
  if (res.status === 404) return { ok: true, existed: false };
  const error = KubeClient.errorOf(res);
  return { ok: false, reason: error.message, error };
}
