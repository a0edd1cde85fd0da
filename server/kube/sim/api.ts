import { parse as parseYaml } from 'yaml';
import { applyDefaults, canonicalize } from './defaults';
import {
  ApiError, alreadyExists, badRequest, conflict, forbidden, invalid, namespaceNotFound, notFound,
  staleConflict, unsupportedMediaType,
} from './errors';
import { type ApplyConflict, planApply, trackUpdate, withoutTimes } from './managed-fields';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch';
import { type Rng, randomSuffix, rfc3339 } from './random';
import { type ResourceType, apiVersionOf, resourceForKind } from './resources';
import { type FieldRequirement, type LabelSelector, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors';
import type { Store } from './store';
import { type KubeObject, clone, deepEqual, isPlainObject } from './types';
import { validateObject, validateUpdate } from './validation';

export interface AdmissionContext {
  op: 'CREATE' | 'UPDATE';
  type: ResourceType;
  object: KubeObject;
  old?: KubeObject;
  dryRun: boolean;
  subresource?: string;
}

/** An admission plugin: mutate runs before validation, validate after it (as in the API server). */
export interface Admitter {
  mutate?(ctx: AdmissionContext): void;
  validate?(ctx: AdmissionContext): void;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: string;
}

export interface DeleteOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** The result of a delete: the object as it now stands, and whether it is gone. */
export interface DeleteResult {
  object: KubeObject;
  removed: boolean;
}

const META_SYSTEM = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const;

/**
 * The API server's request handling minus HTTP: defaulting, validation, admission,
 * optimistic concurrency, patch types, server-side apply, managed fields, generation,
 * finalizers and graceful deletion. Controllers write through it too.
 */
export class ApiServer {
  private readonly admitters: Admitter[] = [];
  private readonly deleteHooks: Array<(t: ResourceType, obj: KubeObject, opts: DeleteOptions) => DeleteResult | undefined> = [];

  constructor(readonly store: Store, readonly rng: Rng) {}

  addAdmitter(a: Admitter) {
    this.admitters.push(a);
  }

  /** A kind-specific delete behaviour (graceful pod deletion, namespace termination). */
  addDeleteHook(h: (t: ResourceType, obj: KubeObject, opts: DeleteOptions) => DeleteResult | undefined) {
    this.deleteHooks.push(h);
  }

  private requireNamespace(t: ResourceType, namespace: string) {
    if (!t.namespaced) return;
    if (!this.store.get('Namespace', '', namespace)) throw namespaceNotFound(namespace);
  }

  get(t: ResourceType, namespace: string, name: string): KubeObject {
    const obj = this.store.get(t.kind, t.namespaced ? namespace : '', name);
    if (!obj) throw notFound(t, name);
    return obj;
  }

  /** Lists with selectors and limit/continue pagination, in etcd key order. */
  list(t: ResourceType, namespace: string | undefined, opts: ListOptions): ListResult {
    const labelSel = parseLabelSelector(opts.labelSelector);
    const fieldSel = parseFieldSelector(opts.fieldSelector, t.kind);
    let start: { ns: string; name: string; rv: string } | undefined;
    if (opts.continue) {
      try {
        start = JSON.parse(Buffer.from(opts.continue, 'base64').toString('utf8')) as { ns: string; name: string; rv: string };
        if (typeof start.ns !== 'string' || typeof start.name !== 'string') throw new Error('bad token');
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data at input byte 0');
      }
    }
    const all = this.store.list(t.kind, t.namespaced ? namespace : undefined).filter((o) => selects(o, t, labelSel, fieldSel));
    all.sort(compareKeys);
    let items = all;
    if (start) items = all.filter((o) => compareKeys(o, { metadata: { namespace: start!.ns, name: start!.name } } as KubeObject) > 0);
    const resourceVersion = start?.rv ?? String(this.store.currentRv());
    const limit = opts.limit && opts.limit > 0 ? opts.limit : undefined;
    if (limit !== undefined && items.length > limit) {
      const page = items.slice(0, limit);
      const last = page[page.length - 1]!;
      const token = Buffer.from(JSON.stringify({ ns: last.metadata.namespace ?? '', name: last.metadata.name, rv: resourceVersion })).toString('base64');
      return { items: page, resourceVersion, continue: token, remainingItemCount: items.length - limit };
    }
    return { items, resourceVersion };
  }

  private prepareNew(t: ResourceType, namespace: string, body: unknown, opts: WriteOptions): KubeObject {
    if (!isPlainObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    const obj = clone(body) as KubeObject;
    this.checkKind(t, obj);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    obj.metadata = isPlainObject(obj.metadata) ? obj.metadata : {};
    if (t.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      obj.metadata.namespace = namespace;
    } else delete obj.metadata.namespace;
    if (!obj.metadata.name && obj.metadata.generateName) {
      obj.metadata.name = `${obj.metadata.generateName}${randomSuffix(this.rng)}`;
    }
    obj.metadata.uid = this.rng.uuid();
    obj.metadata.creationTimestamp = rfc3339();
    delete obj.metadata.resourceVersion;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    if (t.hasGeneration) obj.metadata.generation = 1;
    else delete obj.metadata.generation;
    if (t.hasStatusSubresource && t.kind !== 'Node' && opts.subresource === undefined) {
      if (t.kind === 'Pod') obj.status = { phase: 'Pending' };
      else if (t.kind === 'Service') delete obj.status;
      else if (t.kind === 'Namespace') obj.status = { phase: 'Active' };
      else if (t.custom) delete obj.status;
      else obj.status = {};
    }
    return obj;
  }

  private checkKind(t: ResourceType, obj: KubeObject) {
    if (obj.kind !== undefined && obj.kind !== t.kind)
      throw badRequest(`the kind in the body (${String(obj.kind)}) does not match the kind of the resource (${t.kind})`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(t))
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersionOf(t)})`);
  }

  private runAdmission(ctx: AdmissionContext) {
    for (const a of this.admitters) a.mutate?.(ctx);
    const errs = validateObject(ctx.type, ctx.object);
    if (ctx.old) errs.push(...validateUpdate(ctx.type, ctx.old, ctx.object));
    if (errs.length > 0) throw invalid(ctx.type, ctx.object.metadata.name ?? '', errs);
    for (const a of this.admitters) a.validate?.(ctx);
  }

  private checkNamespaceForCreate(t: ResourceType, namespace: string, name: string) {
    if (!t.namespaced) return;
    const ns = this.store.get('Namespace', '', namespace);
    if (!ns) throw namespaceNotFound(namespace);
    if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
      if (t.kind === 'Event') return;
      throw forbidden(t, name, `unable to create new content in namespace ${namespace} because it is being terminated`,
        [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }]);
    }
  }

  /** POST: create. */
  create(t: ResourceType, namespace: string, body: unknown, opts: WriteOptions = {}): KubeObject {
    const ns = t.namespaced ? namespace : '';
    const obj = this.prepareNew(t, ns, body, opts);
    if (!obj.metadata.name) throw invalid(t, '', [{ type: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    this.checkNamespaceForCreate(t, ns, obj.metadata.name);
    canonicalize(t, obj);
    applyDefaults(t, obj);
    this.runAdmission({ op: 'CREATE', type: t, object: obj, dryRun: !!opts.dryRun });
    if (this.store.get(t.kind, ns, obj.metadata.name)) throw alreadyExists(t, obj.metadata.name);
    delete obj.metadata.managedFields;
    obj.metadata.managedFields = trackUpdate(t, undefined, obj, opts.fieldManager ?? 'unknown', undefined);
    if (obj.metadata.managedFields.length === 0) delete obj.metadata.managedFields;
    if (opts.dryRun) return obj;
    return this.store.put(t.kind, obj);
  }

  /** PUT: replace, with optimistic concurrency on metadata.resourceVersion. */
  update(t: ResourceType, namespace: string, name: string, body: unknown, opts: WriteOptions = {}): KubeObject {
    const ns = t.namespaced ? namespace : '';
    if (!isPlainObject(body)) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    const incoming = clone(body) as KubeObject;
    this.checkKind(t, incoming);
    incoming.metadata = isPlainObject(incoming.metadata) ? incoming.metadata : {};
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name)
      throw badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    if (t.namespaced && incoming.metadata.namespace && incoming.metadata.namespace !== ns)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    this.requireNamespace(t, ns);
    const current = this.store.get(t.kind, ns, name);
    if (!current) throw notFound(t, name);
    const rv = incoming.metadata.resourceVersion;
    if (rv === undefined || rv === '') {
      if (!t.allowUnconditionalUpdate)
        throw invalid(t, name, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', message: 'Invalid value: 0x0: must be specified for an update' }]);
    } else if (rv !== current.metadata.resourceVersion) {
      throw staleConflict(t, name);
    }
    if (incoming.metadata.uid && incoming.metadata.uid !== current.metadata.uid)
      throw conflict(t, name, `Precondition failed: UID in precondition: ${incoming.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
    const explicitManagedFields = Array.isArray(incoming.metadata.managedFields) ? incoming.metadata.managedFields : undefined;
    return this.commitUpdate(t, current, incoming, { ...opts, explicitManagedFields });
  }

  /**
   * The shared tail of every update: subresource scoping, system metadata, defaults,
   * admission, managed fields, generation, no-op detection, finalization.
   */
  private commitUpdate(t: ResourceType, current: KubeObject, incoming: KubeObject,
    opts: WriteOptions & { explicitManagedFields?: KubeObject['metadata']['managedFields']; applied?: boolean }): KubeObject {
    const name = current.metadata.name!;
    let obj: KubeObject;
    if (opts.subresource === 'status') {
      obj = clone(current);
      if (incoming.status === undefined) delete obj.status;
      else obj.status = clone(incoming.status);
    } else {
      obj = incoming;
      obj.apiVersion = apiVersionOf(t);
      obj.kind = t.kind;
      if (t.hasStatusSubresource) obj.status = clone(current.status);
    }
    obj.metadata = { ...obj.metadata, name, resourceVersion: current.metadata.resourceVersion };
    if (t.namespaced) obj.metadata.namespace = current.metadata.namespace;
    for (const k of META_SYSTEM) {
      if (current.metadata[k] === undefined) delete obj.metadata[k];
      else (obj.metadata as Record<string, unknown>)[k] = current.metadata[k];
    }
    if (current.metadata.deletionTimestamp) {
      // Finalizers may only be removed from an object being deleted, not added.
      const added = (obj.metadata.finalizers ?? []).filter((f) => !(current.metadata.finalizers ?? []).includes(f));
      if (added.length > 0)
        throw forbidden(t, name, `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`);
    }
    if (opts.applied) obj.metadata.managedFields = incoming.metadata.managedFields;
    else {
      if (opts.explicitManagedFields !== undefined) obj.metadata.managedFields = clone(opts.explicitManagedFields);
      else obj.metadata.managedFields = clone(current.metadata.managedFields);
    }
    canonicalize(t, obj);
    applyDefaults(t, obj);
    if (t.kind === 'Namespace' && opts.subresource !== 'status' && current.status) obj.status = clone(current.status);
    this.runAdmission({ op: 'UPDATE', type: t, object: obj, old: current, dryRun: !!opts.dryRun, subresource: opts.subresource });
    if (!opts.applied) {
      obj.metadata.managedFields = trackUpdate(t, current, obj, opts.fieldManager ?? 'unknown', opts.subresource);
      if (obj.metadata.managedFields.length === 0) delete obj.metadata.managedFields;
    }
    if (t.hasGeneration && specChanged(current, obj)) obj.metadata.generation = (current.metadata.generation ?? 0) + 1;
    if (isNoop(current, obj)) return current;
    if (opts.dryRun) return obj;
    if (obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).length === 0 && !this.holdsDeletion(t, obj)) {
      return this.store.remove(t.kind, obj.metadata.namespace ?? '', name) ?? obj;
    }
    return this.store.put(t.kind, obj);
  }

  /** Objects whose deletion waits for something besides metadata.finalizers. */
  private holdsDeletion(t: ResourceType, obj: KubeObject): boolean {
    if (t.kind === 'Namespace') return (obj.spec?.finalizers ?? []).length > 0;
    if (t.kind === 'Pod') {
      const terminal = obj.status?.phase === 'Succeeded' || obj.status?.phase === 'Failed';
      return !!obj.spec?.nodeName && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0 && !terminal;
    }
    return false;
  }

  /** PATCH in any of the four patch types. */
  patch(t: ResourceType, namespace: string, name: string, contentType: string, raw: string,
    opts: WriteOptions & { force?: boolean }): { object: KubeObject; created: boolean } {
    const ns = t.namespaced ? namespace : '';
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    const accepted = t.custom
      ? [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply]
      : [PATCH_TYPES.json, PATCH_TYPES.merge, PATCH_TYPES.apply, PATCH_TYPES.strategic];
    if (!(accepted as string[]).includes(type)) throw unsupportedMediaType(accepted);
    if (type === PATCH_TYPES.apply) return this.apply(t, ns, name, raw, opts);
    if (opts.force !== undefined) throw badRequest('force flag must only be set for apply patches');
    this.requireNamespace(t, ns);
    const current = this.store.get(t.kind, ns, name);
    if (!current) throw notFound(t, name);
    let patchDoc: unknown;
    try {
      patchDoc = JSON.parse(raw);
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    let patched: unknown;
    if (type === PATCH_TYPES.json) patched = jsonPatch(current, patchDoc);
    else if (type === PATCH_TYPES.merge) {
      if (!isPlainObject(patchDoc)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      patched = mergePatch(current, patchDoc);
    } else {
      if (!isPlainObject(patchDoc)) throw badRequest('json: cannot unmarshal array into Go value of type map[string]interface {}');
      patched = strategicMergePatch(t.kind, current, patchDoc);
    }
    if (!isPlainObject(patched)) throw badRequest('the patch produced an object that is not a JSON object');
    const obj = clone(patched) as KubeObject;
    obj.metadata = isPlainObject(obj.metadata) ? obj.metadata : {};
    if (obj.metadata.name !== name)
      throw invalid(t, name, [{ type: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: ${JSON.stringify(obj.metadata.name ?? '')}: field is immutable` }]);
    // A resourceVersion in the patch is a precondition, as on the real server.
    if (obj.metadata.resourceVersion !== current.metadata.resourceVersion) throw staleConflict(t, name);
    if (obj.metadata.uid !== current.metadata.uid)
      throw conflict(t, name, `Precondition failed: UID in precondition: ${String(obj.metadata.uid)}, UID in object meta: ${current.metadata.uid}`);
    const mfChanged = !deepEqual(obj.metadata.managedFields, current.metadata.managedFields);
    return {
      object: this.commitUpdate(t, current, obj, { ...opts, explicitManagedFields: mfChanged ? obj.metadata.managedFields ?? [] : undefined }),
      created: false,
    };
  }

  private apply(t: ResourceType, ns: string, name: string, raw: string, opts: WriteOptions & { force?: boolean }):
    { object: KubeObject; created: boolean } {
    if (!opts.fieldManager)
      throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        { group: 'meta.k8s.io', kind: 'PatchOptions', causes: [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }] });
    let applied: unknown;
    try {
      applied = parseYaml(raw);
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    if (!isPlainObject(applied)) throw badRequest(`Object 'Kind' is missing in '${raw.slice(0, 200)}'`);
    const cfg = applied as KubeObject;
    if (!cfg.kind) throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(applied)}'`);
    if (!cfg.apiVersion) throw badRequest(`Object 'apiVersion' is missing in '${JSON.stringify(applied)}'`);
    this.checkKind(t, cfg);
    cfg.metadata = isPlainObject(cfg.metadata) ? cfg.metadata : {};
    if (cfg.metadata.managedFields !== undefined) throw badRequest('metadata.managedFields must be nil');
    if (cfg.metadata.name !== undefined && cfg.metadata.name !== name)
      throw badRequest(`the name of the object (${String(cfg.metadata.name)}) does not match the name on the URL (${name})`);
    if (t.namespaced && cfg.metadata.namespace !== undefined && cfg.metadata.namespace !== ns)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    cfg.metadata.name = name;
    if (t.namespaced) cfg.metadata.namespace = ns;
    canonicalize(t, cfg);
    this.requireNamespace(t, ns);
    const current = this.store.get(t.kind, ns, name);
    if (cfg.metadata.resourceVersion !== undefined && cfg.metadata.resourceVersion !== current?.metadata.resourceVersion) {
      if (!current) throw notFound(t, name);
      throw staleConflict(t, name);
    }
    const subresource = opts.subresource;
    if (!current) {
      if (subresource) throw notFound(t, name);
      const plan = planApply(t, undefined, cfg, opts.fieldManager, undefined);
      const obj = this.prepareNew(t, ns, plan.merged, {});
      this.checkNamespaceForCreate(t, ns, name);
      canonicalize(t, obj);
      applyDefaults(t, obj);
      this.runAdmission({ op: 'CREATE', type: t, object: obj, dryRun: !!opts.dryRun });
      const { object } = plan.finish(obj, true);
      if (opts.dryRun) return { object, created: true };
      return { object: this.store.put(t.kind, object), created: true };
    }
    // Scope the applied configuration to what this endpoint may change.
    const scopedCfg = clone(cfg);
    if (t.hasStatusSubresource) {
      if (subresource === 'status') {
        for (const k of Object.keys(scopedCfg)) if (!['apiVersion', 'kind', 'metadata', 'status'].includes(k)) delete scopedCfg[k];
      } else delete scopedCfg.status;
    }
    const plan = planApply(t, current, scopedCfg, opts.fieldManager, subresource);
    const merged = plan.merged;
    if (subresource === 'status') merged.spec = clone(current.spec);
    const preview = clone(merged);
    canonicalize(t, preview);
    applyDefaults(t, preview);
    const { object, conflicts } = plan.finish(preview, !!opts.force);
    if (conflicts.length > 0) throw applyConflict(t, name, conflicts);
    return { object: this.commitUpdate(t, current, object, { ...opts, applied: true }), created: false };
  }

  /** DELETE: immediate, or graceful / finalizer-held. */
  delete(t: ResourceType, namespace: string, name: string, opts: DeleteOptions = {}): DeleteResult {
    const ns = t.namespaced ? namespace : '';
    this.requireNamespace(t, ns);
    const current = this.store.get(t.kind, ns, name);
    if (!current) throw notFound(t, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid)
      throw conflict(t, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion)
      throw conflict(t, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    for (const hook of this.deleteHooks) {
      const r = hook(t, current, opts);
      if (r) return r;
    }
    const finalizers = [...(current.metadata.finalizers ?? [])];
    if (opts.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (opts.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    if (finalizers.length > 0) {
      if (current.metadata.deletionTimestamp && deepEqual(finalizers, current.metadata.finalizers)) return { object: current, removed: false };
      const obj = clone(current);
      obj.metadata.finalizers = finalizers;
      obj.metadata.deletionTimestamp ??= rfc3339();
      obj.metadata.deletionGracePeriodSeconds ??= 0;
      if (t.hasGeneration) obj.metadata.generation = (obj.metadata.generation ?? 0) + 1;
      if (opts.dryRun) return { object: obj, removed: false };
      return { object: this.store.put(t.kind, obj), removed: false };
    }
    if (opts.dryRun) return { object: current, removed: true };
    return { object: this.store.remove(t.kind, ns, name) ?? current, removed: true };
  }

  /** Marks an object deleted with a grace period (pods on nodes): deletionTimestamp set, kept until finished. */
  markDeleting(t: ResourceType, current: KubeObject, graceSeconds: number, dryRun?: boolean): DeleteResult {
    if (current.metadata.deletionTimestamp) {
      // A second delete may only shorten the grace period.
      if ((current.metadata.deletionGracePeriodSeconds ?? 0) <= graceSeconds) return { object: current, removed: false };
    }
    const obj = clone(current);
    obj.metadata.deletionTimestamp = rfc3339(Date.now() + graceSeconds * 1000);
    obj.metadata.deletionGracePeriodSeconds = graceSeconds;
    if (t.hasGeneration) obj.metadata.generation = (obj.metadata.generation ?? 0) + 1;
    if (dryRun) return { object: obj, removed: false };
    return { object: this.store.put(t.kind, obj), removed: false };
  }

  /** Removes an object now, whatever holds it (kubelet finishing a pod, namespace controller). */
  forceRemove(t: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.store.remove(t.kind, t.namespaced ? namespace : '', name);
  }

  /** DELETE on a collection. */
  deleteCollection(t: ResourceType, namespace: string | undefined, listOpts: ListOptions, opts: DeleteOptions): KubeObject[] {
    const { items } = this.list(t, namespace, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const out: KubeObject[] = [];
    for (const item of items) {
      try {
        out.push(this.delete(t, item.metadata.namespace ?? '', item.metadata.name!, opts).object);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  /**
   * Read-modify-write for the simulated controllers: `fn` edits a copy of the current
   * object; the write goes through the normal update path under `manager`.
   * Returns undefined when the object is gone or `fn` returns false.
   */
  mutate(kind: string, namespace: string, name: string, manager: string, fn: (obj: KubeObject) => boolean | void,
    subresource?: 'status'): KubeObject | undefined {
    const t = resourceForKind(kind);
    const current = this.store.get(kind, t.namespaced ? namespace : '', name);
    if (!current) return undefined;
    const copy = clone(current);
    if (fn(copy) === false) return undefined;
    return this.commitUpdate(t, current, copy, { fieldManager: manager, subresource });
  }
}

function applyConflict(t: ResourceType, name: string, conflicts: ApplyConflict[]): ApiError {
  let detail: string;
  if (conflicts.length === 1) detail = `conflict with ${conflicts[0]!.manager}: ${conflicts[0]!.field}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c.field]);
    const lines: string[] = [];
    for (const [m, fields] of [...byManager.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`conflicts with ${m}:`);
      for (const f of fields) lines.push(`- ${f}`);
    }
    detail = lines.join('\n');
  }
  const n = conflicts.length;
  return new ApiError(409, 'Conflict', `Apply failed with ${n} conflict${n === 1 ? '' : 's'}: ${detail}`, {
    name, group: t.group || undefined, kind: t.plural,
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${c.manager}`, field: c.field })),
  });
}

function selects(o: KubeObject, t: ResourceType, labels: LabelSelector, fields: FieldRequirement[]): boolean {
  return matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o, t.kind);
}

/** Compiles selectors once for a watch. */
export function compileSelectors(t: ResourceType, labelSelector: string | undefined, fieldSelector: string | undefined) {
  const labels = parseLabelSelector(labelSelector);
  const fields = parseFieldSelector(fieldSelector, t.kind);
  return (o: KubeObject) => selects(o, t, labels, fields);
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const a1 = a.metadata.name ?? '';
  const b1 = b.metadata.name ?? '';
  return a1 < b1 ? -1 : a1 > b1 ? 1 : 0;
}

function specChanged(a: KubeObject, b: KubeObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (k === 'metadata' || k === 'status' || k === 'apiVersion' || k === 'kind') continue;
    if (!deepEqual(a[k], b[k])) return true;
  }
  return false;
}

function isNoop(a: KubeObject, b: KubeObject): boolean {
  const am = { ...a.metadata, resourceVersion: undefined, managedFields: withoutTimes(a.metadata.managedFields) };
  const bm = { ...b.metadata, resourceVersion: undefined, managedFields: withoutTimes(b.metadata.managedFields) };
  if (!deepEqual(am, bm)) return false;
  return deepEqual({ ...a, metadata: undefined }, { ...b, metadata: undefined });
}
