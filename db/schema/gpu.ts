import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * A GPU pool: a named selection of nodes by label (all labels must match). Pools may
 * overlap; a node belongs to every pool whose selector it matches.
 */
export const gpuPools = pgTable(
  'gpu_pools',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description'),
    selector: jsonb('selector').$type<Record<string, string>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('gpu_pools_name_key').on(t.name)],
);

export const dedicationTargets = ['node', 'pool'] as const;
export type DedicationTarget = (typeof dedicationTargets)[number];

/**
 * A node or pool dedicated to one tenant (by slug: the gpu context does not read the
 * tenants' tables). The nodes carry the dedication label and a NoSchedule taint.
 */
export const gpuDedications = pgTable(
  'gpu_dedications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    targetKind: text('target_kind', { enum: dedicationTargets }).notNull(),
    /** Node name, or pool name. */
    target: text('target').notNull(),
    tenant: text('tenant').notNull(),
    /** The nodes labelled and tainted when it was applied (a pool's nodes at that time). */
    nodes: jsonb('nodes').$type<string[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('gpu_dedications_target_key').on(t.targetKind, t.target), index('gpu_dedications_tenant_idx').on(t.tenant)],
);
