import { desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents } from '../../../db/schema/audit';
import { type VerifyProgress, chainHash, runAuditVerification, verifyAuditChain } from '../../../server/audit';
import { seedAuditEvents } from '../../support/audit-seed';
import { createTestDatabase, type TestDatabase } from '../../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

/** Runs SQL as superuser with triggers off: what an attacker with database access could do. */
function tamper(statement: string) {
  return database.superuser(
    `set session_replication_role = replica; ${statement}; set session_replication_role = origin;`,
  );
}

const N = 250;
beforeEach(async () => {
  await tamper('delete from audit_events');
  await seedAuditEvents(database.db, N);
});

describe('verifyAuditChain', () => {
  it('accepts an intact chain, reading it in batches and reporting progress', async () => {
    const progress: VerifyProgress[] = [];
    const result = await verifyAuditChain({ batchSize: 100, onProgress: (p) => void progress.push(p) });
    expect(result).toMatchObject({ ok: true, checked: N, problem: null });
    const [last] = await database.db.select().from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
    expect(result.head).toEqual({ id: last!.id, hash: last!.hash });
    // Three queries of at most 100 rows: memory is bounded by the batch, not the table.
    expect(progress.map((p) => p.checked)).toEqual([100, 200, 250]);
    expect(progress.every((p) => p.total === N)).toBe(true);
  });

  it('accepts an empty trail', async () => {
    await tamper('delete from audit_events');
    expect(await verifyAuditChain()).toMatchObject({ ok: true, checked: 0, head: null, problem: null });
  });

  it('finds an event whose content was changed behind the trigger (hash mismatch)', async () => {
    await tamper(`update audit_events set actor_name = 'mallory' where id = 137`);
    const result = await verifyAuditChain({ batchSize: 50 });
    expect(result.ok).toBe(false);
    expect(result.problem).toMatchObject({ kind: 'hash', id: 137 });
    expect(result.checked).toBe(136);
    expect(result.head?.id).toBe(136);
  });

  it('finds a change to the before/after payload', async () => {
    await tamper(`update audit_events set after = '{"name":"innocent"}' where id = 42`);
    expect((await verifyAuditChain()).problem).toMatchObject({ kind: 'hash', id: 42 });
  });

  it('finds an edited event whose own hash was recomputed, at the next event (link broken)', async () => {
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, 80));
    const forged = chainHash(row!.prevHash, { ...row!, action: 'user.read' });
    await tamper(`update audit_events set action = 'user.read', hash = '${forged}' where id = 80`);
    const result = await verifyAuditChain();
    expect(result.problem).toEqual({ kind: 'link', id: 81, expectedPrevHash: forged, actualPrevHash: row!.hash });
  });

  it('finds a deleted event as a gap in the ids', async () => {
    await tamper('delete from audit_events where id = 200');
    const result = await verifyAuditChain({ batchSize: 64 });
    expect(result.problem).toEqual({ kind: 'gap', id: 201, expectedId: 200 });
    expect(result.checked).toBe(199);
  });

  it('finds a deleted first event', async () => {
    await tamper('delete from audit_events where id = 1');
    expect((await verifyAuditChain()).problem).toEqual({ kind: 'gap', id: 2, expectedId: 1 });
  });

  it('finds a deleted event even when the ids were renumbered to hide the gap (link broken)', async () => {
    await tamper(`create temp table moved as select * from audit_events where id > 120;
      update moved set id = id - 1;
      delete from audit_events where id >= 120;
      insert into audit_events overriding system value select * from moved;
      drop table moved`);
    // The id is part of the hashed content, so the first renumbered event no longer matches
    // its predecessor's hash nor its own.
    const result = await verifyAuditChain();
    expect(result.problem).toMatchObject({ kind: 'link', id: 120 });
  });

  it('finds a rewritten prev_hash (link broken)', async () => {
    await tamper(`update audit_events set prev_hash = repeat('0', 64) where id = 3`);
    expect((await verifyAuditChain()).problem).toMatchObject({ kind: 'link', id: 3, actualPrevHash: '0'.repeat(64) });
  });

  it('stops when asked to', async () => {
    const controller = new AbortController();
    const run = verifyAuditChain({
      batchSize: 10,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.checked >= 30) controller.abort();
      },
    });
    await expect(run).rejects.toThrow();
  });
});

describe('runAuditVerification', () => {
  it('records who verified and the outcome, and the chain stays valid', async () => {
    const actor = { id: null, name: 'auditor-anna', roles: ['auditor'], requestId: 'r-9', clientAddress: '10.1.1.1' };
    const result = await runAuditVerification({ actor });
    expect(result.ok).toBe(true);
    const [event] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, result.eventId));
    expect(event).toMatchObject({ action: 'audit.verify', actorName: 'auditor-anna', targetType: 'audit_chain' });
    expect(event!.after).toMatchObject({ ok: true, checked: N, head: { id: N, hash: result.head!.hash }, problem: null });
    expect((await verifyAuditChain()).checked).toBe(N + 1);
  });

  it('records a failed verification with the problem it found', async () => {
    await tamper('delete from audit_events where id = 10');
    const result = await runAuditVerification({ actor: { id: null, name: 'anna', roles: ['auditor'] } });
    expect(result.ok).toBe(false);
    const [event] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, result.eventId));
    expect(event!.after).toMatchObject({ ok: false, problem: { kind: 'gap', id: 11, expectedId: 10 } });
  });
});

describe('verifyAuditChain with an anchor kept elsewhere', () => {
  it('accepts a chain that still holds the recorded head, events appended since included', async () => {
    const { head } = await verifyAuditChain();
    await seedAuditEvents(database.db, 5);
    expect(await verifyAuditChain({ anchor: head! })).toMatchObject({ ok: true, checked: N + 5 });
  });

  it('finds events removed from the end, which the chain alone cannot show', async () => {
    const { head } = await verifyAuditChain();
    await tamper(`delete from audit_events where id > ${N - 3}`);
    expect((await verifyAuditChain()).ok).toBe(true);
    expect((await verifyAuditChain({ anchor: head! })).problem).toEqual({
      kind: 'anchor',
      id: N,
      expectedHash: head!.hash,
      actualHash: null,
    });
  });

  it('finds a rebuilt chain: same id, another hash', async () => {
    const { head } = await verifyAuditChain();
    expect((await verifyAuditChain({ anchor: { id: 100, hash: 'f'.repeat(64) } })).problem).toMatchObject({
      kind: 'anchor',
      id: 100,
      expectedHash: 'f'.repeat(64),
    });
    expect((await verifyAuditChain({ anchor: head! })).ok).toBe(true);
  });
});
