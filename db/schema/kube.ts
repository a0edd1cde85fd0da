import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** How the controller treats a managed field someone else changed. */
export const driftPolicies = ['heal', 'report'] as const;
export type DriftPolicy = (typeof driftPolicies)[number];

/**
 * Desired Kubernetes objects, written by other contexts (through server/kube's setDesired /
 * deleteDesired inside their own transaction) and converged into the cluster by the
 * generic controller, which writes the observed state back onto the same row.
 * `namespace` is '' for cluster-scoped kinds so the unique key has no NULLs.
 */
export const kubeDesiredObjects = pgTable(
  'kube_desired_objects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerContext: text('owner_context').notNull(),
    ownerId: text('owner_id').notNull(),
    apiVersion: text('api_version').notNull(),
    kind: text('kind').notNull(),
    namespace: text('namespace').notNull().default(''),
    name: text('name').notNull(),
    manifest: jsonb('manifest').$type<Record<string, unknown>>().notNull(),
    specHash: text('spec_hash').notNull(),
    /** Bumped whenever the manifest, drift policy or deletion request changes. */
    generation: integer('generation').notNull().default(1),
    driftPolicy: text('drift_policy', { enum: driftPolicies }).notNull().default('heal'),
    deletionRequestedAt: timestamp('deletion_requested_at', { withTimezone: true, precision: 3 }),
    appliedGeneration: integer('applied_generation'),
    appliedHash: text('applied_hash'),
    lastAppliedAt: timestamp('last_applied_at', { withTimezone: true, precision: 3 }),
    observedStatus: jsonb('observed_status'),
    /** The live object's metadata.generation and status.observedGeneration when last seen. */
    observedGeneration: bigint('observed_generation', { mode: 'number' }),
    observedStatusGeneration: bigint('observed_status_generation', { mode: 'number' }),
    observedResourceVersion: text('observed_resource_version'),
    observedExists: boolean('observed_exists').notNull().default(false),
    lastObservedAt: timestamp('last_observed_at', { withTimezone: true, precision: 3 }),
    lastError: text('last_error'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true, precision: 3 }),
    errorCount: integer('error_count').notNull().default(0),
    driftDetected: boolean('drift_detected').notNull().default(false),
    driftDescription: text('drift_description'),
    driftDetectedAt: timestamp('drift_detected_at', { withTimezone: true, precision: 3 }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('kube_desired_objects_object_key').on(t.apiVersion, t.kind, t.namespace, t.name),
    index('kube_desired_objects_owner_idx').on(t.ownerContext, t.ownerId),
    // The controller's poll for work: rows not yet applied at their generation, or to delete.
    index('kube_desired_objects_pending_idx')
      .on(t.updatedAt)
      .where(sql`applied_generation is distinct from generation or deletion_requested_at is not null`),
    index('kube_desired_objects_drift_idx').on(t.driftDetected).where(sql`drift_detected`),
  ],
);

/** One row per controller: what the overview page shows, whichever replica leads. */
export const kubeControllerStatus = pgTable('kube_controller_status', {
  controller: text('controller').primaryKey(),
  instanceId: text('instance_id').notNull(),
  startedAt: timestamp('started_at', { withTimezone: true, precision: 3 }).notNull(),
  lastReconcileAt: timestamp('last_reconcile_at', { withTimezone: true, precision: 3 }),
  reconcileTotal: bigint('reconcile_total', { mode: 'number' }).notNull().default(0),
  errorTotal: bigint('error_total', { mode: 'number' }).notNull().default(0),
  queueDepth: integer('queue_depth').notNull().default(0),
  objectsManaged: integer('objects_managed').notNull().default(0),
  objectsDrifted: integer('objects_drifted').notNull().default(0),
  lastError: text('last_error'),
  lastErrorAt: timestamp('last_error_at', { withTimezone: true, precision: 3 }),
  updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
});
