import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { getDb } from '../../db/client';
import { erasureRequests, erasureTasks, modelFlags, webhookCallbacks } from '../../db/schema/privacy';
import { type AuditActor, recordAudit } from '../audit';
import { defineJobType, type JobContext, PermanentJobError } from '../jobs';
import { type CallbackPort, type Connector, connectorMessage, type Target } from './connectors';
import { openJson, type SubjectIdentifier } from './crypto';
import { finalizeRequest, type TargetResult } from './evidence';
import { connectStore } from './stores';

/** The worker's identity in audit events. */
export const erasureJobActor: AuditActor = { id: null, name: 'privacy erasure job', roles: [] };

/** Callbacks of webhook processors, as the callback route stored them. */
export const dbCallbacks: CallbackPort = {
  async get(requestId, storeId) {
    const [row] = await getDb()
      .select({ status: webhookCallbacks.status, records: webhookCallbacks.records })
      .from(webhookCallbacks)
      .where(and(eq(webhookCallbacks.requestId, requestId), eq(webhookCallbacks.storeId, storeId)));
    return row ?? null;
  },
};

interface Payload {
  requestId: string;
}

/**
 * Executes an approved erasure request: per store, per target (children before parents),
 * a recorded count and a recorded erase step — so a crash, a kill or a retry resumes at
 * the first target not yet recorded, and a repeated erase is harmless (connectors are
 * idempotent). Then every store is queried again and must hold nothing; then the request
 * is closed with signed evidence (unless a flagged model version still awaits a decision).
 */
export const erasureJob = defineJobType<Payload>('privacy.erasure', {
  payload: z.object({ requestId: z.uuid() }),
  maxAttempts: 3,
  backoff: { baseMs: 1_000, maxMs: 60_000 },
  timeoutMs: 60 * 60_000,
  handler: runErasure,
});

