import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/** draft → published → archived. A published or archived version is never edited. */
export const policyVersionStatuses = ['draft', 'published', 'archived'] as const;
export type PolicyVersionStatus = (typeof policyVersionStatuses)[number];

/** A guard policy: a named series of versions. */
export const guardPolicies = pgTable(
  'guard_policies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('guard_policies_name_key').on(t.name)],
);

/**
 * One version of a policy. `definition` is the parsed definition (defaults applied);
 * `checksums` holds the artifact checksums per format, set at publication.
 */
export const guardPolicyVersions = pgTable(
  'guard_policy_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    policyId: uuid('policy_id')
      .notNull()
      .references(() => guardPolicies.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    status: text('status', { enum: policyVersionStatuses }).notNull().default('draft'),
    definition: jsonb('definition').$type<unknown>().notNull(),
    checksums: jsonb('checksums').$type<Record<string, string>>(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('guard_policy_versions_policy_version_key').on(t.policyId, t.version),
    // At most one published version per policy: it is what the gateway runs.
    uniqueIndex('guard_policy_versions_one_published_key').on(t.policyId).where(sql`${t.status} = 'published'`),
    check('guard_policy_versions_version_positive', sql`${t.version} > 0`),
  ],
);

/**
 * Which policy applies to a tenant × model pair. `''` means "any": ('', '') is the default,
 * (tenant, '') a tenant's default, ('', model) a model's default.
 */
export const guardAssignments = pgTable(
  'guard_assignments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantSlug: text('tenant_slug').notNull().default(''),
    model: text('model').notNull().default(''),
    policyId: uuid('policy_id')
      .notNull()
      .references(() => guardPolicies.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('guard_assignments_tenant_model_key').on(t.tenantSlug, t.model),
    index('guard_assignments_policy_idx').on(t.policyId),
  ],
);
