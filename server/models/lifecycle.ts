import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import { type Executor, getDb } from '../../db/client';
import { type ModelStage, modelDeployments, modelPromotions, modelVersions, models } from '../../db/schema/models';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, ForbiddenError, NotFoundError } from '../core/errors';
import { promotionProblems } from './promotion';
import { modelMessages as m, msg, promotionStatusWord, stageWord } from './messages';
import { findVersion } from './registry';
import { parseModelInput, promotionDecisionSchema, promotionRequestSchema, stageChangeSchema } from './validation';

export type ModelPromotion = typeof modelPromotions.$inferSelect;

/**
 * Allowed stage changes without approval. Production is reached only through an approved
 * promotion request (four eyes); retired is final.
 */
export const stageTransitions: Record<ModelStage, readonly ModelStage[]> = {
  draft: ['staging', 'retired'],
  staging: ['draft', 'retired'],
  production: ['deprecated'],
  deprecated: ['retired'],
  retired: [],
};

/** Stages from which a promotion to production may be requested. */
export const promotableStages: readonly ModelStage[] = ['staging', 'deprecated'];

/** Moves a version to another stage (not production: that needs an approved promotion). */
export async function setVersionStage(actor: AuditActor, modelName: string, label: string, input: unknown) {
  const data = parseModelInput(stageChangeSchema(), input);
  return getDb().transaction(async (tx) => {
    const found = await findVersion(tx, modelName, label);
    const [version] = await tx.select().from(modelVersions).where(eq(modelVersions.id, found.id)).for('update');
    const from = version!.stage;
    if (data.stage === 'production') {
      throw new ConflictError(m.productionNeedsApproval);
    }
    if (!stageTransitions[from].includes(data.stage)) {
      const [next, other] = stageTransitions[from];
      const stages = { from: stageWord(from), to: stageWord(data.stage) };
      throw new ConflictError(
        !next
          ? msg(m.stageTransitionFinal, stages)
          : other
            ? msg(m.stageTransitionEither, { ...stages, next: stageWord(next), other: stageWord(other) })
            : msg(m.stageTransition, { ...stages, next: stageWord(next) }),
      );
    }
    if (data.stage === 'retired') {
      const inUse = await tx
        .select({ name: modelDeployments.name, namespace: modelDeployments.namespace })
        .from(modelDeployments)
        .where(and(isNull(modelDeployments.removedAt), or(eq(modelDeployments.stableVersionId, version!.id), eq(modelDeployments.canaryVersionId, version!.id))));
      if (inUse.length) {
        throw new ConflictError(msg(m.stillRuns, { model: modelName, label, deployments: inUse.map((d) => `${d.namespace}/${d.name}`).join(', ') }));
      }
    }
    // Open promotion requests lapse when the version leaves the stages they were made from.
    await tx
      .update(modelPromotions)
      .set({ status: 'cancelled', decidedAt: sql`now()`, decidedByName: actor.name, decidedById: actor.id, decisionNote: `stage changed to ${data.stage}` })
      .where(and(eq(modelPromotions.versionId, version!.id), eq(modelPromotions.status, 'pending')));
    const [row] = await tx
      .update(modelVersions)
      .set({ stage: data.stage, stageChangedAt: sql`now()` })
      .where(eq(modelVersions.id, version!.id))
      .returning();
    await tx.update(models).set({ updatedAt: sql`now()` }).where(eq(models.id, version!.modelId));
    await recordAudit(tx, {
      actor,
      action: 'model.version.stage',
      targetType: 'model-version',
      targetId: `${modelName}@${label}`,
      before: { stage: from },
      after: { stage: data.stage, reason: data.reason || null },
    });
    return row!;
  });
}

