import { sql } from 'drizzle-orm';
import {
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** An SQL text[] literal of fixed, known values (for check constraints). */
function sqlTextArray(values: readonly string[]) {
  return sql.raw(`array[${values.map((v) => `'${v}'`).join(', ')}]::text[]`);
}

const ts = (name: string) => timestamp(name, { withTimezone: true, precision: 3 });

/** Kinds of store a connector exists for. */
export const storeKinds = ['postgres', 'pgvector', 'redis', 'webhook'] as const;
export type StoreKind = (typeof storeKinds)[number];

/**
 * A place where personal data lives. `config` holds the non-secret mapping (tables,
 * identifier columns, categories, key patterns); `credentials` is a secret box
 * (AES-256-GCM, see server/privacy/crypto.ts) of the connection secrets, never shown.
 */
export const privacyStores = pgTable(
  'privacy_stores',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind', { enum: storeKinds }).notNull(),
    config: jsonb('config').notNull().default({}),
    credentials: text('credentials'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('privacy_stores_name_key').on(sql`lower(${t.name})`),
    check('privacy_stores_kind_known', sql`${t.kind} = any(${sqlTextArray(storeKinds)})`),
  ],
);

/** received → verified → discovery → awaiting_approval → executing → verifying → completed | … */
export const requestStates = [
  'received',
  'verified',
  'discovery',
  'awaiting_approval',
  'executing',
  'verifying',
  'completed',
  'partially_refused',
  'rejected',
  'failed',
] as const;
export type RequestState = (typeof requestStates)[number];
/** States in which the deadline still runs. */
export const openRequestStates = [
  'received',
  'verified',
  'discovery',
  'awaiting_approval',
  'executing',
  'verifying',
  'failed',
] as const satisfies readonly RequestState[];

export const intakeChannels = ['email', 'web_form', 'letter', 'phone', 'in_person', 'other'] as const;

/**
 * One erasure request (GDPR Art. 17). The subject's identifiers and the requester's contact
 * are a secret box while the work needs them and null afterwards; `subject_hashes` (HMAC)
 * stay so a subject who reappears is recognised.
 */
export const erasureRequests = pgTable(
  'privacy_erasure_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Short human reference (ER-YYYYMMDD-xxxx) for letters and the evidence. */
    reference: text('reference').notNull(),
    state: text('state', { enum: requestStates }).notNull().default('received'),
    /** Secret box of `{ identifiers, requester }`; null once wiped. */
    subject: text('subject'),
    subjectHashes: text('subject_hashes').array().notNull().default(sql`'{}'::text[]`),
    /** Which kinds of identifier were given (not their values), for the list view. */
    identifierKinds: text('identifier_kinds').array().notNull().default(sql`'{}'::text[]`),
    channel: text('channel', { enum: intakeChannels }).notNull(),
    receivedOn: date('received_on', { mode: 'string' }).notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    extendedDueOn: date('extended_due_on', { mode: 'string' }),
    extensionReason: text('extension_reason'),
    extensionNoticeOn: date('extension_notice_on', { mode: 'string' }),
    verificationMethod: text('verification_method'),
    verifiedAt: ts('verified_at'),
    verifiedBy: text('verified_by'),
    /** Dry-run counts per store, table and category. */
    discovery: jsonb('discovery'),
    discoveredAt: ts('discovered_at'),
    discoveredById: uuid('discovered_by_id'),
    approvalRequestedById: uuid('approval_requested_by_id'),
    approvedAt: ts('approved_at'),
    approvedBy: text('approved_by'),
    approvedById: uuid('approved_by_id'),
    rejectedReason: text('rejected_reason'),
    /** What was refused (holds and exemptions applied), recorded at approval. */
    refusals: jsonb('refusals'),
    jobId: uuid('job_id'),
    /** The signed evidence document and its Ed25519 signature (base64). */
    evidence: jsonb('evidence'),
    evidenceSignature: text('evidence_signature'),
    completedAt: ts('completed_at'),
    identifiersWipedAt: ts('identifiers_wiped_at'),
    /** A re-run of an earlier request for the same subject (e.g. after a backup restore). */
    rerunOf: uuid('rerun_of'),
    createdById: uuid('created_by_id'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('privacy_erasure_requests_reference_key').on(t.reference),
    // The deadline dashboard: open requests by due date.
    index('privacy_erasure_requests_state_due_idx').on(t.state, t.dueOn),
    index('privacy_erasure_requests_created_idx').on(t.createdAt, t.id),
    // "Has this subject been erased before?" (array containment).
    index('privacy_erasure_requests_hashes_idx').using('gin', t.subjectHashes),
    check('privacy_erasure_requests_state_known', sql`${t.state} = any(${sqlTextArray(requestStates)})`),
    check(
      'privacy_erasure_requests_extension_complete',
      sql`${t.extendedDueOn} is null or (${t.extensionReason} is not null and ${t.extensionNoticeOn} is not null)`,
    ),
  ],
);

export const taskStates = ['pending', 'running', 'succeeded', 'failed', 'refused'] as const;
export type TaskState = (typeof taskStates)[number];

/** One store's share of an erasure request: what the job did there, shown live on the page. */
export const erasureTasks = pgTable(
  'privacy_erasure_tasks',
  {
    requestId: uuid('request_id')
      .notNull()
      .references(() => erasureRequests.id, { onDelete: 'cascade' }),
    storeId: uuid('store_id').notNull(),
    storeName: text('store_name').notNull(),
    storeKind: text('store_kind', { enum: storeKinds }).notNull(),
    state: text('state', { enum: taskStates }).notNull().default('pending'),
    /** Per target (table or key pattern): method, categories, records erased. */
    result: jsonb('result'),
    remaining: integer('remaining'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'privacy_erasure_tasks_pkey', columns: [t.requestId, t.storeId] }),
    check('privacy_erasure_tasks_state_known', sql`${t.state} = any(${sqlTextArray(taskStates)})`),
  ],
);

