import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, type Tx, getDb } from '../../db/client';
import { datasetModels, datasetSubjects, modelDecisions, modelFlags, privacyDatasets } from '../../db/schema/privacy';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { parseInput } from './validation';
import { identifierKinds, subjectHash } from './crypto';
import { msg, privacyMessages as pm } from './messages';

const modelRef = z.object({
  modelName: z.string().trim().min(1).max(200),
  versionLabel: z.string().trim().min(1).max(100),
});

export const datasetInputSchema = z.object({
  name: z.string().trim().min(2, { error: msg(pm.tooShort, { min: 2 }) }).max(200),
  description: z.string().trim().max(2000).default(''),
  models: z.array(modelRef).default([]),
  /**
   * The subject index, one line per subject: `h:<64 hex>` (a keyed hash computed elsewhere
   * with this installation's key) or `<kind>:<value>` (hashed on arrival, never stored).
   */
  subjectIndex: z.string().max(50_000_000).default(''),
});
export type DatasetInput = z.input<typeof datasetInputSchema>;

/** Parses a subject index upload into keyed hashes; lines that fit neither form are refused with their line number. */
export function parseSubjectIndex(text: string): string[] {
  const hashes = new Set<string>();
  const bad: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const hashed = /^h:([0-9a-f]{64})$/i.exec(line);
    if (hashed) {
      hashes.add(hashed[1]!.toLowerCase());
      return;
    }
    const colon = line.indexOf(':');
    const kind = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (colon > 0 && (identifierKinds as readonly string[]).includes(kind) && value.trim()) {
      if (kind === 'tenant_user_id') {
        const slash = value.indexOf('/');
        if (slash <= 0) return void bad.push(i + 1);
        hashes.add(subjectHash({ kind: 'tenant_user_id', tenant: value.slice(0, slash), value: value.slice(slash + 1) }));
      } else {
        hashes.add(subjectHash({ kind: kind as 'email' | 'user_id', value }));
      }
      return;
    }
    bad.push(i + 1);
  });
  if (bad.length) {
    throw new InputError(pm.subjectIndexHelp, {
      subjectIndex: [msg(pm.subjectIndexLines, { lines: `${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ' …' : ''}` })],
    });
  }
  return [...hashes];
}

/** Registers a training dataset with its model versions and subject index. */
export async function createDataset(input: DatasetInput, actor: AuditActor): Promise<{ id: string; subjects: number }> {
  const d = parseInput(datasetInputSchema, input);
  const hashes = parseSubjectIndex(d.subjectIndex);
  return getDb().transaction(async (tx) => {
    const clash = await tx.select({ id: privacyDatasets.id }).from(privacyDatasets).where(sql`lower(${privacyDatasets.name}) = lower(${d.name})`);
    if (clash.length) throw new InputError(pm.datasetExists, { name: [pm.chooseAnotherName] });
    const [row] = await tx.insert(privacyDatasets).values({ name: d.name, description: d.description, subjectCount: hashes.length, createdBy: actor.name }).returning();
    for (let i = 0; i < hashes.length; i += 5000) {
      await tx.insert(datasetSubjects).values(hashes.slice(i, i + 5000).map((h) => ({ datasetId: row!.id, subjectHash: h })));
    }
    if (d.models.length) await tx.insert(datasetModels).values(d.models.map((m) => ({ datasetId: row!.id, ...m }))).onConflictDoNothing();
    await recordAudit(tx, {
      actor,
      action: 'privacy.dataset.create',
      targetType: 'privacy_dataset',
      targetId: row!.id,
      after: { name: d.name, models: d.models, subjects: hashes.length },
    });
    return { id: row!.id, subjects: hashes.length };
  });
}

/** Adds a model version trained on a dataset. */
export async function addDatasetModel(datasetId: string, model: z.input<typeof modelRef>, actor: AuditActor): Promise<void> {
  const m = modelRef.parse(model);
  await getDb().transaction(async (tx) => {
    const [dataset] = await tx.select({ id: privacyDatasets.id }).from(privacyDatasets).where(eq(privacyDatasets.id, datasetId));
    if (!dataset) throw new NotFoundError('No such dataset.');
    await tx.insert(datasetModels).values({ datasetId, ...m }).onConflictDoNothing();
    await recordAudit(tx, { actor, action: 'privacy.dataset.model.add', targetType: 'privacy_dataset', targetId: datasetId, after: m });
  });
}

