import { sql } from 'drizzle-orm';
import { bigint, check, date, doublePrecision, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** A version's place in its life: draft → staging → production → deprecated → retired. */
export const modelStages = ['draft', 'staging', 'production', 'deprecated', 'retired'] as const;
export type ModelStage = (typeof modelStages)[number];

/** Weight file formats the engines load. */
export const modelFormats = ['safetensors', 'gguf', 'onnx', 'pytorch', 'tensorrt', 'ollama'] as const;
export type ModelFormat = (typeof modelFormats)[number];

/** Weight precision / quantisation; decides bytes per parameter in the memory estimate. */
export const quantizations = ['fp32', 'bf16', 'fp16', 'fp8', 'int8', 'awq', 'gptq', 'int4', 'q8_0', 'q6_k', 'q5_k_m', 'q4_k_m', 'q4_0'] as const;
export type Quantization = (typeof quantizations)[number];

/** Inference engines Leitstand renders deployments for. */
export const inferenceEngines = ['vllm', 'tgi', 'llamacpp', 'ollama'] as const;
export type InferenceEngine = (typeof inferenceEngines)[number];

export const promotionStatuses = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type PromotionStatus = (typeof promotionStatuses)[number];

/** What a rollout record did to a deployment. */
export const rolloutKinds = ['deploy', 'update', 'canary-start', 'canary-step', 'canary-promote', 'canary-abort', 'rollback', 'undeploy'] as const;
export type RolloutKind = (typeof rolloutKinds)[number];

/** Engine settings as entered; the renderer turns them into flags. */
export interface EngineSettings {
  tensorParallelSize?: number;
  maxModelLen?: number;
  gpuMemoryUtilization?: number;
  /** Extra command-line arguments, passed verbatim after the rendered ones. */
  extraArgs?: string[];
}

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** A model in the registry (the family of its versions). */
export const models = pgTable(
  'models',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower-case DNS label: it names Kubernetes objects and the served model. */
    name: text('name').notNull(),
    family: text('family').notNull(),
    /** The team or person responsible (free text). */
    owner: text('owner').notNull(),
    description: text('description').notNull().default(''),
    license: text('license').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** Lower-cased name, family, owner, description and tags: what the registry search matches (written with the row). */
    searchText: text('search_text').notNull().default(''),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('models_name_key').on(t.name),
    // Serves the registry list's default order and keyset pages.
    index('models_updated_idx').on(t.updatedAt, t.id),
    index('models_family_idx').on(t.family),
    index('models_tags_idx').using('gin', t.tags),
  ],
);

/** One version of a model: an artifact with its facts, card, lineage and stage. */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    artifactUri: text('artifact_uri').notNull(),
    format: text('format', { enum: modelFormats }).notNull(),
    quantization: text('quantization', { enum: quantizations }).notNull(),
    parameterCount: bigint('parameter_count', { mode: 'number' }).notNull(),
    contextLength: integer('context_length').notNull(),
    sizeBytes: bigint('size_bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    modelCard: text('model_card').notNull().default(''),
    /** Ids of the training datasets (the privacy context links them to data categories). */
    datasets: text('datasets').array().notNull().default(sql`'{}'::text[]`),
    stage: text('stage', { enum: modelStages }).notNull().default('draft'),
    stageChangedAt: ts('stage_changed_at').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('model_versions_model_label_key').on(t.modelId, t.label),
    index('model_versions_model_created_idx').on(t.modelId, t.createdAt),
    index('model_versions_stage_idx').on(t.stage),
    check('model_versions_sha256_check', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    check('model_versions_positive_check', sql`${t.parameterCount} > 0 and ${t.contextLength} > 0 and ${t.sizeBytes} >= 0`),
  ],
);

/** An evaluation result of a version (metric on a dataset at a date). */
export const modelEvaluations = pgTable(
  'model_evaluations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    metric: text('metric').notNull(),
    value: doublePrecision('value').notNull(),
    dataset: text('dataset').notNull(),
    evaluatedOn: date('evaluated_on', { mode: 'string' }).notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('model_evaluations_version_idx').on(t.versionId, t.evaluatedOn)],
);

