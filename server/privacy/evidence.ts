import { asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { erasureRequests, erasureTasks, modelFlags } from '../../db/schema/privacy';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError } from '../core/errors';
import { type SignedDocument, signDocument, verifyDocument } from './crypto';
import { privacyMessages as pm } from './messages';

/** Per target, what the erasure did (recorded on the task by the job). */
export interface TargetResult {
  target: string;
  categories: string[];
  method: string;
  /** Records found just before erasing (the step's own count). */
  found: number;
  /** Records the erasing statements changed in the attempt that recorded the step. */
  changed: number;
  /** What the evidence reports: see README "Counting after a crash". */
  records: number;
  erasedAt: string;
}

export interface ErasureEvidence {
  type: 'leitstand.erasure-evidence';
  version: 1;
  request: {
    id: string;
    reference: string;
    channel: string;
    receivedOn: string;
    dueOn: string;
    extendedDueOn: string | null;
    extensionReason: string | null;
    identifierKinds: string[];
    /** Keyed hashes (HMAC-SHA256) of the identifiers; the identifiers themselves are wiped. */
    subjectHashes: string[];
    rerunOf: string | null;
  };
  identityVerification: { method: string | null; at: string | null; by: string | null };
  approval: { by: string | null; at: string | null };
  stores: {
    storeId: string;
    name: string;
    kind: string;
    state: string;
    targets: TargetResult[];
    records: number;
    verifiedRemaining: number | null;
  }[];
  refusals: unknown[];
  models: { dataset: string; model: string; version: string; decision: string | null; justification: string | null; decidedBy: string | null; decidedAt: string | null }[];
  totalRecords: number;
  outcome: 'completed' | 'partially_refused';
  completedAt: string;
  issuer: 'Leitstand';
}

/**
 * Closes a verified request: builds the evidence, signs it (Ed25519), wipes the sealed
 * identifiers (only the keyed hashes stay), and audits — in the caller's transaction.
 * Refused while a flagged model version awaits its decision.
 */
export async function finalizeRequest(tx: Tx, requestId: string, actor: AuditActor): Promise<SignedDocument<ErasureEvidence>> {
  const [row] = await tx.select().from(erasureRequests).where(eq(erasureRequests.id, requestId)).for('update');
  if (!row) throw new ConflictError('The request vanished.');
  if (row.evidence) return row.evidence as SignedDocument<ErasureEvidence>;
  const tasks = await tx.select().from(erasureTasks).where(eq(erasureTasks.requestId, requestId)).orderBy(asc(erasureTasks.storeName));
  const flags = await tx.select().from(modelFlags).where(eq(modelFlags.requestId, requestId)).orderBy(asc(modelFlags.modelName), asc(modelFlags.versionLabel));
  if (flags.some((f) => !f.decision)) throw new ConflictError(pm.decideModelsFirst);
  const refusals = (row.refusals as unknown[] | null) ?? [];
  const completedAt = new Date().toISOString();
  const stores = tasks.map((t) => {
    const targets = ((t.result as TargetResult[] | null) ?? []).slice();
    return {
      storeId: t.storeId,
      name: t.storeName,
      kind: t.storeKind,
      state: t.state,
      targets,
      records: targets.reduce((s, x) => s + x.records, 0),
      verifiedRemaining: t.remaining,
    };
  });
  const outcome = refusals.length ? 'partially_refused' : 'completed';
  const evidence: ErasureEvidence = {
    type: 'leitstand.erasure-evidence',
    version: 1,
    request: {
      id: row.id,
      reference: row.reference,
      channel: row.channel,
      receivedOn: row.receivedOn,
      dueOn: row.dueOn,
      extendedDueOn: row.extendedDueOn,
      extensionReason: row.extensionReason,
      identifierKinds: row.identifierKinds,
      subjectHashes: row.subjectHashes,
      rerunOf: row.rerunOf,
    },
    identityVerification: { method: row.verificationMethod, at: row.verifiedAt?.toISOString() ?? null, by: row.verifiedBy },
    approval: { by: row.approvedBy, at: row.approvedAt?.toISOString() ?? null },
    stores,
    refusals,
    models: flags.map((f) => ({
      dataset: f.datasetName,
      model: f.modelName,
      version: f.versionLabel,
      decision: f.decision,
      justification: f.justification,
      decidedBy: f.decidedBy,
      decidedAt: f.decidedAt?.toISOString() ?? null,
    })),
    totalRecords: stores.reduce((s, x) => s + x.records, 0),
    outcome,
    completedAt,
    issuer: 'Leitstand',
  };
  const signed = signDocument(evidence);
  await tx
    .update(erasureRequests)
    .set({
      state: outcome,
      evidence: signed,
      evidenceSignature: signed.signature,
      completedAt: new Date(completedAt),
      subject: null,
      identifiersWipedAt: new Date(completedAt),
      updatedAt: new Date(),
    })
    .where(eq(erasureRequests.id, requestId));
  await recordAudit(tx, {
    actor,
    action: 'privacy.erasure.complete',
    targetType: 'privacy_erasure_request',
    targetId: requestId,
    before: { state: row.state },
    after: { state: outcome, reference: row.reference, totalRecords: evidence.totalRecords, refusals: refusals.length, evidenceKeyId: signed.keyId, identifiersWiped: true },
  });
  return signed;
}

export type EvidenceCheck = ReturnType<typeof verifyDocument>;

/** Verifies a signed evidence document (optionally against a pinned public key). */
export function verifyEvidence(signed: SignedDocument, trustedPublicKey?: string): EvidenceCheck {
  return verifyDocument(signed, trustedPublicKey);
}
