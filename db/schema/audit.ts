import { bigint, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Append-only, hash-chained audit trail. A trigger (migrations) refuses UPDATE, DELETE
 * and TRUNCATE; `hash` is SHA-256 over `prev_hash` and the event's canonical JSON.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    actorId: uuid('actor_id'),
    actorName: text('actor_name').notNull(),
    actorRoles: text('actor_roles').array().notNull(),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    requestId: text('request_id'),
    clientAddress: text('client_address'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    // Named before the actor-id index existed: it serves the filter by actor *name*.
    index('audit_events_actor_id_idx').on(t.actorName, t.id),
    index('audit_events_actor_uuid_idx').on(t.actorId, t.id),
    index('audit_events_action_id_idx').on(t.action, t.id),
    index('audit_events_target_id_idx').on(t.targetType, t.targetId, t.id),
    index('audit_events_occurred_at_idx').on(t.occurredAt, t.id),
  ],
);
