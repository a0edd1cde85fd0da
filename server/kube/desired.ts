import crypto from 'node:crypto';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../../db/client';
import { type DriftPolicy, driftPolicies, kubeDesiredObjects } from '../../db/schema/kube';
import { ConflictError, InputError } from '../core/errors';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from './client';
import { type KubeObject, type ObjectRef, resourceFor } from './resources';

export type DesiredObjectRow = typeof kubeDesiredObjects.$inferSelect;

/** Which context (and which of its records) wants an object to exist. */
export interface DesiredOwner {
  context: string;
  id: string;
}

export interface SetDesiredInput {
  owner: DesiredOwner;
  manifest: KubeObject;
  /** heal (default): re-apply fields someone else changed; report: only record the drift. */
  driftPolicy?: DriftPolicy;
}

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** JSON with object keys sorted at every depth, so equal manifests hash equally. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** SHA-256 of the manifest and drift policy: the controller applies only when it changes. */
export function specHash(manifest: KubeObject, driftPolicy: DriftPolicy): string {
  return crypto.createHash('sha256').update(stableJson({ manifest, driftPolicy })).digest('hex');
}

/** Checks a manifest is something the controller can apply; returns it with the managed-by label. */
export function normaliseManifest(manifest: KubeObject): KubeObject {
  const fieldErrors: Record<string, string[]> = {};
  const info = manifest && typeof manifest === 'object' ? resourceFor(manifest.apiVersion, manifest.kind) : undefined;
  if (!info) fieldErrors.kind = [`${manifest?.apiVersion} ${manifest?.kind} is not a kind Leitstand manages`];
  const name = manifest?.metadata?.name;
  if (typeof name !== 'string' || name.length > 253 || !dns1123Subdomain.test(name)) {
    fieldErrors['metadata.name'] = ['must be lower-case letters, digits, "-" or ".", at most 253 characters'];
  }
  const ns = manifest?.metadata?.namespace;
  if (info?.namespaced && (typeof ns !== 'string' || !dns1123Label.test(ns) || ns.length > 63)) {
    fieldErrors['metadata.namespace'] = ['a namespaced kind needs a valid namespace name'];
  }
  if (info && !info.namespaced && ns !== undefined) {
    fieldErrors['metadata.namespace'] = [`${info.kind} is cluster-scoped and takes no namespace`];
  }
  if (Object.keys(fieldErrors).length > 0) throw new InputError('The manifest cannot be applied.', fieldErrors);
  const { status: _status, ...rest } = manifest;
  const { resourceVersion: _rv, uid: _uid, managedFields: _mf, creationTimestamp: _ct, generation: _g, ...metadata } =
    manifest.metadata;
  return {
    ...rest,
    metadata: { ...metadata, labels: { ...metadata.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
  } as KubeObject;
}

function refOf(manifest: KubeObject): Required<Pick<ObjectRef, 'apiVersion' | 'kind' | 'name'>> & { namespace: string } {
  return {
    apiVersion: manifest.apiVersion,
    kind: manifest.kind,
    namespace: manifest.metadata.namespace ?? '',
    name: manifest.metadata.name,
  };
}

function whereRef(ref: ObjectRef) {
  return and(
    eq(kubeDesiredObjects.apiVersion, ref.apiVersion),
    eq(kubeDesiredObjects.kind, ref.kind),
    eq(kubeDesiredObjects.namespace, ref.namespace ?? ''),
    eq(kubeDesiredObjects.name, ref.name),
  );
}

/**
 * Records that `owner` wants `manifest` in the cluster; call inside the owner's transaction
 * (with its audit event). Idempotent: an unchanged manifest does not bump the generation.
 * Another owner's object is a ConflictError — two contexts never fight over one object.
 */
export async function setDesired(
  tx: Tx,
  input: SetDesiredInput,
): Promise<{ id: string; generation: number; changed: boolean }> {
  const policy = input.driftPolicy ?? 'heal';
  if (!driftPolicies.includes(policy)) throw new InputError('Unknown drift policy.', { driftPolicy: ['heal or report'] });
  const manifest = normaliseManifest(input.manifest);
  const ref = refOf(manifest);
  const hash = specHash(manifest, policy);
  const [existing] = await tx.select().from(kubeDesiredObjects).where(whereRef(ref)).for('update');
  if (existing) {
    if (existing.ownerContext !== input.owner.context || existing.ownerId !== input.owner.id) {
      throw new ConflictError(
        `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} is already managed for ${existing.ownerContext} ${existing.ownerId}.`,
      );
    }
    if (existing.specHash === hash && !existing.deletionRequestedAt) {
      return { id: existing.id, generation: existing.generation, changed: false };
    }
    const [row] = await tx
      .update(kubeDesiredObjects)
      .set({
        manifest,
        specHash: hash,
        driftPolicy: policy,
        deletionRequestedAt: null,
        generation: sql`${kubeDesiredObjects.generation} + 1`,
        updatedAt: sql`now()`,
      })
      .where(eq(kubeDesiredObjects.id, existing.id))
      .returning({ id: kubeDesiredObjects.id, generation: kubeDesiredObjects.generation });
    return { id: row!.id, generation: row!.generation, changed: true };
  }
  const [row] = await tx
    .insert(kubeDesiredObjects)
    .values({
      ownerContext: input.owner.context,
      ownerId: input.owner.id,
      ...ref,
      manifest,
      specHash: hash,
      driftPolicy: policy,
    })
    .returning({ id: kubeDesiredObjects.id, generation: kubeDesiredObjects.generation });
  return { id: row!.id, generation: row!.generation, changed: true };
}

/**
 * Asks the controller to delete objects: one (`ref`) or every object of `owner`. The row stays
 * until the object is gone from the cluster, so nothing is orphaned by a crash in between.
 * Returns how many objects were marked.
 */
export async function deleteDesired(tx: Tx, input: { owner: DesiredOwner; ref?: ObjectRef }): Promise<number> {
  const conditions = [
    eq(kubeDesiredObjects.ownerContext, input.owner.context),
    eq(kubeDesiredObjects.ownerId, input.owner.id),
    sql`${kubeDesiredObjects.deletionRequestedAt} is null`,
  ];
  if (input.ref) conditions.push(whereRef(input.ref)!);
  const rows = await tx
    .update(kubeDesiredObjects)
    .set({
      deletionRequestedAt: sql`now()`,
      generation: sql`${kubeDesiredObjects.generation} + 1`,
      updatedAt: sql`now()`,
    })
    .where(and(...conditions))
    .returning({ id: kubeDesiredObjects.id });
  return rows.length;
}

/** Desired objects with their observed state, for pages (filter by owner, or drifted only). */
export async function listDesired(
  db: Executor,
  filter: { owner?: DesiredOwner; ownerContext?: string; driftedOnly?: boolean; limit?: number } = {},
): Promise<DesiredObjectRow[]> {
  const conditions = [];
  if (filter.owner) {
    conditions.push(eq(kubeDesiredObjects.ownerContext, filter.owner.context), eq(kubeDesiredObjects.ownerId, filter.owner.id));
  } else if (filter.ownerContext) {
    conditions.push(eq(kubeDesiredObjects.ownerContext, filter.ownerContext));
  }
  if (filter.driftedOnly) conditions.push(eq(kubeDesiredObjects.driftDetected, true));
  return db
    .select()
    .from(kubeDesiredObjects)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(kubeDesiredObjects.kind), asc(kubeDesiredObjects.namespace), asc(kubeDesiredObjects.name))
    .limit(filter.limit ?? 1000);
}

/** One desired object by its identity, or undefined. */
export async function getDesired(db: Executor, ref: ObjectRef): Promise<DesiredObjectRow | undefined> {
  const [row] = await db.select().from(kubeDesiredObjects).where(whereRef(ref));
  return row;
}

// ---- used by the controller only (not exported from index.ts) ----

/** Object keys of every desired row (for the resync) or of rows still to apply/delete. */
export async function desiredRefs(db: Executor, pendingOnly: boolean): Promise<ObjectRef[]> {
  const rows = await db
    .select({
      apiVersion: kubeDesiredObjects.apiVersion,
      kind: kubeDesiredObjects.kind,
      namespace: kubeDesiredObjects.namespace,
      name: kubeDesiredObjects.name,
    })
    .from(kubeDesiredObjects)
    .where(
      pendingOnly
        ? sql`${kubeDesiredObjects.appliedGeneration} is distinct from ${kubeDesiredObjects.generation} or ${kubeDesiredObjects.deletionRequestedAt} is not null`
        : undefined,
    );
  return rows.map((r) => ({ ...r, namespace: r.namespace || undefined }));
}

/** What the resync needs to decide, per row, whether anything may have changed since the last reconcile. */
export async function desiredSummaries(db: Executor) {
  const rows = await db
    .select({
      apiVersion: kubeDesiredObjects.apiVersion,
      kind: kubeDesiredObjects.kind,
      namespace: kubeDesiredObjects.namespace,
      name: kubeDesiredObjects.name,
      generation: kubeDesiredObjects.generation,
      appliedGeneration: kubeDesiredObjects.appliedGeneration,
      observedResourceVersion: kubeDesiredObjects.observedResourceVersion,
      observedExists: kubeDesiredObjects.observedExists,
      driftDetected: kubeDesiredObjects.driftDetected,
      lastError: kubeDesiredObjects.lastError,
      deletionRequestedAt: kubeDesiredObjects.deletionRequestedAt,
    })
    .from(kubeDesiredObjects);
  return rows.map((r) => ({ ...r, namespace: r.namespace || undefined }));
}

/** Counts for the controller status: managed objects and drifted ones. */
export async function desiredCounts(db: Executor): Promise<{ managed: number; drifted: number }> {
  const [row] = await db
    .select({
      managed: sql<number>`count(*)::int`,
      drifted: sql<number>`count(*) filter (where ${kubeDesiredObjects.driftDetected})::int`,
    })
    .from(kubeDesiredObjects)
    .where(sql`${kubeDesiredObjects.deletionRequestedAt} is null`);
  return { managed: row?.managed ?? 0, drifted: row?.drifted ?? 0 };
}

/** Removes a row whose object is gone, unless it was re-desired meanwhile (generation moved). */
export async function removeDeletedRow(db: Executor, id: string, generation: number): Promise<void> {
  await db
    .delete(kubeDesiredObjects)
    .where(and(eq(kubeDesiredObjects.id, id), eq(kubeDesiredObjects.generation, generation), isNotNull(kubeDesiredObjects.deletionRequestedAt)));
}

export type ObservedUpdate = Partial<
  Pick<
    DesiredObjectRow,
    | 'appliedGeneration'
    | 'appliedHash'
    | 'lastAppliedAt'
    | 'observedStatus'
    | 'observedGeneration'
    | 'observedStatusGeneration'
    | 'observedResourceVersion'
    | 'observedExists'
    | 'lastObservedAt'
    | 'lastError'
    | 'lastErrorAt'
    | 'errorCount'
    | 'driftDetected'
    | 'driftDescription'
    | 'driftDetectedAt'
  >
>;

/** Writes what the controller saw/did onto the row (never the manifest or generation). */
export async function writeObserved(db: Executor, id: string, update: ObservedUpdate): Promise<void> {
  await db.update(kubeDesiredObjects).set(update).where(eq(kubeDesiredObjects.id, id));
}

/** The row for an object key, read by the controller at reconcile time. */
export async function loadDesiredRow(db: Executor, ref: ObjectRef): Promise<DesiredObjectRow | undefined> {
  return getDesired(db, ref);
}
