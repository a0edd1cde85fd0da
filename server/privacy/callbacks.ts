import { and, eq } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { erasureTasks, privacyStores, webhookCallbacks } from '../../db/schema/privacy';
import { recordAudit } from '../audit';
import { InputError, NotFoundError, UnauthorizedError } from '../core/errors';
import { verifyBodySignature, webhookCallbackSchema } from './connectors';
import { webhookSecret } from './stores';

/**
 * Stores a webhook processor's completion callback after checking its signature with the
 * store's shared secret (HMAC-SHA256, timestamped; replays older than 5 minutes refused).
 * Idempotent: a repeated callback overwrites the same row. The job waiting for it reads it.
 */
export async function receiveWebhookCallback(rawBody: string, signature: string | null): Promise<{ ok: true }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new InputError('The callback body is not JSON.');
  }
  const result = webhookCallbackSchema.safeParse(parsed);
  if (!result.success) throw new InputError('The callback body does not have the expected fields (requestId, storeId, status, records).');
  const cb = result.data;
  const secret = await webhookSecret(cb.storeId);
  if (!secret) throw new NotFoundError('No such webhook store.');
  if (!verifyBodySignature(secret, rawBody, signature)) throw new UnauthorizedError('The callback signature is missing, stale or wrong.');
  const db = getDb();
  await db.transaction(async (tx) => {
    const [task] = await tx
      .select({ storeName: erasureTasks.storeName })
      .from(erasureTasks)
      .where(and(eq(erasureTasks.requestId, cb.requestId), eq(erasureTasks.storeId, cb.storeId)));
    if (!task) throw new NotFoundError('No erasure task of this store for that request.');
    const [store] = await tx.select({ name: privacyStores.name }).from(privacyStores).where(eq(privacyStores.id, cb.storeId));
    await tx
      .insert(webhookCallbacks)
      .values({ requestId: cb.requestId, storeId: cb.storeId, status: cb.status, records: cb.records })
      .onConflictDoUpdate({
        target: [webhookCallbacks.requestId, webhookCallbacks.storeId],
        set: { status: cb.status, records: cb.records, receivedAt: new Date() },
      });
    await recordAudit(tx, {
      actor: { id: null, name: `processor:${store?.name ?? cb.storeId}`, roles: [] },
      action: 'privacy.webhook.callback',
      targetType: 'privacy_erasure_request',
      targetId: cb.requestId,
      after: { storeId: cb.storeId, status: cb.status, records: cb.records },
    });
  });
  return { ok: true };
}