async function runErasure(ctx: JobContext<Payload>) {
  const { requestId } = ctx.payload;
  const db = getDb();
  const [request] = await db.select().from(erasureRequests).where(eq(erasureRequests.id, requestId));
  if (!request) throw new PermanentJobError('the erasure request no longer exists');
  if (request.state === 'completed' || request.state === 'partially_refused') return { already: request.state };
  if (!request.subject) throw new PermanentJobError('the identifiers of the request are gone');
  const { identifiers } = openJson<{ identifiers: SubjectIdentifier[] }>(request.subject, `erasure:${requestId}`);
  const refused = new Set(((request.refusals as { storeId: string; target: string }[] | null) ?? []).map((r) => `${r.storeId}/${r.target}`));
  const tasks = (await db.select().from(erasureTasks).where(eq(erasureTasks.requestId, requestId)).orderBy(asc(erasureTasks.storeName))).filter((t) => t.state !== 'refused');

  const connectors = new Map<string, Connector>();
  const plans = new Map<string, Target[]>();
  try {
    for (const task of tasks) {
      await guard(ctx, task.storeId, request.reference, async () => {
        const { connector } = await connectStore(task.storeId);
        connectors.set(task.storeId, connector);
        const targets = await ctx.step(`plan:${task.storeId}`, () => connector.targets());
        plans.set(task.storeId, targets.filter((t) => !refused.has(`${task.storeId}/${t.key}`)));
      });
    }
    const total = [...plans.values()].reduce((s, t) => s + t.length, 0);
    let done = 0;
    await ctx.setProgress(0, total, 'erasing');

    for (const task of tasks) {
      const connector = connectors.get(task.storeId)!;
      const targets = plans.get(task.storeId)!;
      await guard(ctx, task.storeId, request.reference, async () => {
        await db
          .update(erasureTasks)
          .set({ state: 'running', attempts: task.attempts + 1, error: null, updatedAt: new Date() })
          .where(and(eq(erasureTasks.requestId, requestId), eq(erasureTasks.storeId, task.storeId)));
        const results: TargetResult[] = [];
        for (const target of targets) {
          const step = `${task.storeId}:${target.key}`;
          // What still holds data right before erasing: after a crash between the erase and
          // its record, the re-run changes nothing, and this count is what was erased.
          const found = await ctx.step(`count:${step}`, () => connector.verify(target, identifiers));
          const erased = await ctx.step(`erase:${step}`, async () => ({
            changed: await connector.erase(target, identifiers, { signal: ctx.signal, requestId, callbacks: dbCallbacks }),
            at: new Date().toISOString(),
          }));
          results.push({
            target: target.key,
            categories: target.categories,
            method: target.method,
            found,
            changed: erased.changed,
            records: Math.max(found, erased.changed),
            erasedAt: erased.at,
          });
          await db
            .update(erasureTasks)
            .set({ result: results, updatedAt: new Date() })
            .where(and(eq(erasureTasks.requestId, requestId), eq(erasureTasks.storeId, task.storeId)));
          done++;
          await ctx.setProgress(done, total, task.storeName);
        }
      });
    }

    // Not a recorded step: a retry sets the request back to executing, and an attempt that
    // resumes past this point must still show (and let decideModel see) that it verifies.
    // The state guard makes it idempotent: audited only when it changes.
    await db.transaction(async (tx) => {
      const [row] = await tx
        .update(erasureRequests)
        .set({ state: 'verifying', updatedAt: new Date() })
        .where(and(eq(erasureRequests.id, requestId), eq(erasureRequests.state, 'executing')))
        .returning();
      if (row) await recordAudit(tx, { actor: erasureJobActor, action: 'privacy.erasure.verifying', targetType: 'privacy_erasure_request', targetId: requestId, after: { state: row.state, reference: request.reference } });
    });
    // Verification runs on every attempt: it only reads, and must see what the stores hold now.
    for (const task of tasks) {
      const connector = connectors.get(task.storeId)!;
      await guard(ctx, task.storeId, request.reference, async () => {
        let remaining = 0;
        for (const target of plans.get(task.storeId)!) remaining += await connector.verify(target, identifiers);
        await db
          .update(erasureTasks)
          .set({ remaining, state: remaining === 0 ? 'succeeded' : 'failed', error: remaining === 0 ? null : `${remaining} records still found after erasure`, updatedAt: new Date() })
          .where(and(eq(erasureTasks.requestId, requestId), eq(erasureTasks.storeId, task.storeId)));
        if (remaining > 0) throw new Error(`verification found ${remaining} records in ${task.storeName}`);
      });
    }
  } finally {
    for (const c of connectors.values()) await c.close().catch(() => {});
  }

  const pending = await db.select().from(modelFlags).where(eq(modelFlags.requestId, requestId));
  if (pending.some((f) => !f.decision)) return { verified: true, awaitingModelDecisions: pending.filter((f) => !f.decision).length };
  const signed = await ctx.stepInTransaction('complete', (tx) => finalizeRequest(tx, requestId, erasureJobActor));
  return { verified: true, evidenceKeyId: signed.keyId };
}

/**
 * Runs one store's share; on failure records the task as failed with a message safe to
 * show, and on the last attempt marks the request failed (audited) so the page offers a
 * retry. An interruption (lease lost, shutdown, cancel) is passed on untouched.
 */
async function guard(ctx: JobContext<Payload>, storeId: string, reference: string, work: () => Promise<void>) {
  try {
    await work();
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const message = (error as Error).message?.startsWith('verification found') ? (error as Error).message : connectorMessage(error);
    const db = getDb();
    await db
      .update(erasureTasks)
      .set({ state: 'failed', error: message, updatedAt: new Date() })
      .where(and(eq(erasureTasks.requestId, ctx.payload.requestId), eq(erasureTasks.storeId, storeId)));
    ctx.log.warn({ storeId, attempt: ctx.job.attempt, error: message }, 'erasure task failed');
    if (ctx.job.attempt >= ctx.job.maxAttempts) {
      await db.transaction(async (tx) => {
        await tx.update(erasureRequests).set({ state: 'failed', updatedAt: new Date() }).where(eq(erasureRequests.id, ctx.payload.requestId));
        await recordAudit(tx, { actor: erasureJobActor, action: 'privacy.erasure.fail', targetType: 'privacy_erasure_request', targetId: ctx.payload.requestId, after: { state: 'failed', reference, storeId, error: message } });
      });
      throw new PermanentJobError(`erasure failed in store ${storeId}: ${message}`);
    }
    throw new Error(`erasure failed in store ${storeId}: ${message}`);
  }
}