export interface DatasetView {
  id: string;
  name: string;
  description: string;
  subjectCount: number;
  models: { modelName: string; versionLabel: string }[];
  createdAt: Date;
}

/** Datasets with their model versions. */
export async function listDatasets(db: Executor = getDb()): Promise<DatasetView[]> {
  const rows = await db.select().from(privacyDatasets).orderBy(asc(privacyDatasets.name));
  const models = rows.length ? await db.select().from(datasetModels).where(inArray(datasetModels.datasetId, rows.map((r) => r.id))) : [];
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    subjectCount: r.subjectCount,
    createdAt: r.createdAt,
    models: models.filter((m) => m.datasetId === r.id).map((m) => ({ modelName: m.modelName, versionLabel: m.versionLabel })),
  }));
}

/** Flags every model version trained on a dataset that holds one of the hashes (idempotent). */
export async function flagAffectedModels(tx: Tx, requestId: string, hashes: string[]): Promise<number> {
  if (!hashes.length) return 0;
  const hits = await tx
    .selectDistinct({ datasetId: privacyDatasets.id, datasetName: privacyDatasets.name, modelName: datasetModels.modelName, versionLabel: datasetModels.versionLabel })
    .from(datasetSubjects)
    .innerJoin(privacyDatasets, eq(privacyDatasets.id, datasetSubjects.datasetId))
    .innerJoin(datasetModels, eq(datasetModels.datasetId, datasetSubjects.datasetId))
    .where(inArray(datasetSubjects.subjectHash, hashes));
  if (hits.length) await tx.insert(modelFlags).values(hits.map((h) => ({ requestId, ...h }))).onConflictDoNothing();
  return hits.length;
}

export type ModelFlag = typeof modelFlags.$inferSelect;

/** The flagged model versions of a request. */
export async function listModelFlags(requestId: string, db: Executor = getDb()): Promise<ModelFlag[]> {
  return db.select().from(modelFlags).where(eq(modelFlags.requestId, requestId)).orderBy(asc(modelFlags.modelName), asc(modelFlags.versionLabel));
}

export const modelDecisionSchema = z
  .object({
    datasetId: z.uuid(),
    modelName: z.string().min(1),
    versionLabel: z.string().min(1),
    decision: z.enum(modelDecisions, { error: pm.decisionRequired }),
    justification: z.string().trim().max(2000).default(''),
  })
  .refine((d) => d.decision !== 'keep' || d.justification.length >= 20, {
    path: ['justification'],
    error: pm.justificationRequired,
  });
export type ModelDecisionInput = z.input<typeof modelDecisionSchema>;

/** Records the operator's decision on one flagged model version (inside the caller's transaction). */
export async function recordModelDecision(tx: Tx, requestId: string, input: ModelDecisionInput, actor: AuditActor): Promise<ModelFlag> {
  const d = parseInput(modelDecisionSchema, input);
  const where = and(
    eq(modelFlags.requestId, requestId),
    eq(modelFlags.datasetId, d.datasetId),
    eq(modelFlags.modelName, d.modelName),
    eq(modelFlags.versionLabel, d.versionLabel),
  );
  const [current] = await tx.select().from(modelFlags).where(where);
  if (!current) throw new NotFoundError('This model version is not flagged for the request.');
  if (current.decision) throw new ConflictError(pm.decisionRecorded);
  const [row] = await tx
    .update(modelFlags)
    .set({ decision: d.decision, justification: d.justification || null, decidedBy: actor.name, decidedAt: new Date() })
    .where(where)
    .returning();
  await recordAudit(tx, {
    actor,
    action: 'privacy.model.decide',
    targetType: 'privacy_erasure_request',
    targetId: requestId,
    after: { model: d.modelName, version: d.versionLabel, decision: d.decision, justification: d.justification },
  });
  return row!;
}