export const holdKinds = ['legal_hold', 'exemption'] as const;
/** GDPR Art. 17(3) grounds, and a litigation hold. */
export const holdGrounds = [
  'art17_3_a_expression',
  'art17_3_b_legal_obligation',
  'art17_3_c_public_health',
  'art17_3_d_archiving_research',
  'art17_3_e_legal_claims',
  'litigation_hold',
] as const;

/** A legal hold or Art. 17(3) exemption on a store and/or a data category, until it expires. */
export const privacyHolds = pgTable(
  'privacy_holds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind', { enum: holdKinds }).notNull(),
    ground: text('ground', { enum: holdGrounds }).notNull(),
    storeId: uuid('store_id').references(() => privacyStores.id, { onDelete: 'cascade' }),
    /** A dotted category; a prefix ending in `.*` covers everything below it. */
    category: text('category'),
    description: text('description').notNull(),
    expiresOn: date('expires_on', { mode: 'string' }),
    releasedAt: ts('released_at'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    check('privacy_holds_scope', sql`${t.storeId} is not null or ${t.category} is not null`),
    check('privacy_holds_kind_known', sql`${t.kind} = any(${sqlTextArray(holdKinds)})`),
    check('privacy_holds_ground_known', sql`${t.ground} = any(${sqlTextArray(holdGrounds)})`),
  ],
);

export const retentionActions = ['delete', 'anonymise'] as const;

/** How long a category may be kept in a store (optionally per tenant), and what happens after. */
export const retentionPolicies = pgTable(
  'privacy_retention_policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    category: text('category').notNull(),
    storeId: uuid('store_id')
      .notNull()
      .references(() => privacyStores.id, { onDelete: 'cascade' }),
    tenant: text('tenant'),
    maxAgeDays: integer('max_age_days').notNull(),
    action: text('action', { enum: retentionActions }).notNull(),
    enabled: integer('enabled').notNull().default(1),
    lastRunAt: ts('last_run_at'),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('privacy_retention_policies_scope_key').on(t.category, t.storeId, sql`coalesce(${t.tenant}, '')`),
    check('privacy_retention_policies_age_positive', sql`${t.maxAgeDays} > 0`),
    check('privacy_retention_policies_action_known', sql`${t.action} = any(${sqlTextArray(retentionActions)})`),
  ],
);

