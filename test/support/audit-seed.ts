import { desc, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { auditEvents } from '../../db/schema/audit';
import { type AuditEventInput, auditFields, chainHash } from '../../server/audit/record';

const actions = ['user.create', 'user.update', 'user.delete', 'token.create', 'token.revoke', 'model.deploy', 'quota.update'];
const people = ['alice', 'bob', 'carol', 'dave', 'erin'];

/** A plausible event for position i (deterministic, so tests can predict filters). */
export function sampleEvent(i: number): AuditEventInput {
  return {
    actor: {
      id: null,
      name: people[i % people.length]!,
      roles: i % 2 === 0 ? ['admin'] : ['operator', 'auditor'],
      requestId: `req-${i}`,
      clientAddress: '127.0.0.1',
    },
    action: actions[i % actions.length]!,
    targetType: i % 3 === 0 ? 'user' : 'model',
    targetId: `t-${i % 100}`,
    before: i % 7 === 0 ? null : { name: `thing ${i}`, replicas: i % 5, labels: { team: 'ml' } },
    after: { name: `thing ${i}`, replicas: (i % 5) + 1, labels: { team: 'ml', tier: 'gold' } },
  };
}

/**
 * Appends `count` valid, chained events fast, continuing the existing chain: hashes are
 * computed here exactly as recordAudit does, and each batch goes in as one statement that
 * unpacks a JSON array (one parameter, so it works the same on postgres.js and PGlite).
 * Times advance one second per event from `start`.
 */
export async function seedAuditEvents(
  db: Database,
  count: number,
  { start = new Date('2025-01-01T00:00:00Z'), batch = 5000, make = sampleEvent } = {},
): Promise<{ firstId: number; lastId: number }> {
  const [last] = await db
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  let id = last?.id ?? 0;
  let prevHash = last?.hash ?? '';
  const firstId = id + 1;
  for (let done = 0; done < count; done += batch) {
    const rows = [];
    for (let i = done; i < Math.min(count, done + batch); i += 1) {
      id += 1;
      const fields = auditFields(id, new Date(start.getTime() + i * 1000), make(i));
      const hash = chainHash(prevHash, fields);
      rows.push({ ...fields, occurredAt: fields.occurredAt.toISOString(), prevHash, hash });
      prevHash = hash;
    }
    await db.execute(sql`
      insert into audit_events (id, occurred_at, actor_id, actor_name, actor_roles, action, target_type, target_id,
        before, after, request_id, client_address, prev_hash, hash)
      overriding system value
      select (r->>'id')::bigint, (r->>'occurredAt')::timestamptz, (r->>'actorId')::uuid, r->>'actorName',
        array(select jsonb_array_elements_text(r->'actorRoles')), r->>'action', r->>'targetType', r->>'targetId',
        nullif(r->'before', 'null'::jsonb), nullif(r->'after', 'null'::jsonb), r->>'requestId', r->>'clientAddress',
        r->>'prevHash', r->>'hash'
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as r`);
  }
  return { firstId, lastId: id };
}