/** Asks for a version to go to production; someone else with the operator or admin role approves. */
export async function requestPromotion(actor: AuditActor, modelName: string, label: string, input: unknown): Promise<ModelPromotion> {
  const data = parseModelInput(promotionRequestSchema(), input);
  return getDb().transaction(async (tx) => {
    const found = await findVersion(tx, modelName, label);
    const [version] = await tx.select().from(modelVersions).where(eq(modelVersions.id, found.id)).for('update');
    if (!promotableStages.includes(version!.stage)) {
      throw new ConflictError(msg(m.promoteFromStage, { model: modelName, label, stage: stageWord(version!.stage) }));
    }
    const [open] = await tx
      .select({ id: modelPromotions.id })
      .from(modelPromotions)
      .where(and(eq(modelPromotions.versionId, version!.id), eq(modelPromotions.status, 'pending')));
    if (open) throw new ConflictError(msg(m.waitsForApproval, { model: modelName, label }));
    const [row] = await tx
      .insert(modelPromotions)
      .values({ versionId: version!.id, fromStage: version!.stage, reason: data.reason, requestedById: actor.id, requestedByName: actor.name })
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'model.promotion.request',
      targetType: 'model-version',
      targetId: `${modelName}@${label}`,
      after: { promotion: row!.id, fromStage: version!.stage, toStage: 'production', reason: data.reason },
    });
    return row!;
  });
}

/**
 * Approves or rejects a pending promotion. Approval runs the promotion rules
 * (promotionProblems: four eyes, approver role, stage, and any gate other contexts added)
 * in the same transaction that moves the version to production.
 */
export async function decidePromotion(actor: AuditActor, promotionId: string, input: unknown): Promise<ModelPromotion> {
  const data = parseModelInput(promotionDecisionSchema(), input);
  return getDb().transaction(async (tx) => {
    const [request] = await tx.select().from(modelPromotions).where(eq(modelPromotions.id, promotionId)).for('update');
    if (!request) throw new NotFoundError(m.noSuchPromotion);
    if (request.status !== 'pending') throw new ConflictError(msg(m.promotionDecided, { status: promotionStatusWord(request.status) }));
    const [version] = await tx.select().from(modelVersions).where(eq(modelVersions.id, request.versionId)).for('update');
    const [model] = await tx.select({ name: models.name }).from(models).where(eq(models.id, version!.modelId));
    const target = `${model!.name}@${version!.label}`;
    if (data.decision === 'reject') {
      const [row] = await tx
        .update(modelPromotions)
        .set({ status: 'rejected', decidedById: actor.id, decidedByName: actor.name, decidedAt: sql`now()`, decisionNote: data.note || null })
        .where(eq(modelPromotions.id, request.id))
        .returning();
      await recordAudit(tx, { actor, action: 'model.promotion.reject', targetType: 'model-version', targetId: target, after: { promotion: request.id, note: data.note || null } });
      return row!;
    }
    const problems = await promotionProblems({
      db: tx,
      modelName: model!.name,
      version: version!,
      request: { requestedById: request.requestedById, requestedByName: request.requestedByName },
      approver: actor,
    });
    if (problems.length) throw new ForbiddenError(problems.map((p) => p.reason).join(' '), 'models:approve');
    await tx.update(modelVersions).set({ stage: 'production', stageChangedAt: sql`now()` }).where(eq(modelVersions.id, version!.id));
    await tx.update(models).set({ updatedAt: sql`now()` }).where(eq(models.id, version!.modelId));
    const [row] = await tx
      .update(modelPromotions)
      .set({ status: 'approved', decidedById: actor.id, decidedByName: actor.name, decidedAt: sql`now()`, decisionNote: data.note || null })
      .where(eq(modelPromotions.id, request.id))
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'model.promotion.approve',
      targetType: 'model-version',
      targetId: target,
      before: { stage: version!.stage },
      after: { stage: 'production', promotion: request.id, requestedBy: request.requestedByName, note: data.note || null },
    });
    return row!;
  });
}

/** Promotion requests with their model and version, pending first (for the approvals list and a version page). */
export async function listPromotions(filter: { status?: 'pending'; versionId?: string; limit?: number } = {}, db: Executor = getDb()) {
  const conditions = [];
  if (filter.status) conditions.push(eq(modelPromotions.status, filter.status));
  if (filter.versionId) conditions.push(eq(modelPromotions.versionId, filter.versionId));
  return db
    .select({
      promotion: modelPromotions,
      modelName: models.name,
      label: modelVersions.label,
      stage: modelVersions.stage,
    })
    .from(modelPromotions)
    .innerJoin(modelVersions, eq(modelVersions.id, modelPromotions.versionId))
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(modelPromotions.requestedAt))
    .limit(filter.limit ?? 100);
}