/** The legal minimum per category (prefix match) that no policy may undercut. */
export const retentionFloors = pgTable('privacy_retention_floors', {
  category: text('category').primaryKey(),
  minDays: integer('min_days').notNull(),
  basis: text('basis').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** One purge run of a policy; its signed evidence. */
export const retentionRuns = pgTable(
  'privacy_retention_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    policyId: uuid('policy_id')
      .notNull()
      .references(() => retentionPolicies.id, { onDelete: 'cascade' }),
    jobId: uuid('job_id'),
    cutoff: ts('cutoff').notNull(),
    rows: integer('rows').notNull().default(0),
    evidence: jsonb('evidence'),
    evidenceSignature: text('evidence_signature'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [index('privacy_retention_runs_policy_idx').on(t.policyId, t.startedAt)],
);

/** A training dataset, with the model versions trained on it. */
export const privacyDatasets = pgTable(
  'privacy_datasets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    subjectCount: integer('subject_count').notNull().default(0),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('privacy_datasets_name_key').on(sql`lower(${t.name})`)],
);

/** The keyed hashes (HMAC) of the subject identifiers present in a dataset. */
export const datasetSubjects = pgTable(
  'privacy_dataset_subjects',
  {
    datasetId: uuid('dataset_id')
      .notNull()
      .references(() => privacyDatasets.id, { onDelete: 'cascade' }),
    subjectHash: text('subject_hash').notNull(),
  },
  (t) => [
    primaryKey({ name: 'privacy_dataset_subjects_pkey', columns: [t.datasetId, t.subjectHash] }),
    // The erasure check: which datasets hold this hash.
    index('privacy_dataset_subjects_hash_idx').on(t.subjectHash),
  ],
);

/**
 * A model version trained on a dataset. The models context does not exist yet, so a
 * version is referenced by name + label; a later migration can link it by id.
 */
export const datasetModels = pgTable(
  'privacy_dataset_models',
  {
    datasetId: uuid('dataset_id')
      .notNull()
      .references(() => privacyDatasets.id, { onDelete: 'cascade' }),
    modelName: text('model_name').notNull(),
    versionLabel: text('version_label').notNull(),
  },
  (t) => [primaryKey({ name: 'privacy_dataset_models_pkey', columns: [t.datasetId, t.modelName, t.versionLabel] })],
);

export const modelDecisions = ['retrain', 'retire', 'keep'] as const;

/** A model version flagged by an erasure request, and the operator's decision on it. */
export const modelFlags = pgTable(
  'privacy_model_flags',
  {
    requestId: uuid('request_id')
      .notNull()
      .references(() => erasureRequests.id, { onDelete: 'cascade' }),
    datasetId: uuid('dataset_id').notNull(),
    datasetName: text('dataset_name').notNull(),
    modelName: text('model_name').notNull(),
    versionLabel: text('version_label').notNull(),
    decision: text('decision', { enum: modelDecisions }),
    justification: text('justification'),
    decidedBy: text('decided_by'),
    decidedAt: ts('decided_at'),
  },
  (t) => [
    primaryKey({
      name: 'privacy_model_flags_pkey',
      columns: [t.requestId, t.datasetId, t.modelName, t.versionLabel],
    }),
    check(
      'privacy_model_flags_keep_justified',
      sql`${t.decision} is distinct from 'keep' or coalesce(length(${t.justification}), 0) > 0`,
    ),
  ],
);

/** Callbacks from webhook processors, keyed by the task they complete. */
export const webhookCallbacks = pgTable('privacy_webhook_callbacks', {
  requestId: uuid('request_id')
    .notNull()
    .references(() => erasureRequests.id, { onDelete: 'cascade' }),
  storeId: uuid('store_id').notNull(),
  status: text('status').notNull(),
  records: integer('records').notNull().default(0),
  receivedAt: ts('received_at').notNull().defaultNow(),
}, (t) => [primaryKey({ name: 'privacy_webhook_callbacks_pkey', columns: [t.requestId, t.storeId] })]);
