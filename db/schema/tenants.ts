import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** active → archived (archiving removes the namespace and the gateway entry; the row stays for the record). */
export const tenantStatuses = ['active', 'archived'] as const;
export type TenantStatus = (typeof tenantStatuses)[number];

/** The period a token budget counts over (calendar day or month, UTC). */
export const budgetPeriods = ['day', 'month'] as const;
export type BudgetPeriod = (typeof budgetPeriods)[number];

export interface TenantContact {
  name: string;
  email: string;
}

/**
 * Hard limits of the tenant's ResourceQuota. `gpus` and `mig` are device counts; cpu and
 * memory are Kubernetes quantities as typed ("64", "500m", "256Gi"); null = no limit.
 */
export interface TenantQuota {
  gpus: number | null;
  mig: Record<string, number>;
  cpu: string | null;
  memory: string | null;
  pods: number | null;
}

/** LimitRange defaults for containers that do not say what they need. */
export interface TenantLimitDefaults {
  cpuRequest: string | null;
  cpuLimit: string | null;
  memoryRequest: string | null;
  memoryLimit: string | null;
}

/**
 * A tenant: a team or application that gets a namespace `tenant-<slug>`, a GPU quota, and
 * gateway limits (token budget, rate limits, allowed models).
 */
export const tenants = pgTable(
  'tenants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Immutable: it names the namespace. */
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    namespace: text('namespace').notNull(),
    costCentre: text('cost_centre'),
    contacts: jsonb('contacts').$type<TenantContact[]>().notNull().default([]),
    status: text('status', { enum: tenantStatuses }).notNull().default('active'),
    quota: jsonb('quota').$type<TenantQuota>(),
    limitDefaults: jsonb('limit_defaults').$type<TenantLimitDefaults>(),
    /** Tokens per period; null = no budget. */
    tokenBudget: bigint('token_budget', { mode: 'number' }),
    budgetPeriod: text('budget_period', { enum: budgetPeriods }).notNull().default('month'),
    /** Percent of the budget at which an alert is raised (soft threshold). */
    alertThresholdPercent: integer('alert_threshold_percent').notNull().default(80),
    requestsPerMinute: integer('requests_per_minute'),
    tokensPerMinute: integer('tokens_per_minute'),
    /** Bumped on every change (optimistic concurrency for forms, gateway config diffs). */
    revision: integer('revision').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true, precision: 3 }),
  },
  (t) => [
    uniqueIndex('tenants_slug_key').on(t.slug),
    uniqueIndex('tenants_namespace_key').on(t.namespace),
    index('tenants_status_name_idx').on(t.status, t.name),
    check('tenants_alert_threshold_range', sql`${t.alertThresholdPercent} between 1 and 100`),
    check('tenants_token_budget_positive', sql`${t.tokenBudget} is null or ${t.tokenBudget} >= 0`),
  ],
);

/** Models a tenant may use, each with optional per-model rate limits. */
export const tenantModels = pgTable(
  'tenant_models',
  {
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    model: text('model').notNull(),
    requestsPerMinute: integer('requests_per_minute'),
    tokensPerMinute: integer('tokens_per_minute'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.model], name: 'tenant_models_pk' })],
);

/**
 * Every published version of the gateway limits (the JSON in the gateway ConfigMap). A new
 * row only when the content changes; the ConfigMap carries the newest version.
 */
export const gatewayConfigVersions = pgTable(
  'gateway_config_versions',
  {
    version: integer('version').primaryKey(),
    /** SHA-256 of the content without version and timestamp: equal content, equal hash. */
    contentHash: text('content_hash').notNull(),
    content: jsonb('content').notNull(),
    publishedAt: timestamp('published_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    publishedBy: text('published_by').notNull(),
  },
  (t) => [index('gateway_config_versions_hash_idx').on(t.contentHash)],
);