/**
 * A request to move a version to production. Four eyes: someone else, holding the operator
 * or admin role, approves it; the promotion rules (server/models/promotion.ts) decide.
 */
export const modelPromotions = pgTable(
  'model_promotions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'cascade' }),
    fromStage: text('from_stage', { enum: modelStages }).notNull(),
    status: text('status', { enum: promotionStatuses }).notNull().default('pending'),
    reason: text('reason').notNull(),
    requestedById: uuid('requested_by_id'),
    requestedByName: text('requested_by_name').notNull(),
    requestedAt: ts('requested_at').notNull().defaultNow(),
    decidedById: uuid('decided_by_id'),
    decidedByName: text('decided_by_name'),
    decidedAt: ts('decided_at'),
    decisionNote: text('decision_note'),
  },
  (t) => [
    // One open request per version.
    uniqueIndex('model_promotions_pending_key').on(t.versionId).where(sql`${t.status} = 'pending'`),
    index('model_promotions_status_idx').on(t.status, t.requestedAt),
  ],
);

/**
 * A model served by an engine in one namespace: a stable version and optionally a canary
 * beside it with a traffic weight. Its Kubernetes objects are desired state (server/kube).
 */
export const modelDeployments = pgTable(
  'model_deployments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'restrict' }),
    /** DNS label: prefix of the Deployment, Service and HTTPRoute names. */
    name: text('name').notNull(),
    namespace: text('namespace').notNull(),
    /** Tenant slug when the namespace is a tenant's; null for the platform namespace. */
    tenant: text('tenant'),
    engine: text('engine', { enum: inferenceEngines }).notNull(),
    settings: jsonb('settings').$type<EngineSettings>().notNull().default({}),
    replicas: integer('replicas').notNull(),
    gpusPerReplica: integer('gpus_per_replica').notNull(),
    gpuProduct: text('gpu_product'),
    pool: text('pool'),
    cpu: text('cpu').notNull(),
    memory: text('memory').notNull(),
    stableVersionId: uuid('stable_version_id')
      .notNull()
      .references(() => modelVersions.id, { onDelete: 'restrict' }),
    /** The stable version before the current one: what "roll back" returns to. */
    previousVersionId: uuid('previous_version_id').references(() => modelVersions.id, { onDelete: 'set null' }),
    canaryVersionId: uuid('canary_version_id').references(() => modelVersions.id, { onDelete: 'restrict' }),
    /** Percent of requests to the canary (0..100); 0 without canary. */
    canaryWeight: integer('canary_weight').notNull().default(0),
    canaryReplicas: integer('canary_replicas').notNull().default(1),
    /** Bumped on every change; rollout records name the revision they produced. */
    revision: integer('revision').notNull().default(1),
    removedAt: ts('removed_at'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('model_deployments_ns_name_key').on(t.namespace, t.name).where(sql`${t.removedAt} is null`),
    index('model_deployments_model_idx').on(t.modelId),
    check('model_deployments_weight_check', sql`${t.canaryWeight} between 0 and 100`),
    check('model_deployments_sizes_check', sql`${t.replicas} between 1 and 64 and ${t.gpusPerReplica} between 0 and 16`),
  ],
);

/** History of a deployment: who changed what, when and why (append-only). */
export const modelRollouts = pgTable(
  'model_rollouts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deploymentId: uuid('deployment_id')
      .notNull()
      .references(() => modelDeployments.id, { onDelete: 'cascade' }),
    revision: integer('revision').notNull(),
    kind: text('kind', { enum: rolloutKinds }).notNull(),
    fromVersionId: uuid('from_version_id'),
    toVersionId: uuid('to_version_id'),
    canaryWeight: integer('canary_weight').notNull().default(0),
    reason: text('reason').notNull(),
    /** Field → [before, after] of what changed. */
    changes: jsonb('changes').$type<Record<string, [unknown, unknown]>>().notNull().default({}),
    actorId: uuid('actor_id'),
    actorName: text('actor_name').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('model_rollouts_deployment_idx').on(t.deploymentId, t.createdAt)],
);
