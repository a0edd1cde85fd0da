import { asc, count, gt } from 'drizzle-orm';
import { type Database, getDb } from '../../db/client';
import { auditEvents } from '../../db/schema/audit';
import { type AuditActor, chainHash, recordAudit } from './record';

/** The first place the chain is broken, and how. */
export type ChainProblem =
  /** An id is missing: `id` is the first event after the hole, `expectedId` the one that is gone. */
  | { kind: 'gap'; id: number; expectedId: number }
  /** The event's prev_hash is not the hash of the event before it (that one was replaced or removed). */
  | { kind: 'link'; id: number; expectedPrevHash: string; actualPrevHash: string }
  /** The event's content no longer matches its own hash (it was edited). */
  | { kind: 'hash'; id: number; storedHash: string; computedHash: string }
  /**
   * The chain is intact but does not hold the head recorded earlier (`anchor`): events
   * were removed from its end (actualHash null) or it was rebuilt (another hash).
   */
  | { kind: 'anchor'; id: number; expectedHash: string; actualHash: string | null };

export interface ChainVerification {
  ok: boolean;
  /** Events checked (all of them when ok). */
  checked: number;
  /** The last intact event: record it elsewhere to detect a removed tail later. */
  head: { id: number; hash: string } | null;
  problem: ChainProblem | null;
  ms: number;
}

export interface VerifyProgress {
  checked: number;
  /** Events in the table when the walk began (grows if events arrive meanwhile). */
  total: number;
  lastId: number;
}

export interface VerifyOptions {
  onProgress?: (progress: VerifyProgress) => void | Promise<void>;
  /** Rows per query; memory stays bounded by this, not by the table. */
  batchSize?: number;
  signal?: AbortSignal;
  /** A head kept outside the database (printed by an earlier run); the chain must still contain it. */
  anchor?: { id: number; hash: string };
  db?: Database;
}

/**
 * Walks the whole chain in id order, batch by batch, recomputing every hash; stops at
 * the first broken event and names it.
 */
export async function verifyAuditChain({
  onProgress,
  batchSize = 2000,
  signal,
  anchor,
  db = getDb(),
}: VerifyOptions = {}): Promise<ChainVerification> {
  const started = performance.now();
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(auditEvents);
  let total = Number(n);
  let checked = 0;
  let expectedId = 1;
  let prevHash = '';
  let head: ChainVerification['head'] = null;
  const done = (problem: ChainProblem | null): ChainVerification => ({
    ok: problem === null,
    checked,
    head,
    problem,
    ms: Math.round(performance.now() - started),
  });
  for (;;) {
    signal?.throwIfAborted();
    const rows = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.id, expectedId - 1))
      .orderBy(asc(auditEvents.id))
      .limit(batchSize);
    for (const row of rows) {
      if (row.id !== expectedId) return done({ kind: 'gap', id: row.id, expectedId });
      if (row.prevHash !== prevHash) {
        return done({ kind: 'link', id: row.id, expectedPrevHash: prevHash, actualPrevHash: row.prevHash });
      }
      const computed = chainHash(row.prevHash, row);
      if (computed !== row.hash) return done({ kind: 'hash', id: row.id, storedHash: row.hash, computedHash: computed });
      if (anchor && row.id === anchor.id && row.hash !== anchor.hash) {
        return done({ kind: 'anchor', id: anchor.id, expectedHash: anchor.hash, actualHash: row.hash });
      }
      checked += 1;
      expectedId = row.id + 1;
      prevHash = row.hash;
      head = { id: row.id, hash: row.hash };
    }
    total = Math.max(total, checked);
    if (rows.length > 0) await onProgress?.({ checked, total, lastId: expectedId - 1 });
    if (rows.length < batchSize) {
      if (anchor && (head?.id ?? 0) < anchor.id) {
        return done({ kind: 'anchor', id: anchor.id, expectedHash: anchor.hash, actualHash: null });
      }
      return done(null);
    }
  }
}

/**
 * Verifies the chain for a person and appends an `audit.verify` event with the outcome,
 * so the trail shows who checked it, when, and what they were told.
 */
export async function runAuditVerification({
  actor,
  ...options
}: VerifyOptions & { actor: AuditActor }): Promise<ChainVerification & { eventId: number }> {
  const db = options.db ?? getDb();
  const result = await verifyAuditChain({ ...options, db });
  const { id } = await db.transaction((tx) =>
    recordAudit(tx, {
      actor,
      action: 'audit.verify',
      targetType: 'audit_chain',
      after: { ok: result.ok, checked: result.checked, head: result.head, problem: result.problem },
    }),
  );
  return { ...result, eventId: id };
}
