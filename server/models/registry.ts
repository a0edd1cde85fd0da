import { z } from 'zod';
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { type Executor, getDb } from '../../db/client';
import { type ModelStage, modelEvaluations, modelStages, modelVersions, models } from '../../db/schema/models';
import { type AuditActor, recordAudit } from '../audit';
import { InputError, NotFoundError } from '../core/errors';
import { renderModelCard } from './card';
import { modelMessages as m, msg } from './messages';
import { type EvaluationInput, evaluationsSchema, modelSchema, modelUpdateSchema, parseModelInput, versionSchema } from './validation';

export type Model = typeof models.$inferSelect;
export type ModelVersion = typeof modelVersions.$inferSelect;
export type ModelEvaluation = typeof modelEvaluations.$inferSelect;

export const modelSortKeys = ['name', 'family', 'updated', 'versions'] as const;
export type ModelSortKey = (typeof modelSortKeys)[number];

export interface ModelListQuery {
  /** Words matched against name, family, owner, description and tags. */
  search?: string;
  family?: string;
  tag?: string;
  /** Models having at least one version in this stage. */
  stage?: ModelStage;
  sort?: { key: ModelSortKey; desc: boolean };
  page?: number;
  pageSize?: number;
}

export interface ModelListRow {
  id: string;
  name: string;
  family: string;
  owner: string;
  license: string;
  tags: string[];
  updatedAt: Date;
  versionCount: number;
  latestLabel: string | null;
  productionLabel: string | null;
}

const modelView = (m: Model) => ({ name: m.name, family: m.family, owner: m.owner, description: m.description, license: m.license, tags: m.tags });

export function versionView(v: ModelVersion) {
  return {
    label: v.label,
    artifactUri: v.artifactUri,
    format: v.format,
    quantization: v.quantization,
    parameterCount: v.parameterCount,
    contextLength: v.contextLength,
    sizeBytes: v.sizeBytes,
    sha256: v.sha256,
    datasets: v.datasets,
    stage: v.stage,
  };
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The text the search matches, kept on the row so a search is one LIKE per word. */
export function searchTextOf(m: { name: string; family: string; owner: string; description: string; tags: string[] }): string {
  return [m.name, m.family, m.owner, m.description, ...m.tags].join(' ').toLowerCase();
}

// Family and tag choices for the filter: a full scan each, so kept for a few seconds
// (a stale option list is harmless; a write in this process drops it at once).
let filterOptions: { at: number; value: Promise<{ families: string[]; tags: string[] }> } | undefined;
const FILTER_OPTIONS_TTL_MS = 10_000;

function loadFilterOptions(db: Executor): Promise<{ families: string[]; tags: string[] }> {
  if (filterOptions && Date.now() - filterOptions.at < FILTER_OPTIONS_TTL_MS) return filterOptions.value;
  const value = Promise.all([
    db.selectDistinct({ family: models.family }).from(models).orderBy(asc(models.family)).limit(200),
    db.selectDistinct({ tag: sql<string>`unnest(${models.tags})`.as('tag') }).from(models).orderBy(sql`1`).limit(200),
  ]).then(([f, t]) => ({ families: f.map((x) => x.family), tags: t.map((x) => x.tag) }));
  filterOptions = { at: Date.now(), value };
  value.catch(() => {
    filterOptions = undefined;
  });
  return value;
}

/** Registers a model (no versions yet). */
export async function createModel(actor: AuditActor, input: unknown): Promise<Model> {
  const data = parseModelInput(modelSchema(), input);
  return getDb().transaction(async (tx) => {
    const [existing] = await tx.select({ id: models.id }).from(models).where(eq(models.name, data.name));
    if (existing) throw new InputError(m.invalidInput, { name: [msg(m.modelExists, { name: data.name })] });
    const [row] = await tx
      .insert(models)
      .values({ ...data, searchText: searchTextOf(data), createdBy: actor.name })
      .returning();
    filterOptions = undefined;
    await recordAudit(tx, { actor, action: 'model.create', targetType: 'model', targetId: row!.name, after: modelView(row!) });
    return row!;
  });
}

/** Changes a model's family, owner, description, licence and tags (the name stays: it names objects). */
export async function updateModel(actor: AuditActor, name: string, input: unknown): Promise<Model> {
  const data = parseModelInput(modelUpdateSchema(), input);
  return getDb().transaction(async (tx) => {
    const [before] = await tx.select().from(models).where(eq(models.name, name)).for('update');
    if (!before) throw new NotFoundError(msg(m.noModel, { name }));
    const [row] = await tx
      .update(models)
      .set({ ...data, searchText: searchTextOf({ ...data, name: before.name }), updatedAt: sql`now()` })
      .where(eq(models.id, before.id))
      .returning();
    filterOptions = undefined;
    await recordAudit(tx, { actor, action: 'model.update', targetType: 'model', targetId: name, before: modelView(before), after: modelView(row!) });
    return row!;
  });
}

/** One model by name; NotFoundError when missing. */
export async function getModel(name: string, db: Executor = getDb()): Promise<Model> {
  const [row] = await db.select().from(models).where(eq(models.name, name));
  if (!row) throw new NotFoundError(msg(m.noModel, { name }));
  return row;
}

/**
 * The registry list: search words (every word must match name, family, owner, description
 * or a tag), filters, sort and a page, with each model's version count, latest label and
 * production label. Version facts are aggregated only for the page's models.
 */
export async function listModels(query: ModelListQuery = {}, db: Executor = getDb()): Promise<{ rows: ModelListRow[]; total: number; families: string[]; tags: string[] }> {
  const conditions: SQL[] = [];
  for (const word of (query.search ?? '').trim().toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8)) {
    const like = `%${escapeLike(word)}%`;
    conditions.push(sql`${models.searchText} like ${like}`);
  }
  if (query.family) conditions.push(eq(models.family, query.family));
  if (query.tag) conditions.push(sql`${models.tags} @> array[${query.tag}]::text[]`);
  if (query.stage && (modelStages as readonly string[]).includes(query.stage)) {
    conditions.push(sql`exists (select 1 from ${modelVersions} v where v.model_id = ${models.id} and v.stage = ${query.stage})`);
  }
  const where = conditions.length ? and(...conditions) : undefined;
  const pageSize = Math.min(Math.max(query.pageSize ?? 50, 1), 200);
  const page = Math.max(query.page ?? 1, 1);
  const sort = query.sort ?? { key: 'updated', desc: true };
  const versionCount = sql<number>`(select count(*)::int from ${modelVersions} v where v.model_id = ${models.id})`;
  const order = (() => {
    const dir = sort.desc ? desc : asc;
    switch (sort.key) {
      case 'name':
        return [dir(models.name)];
      case 'family':
        return [dir(models.family), asc(models.name)];
      case 'versions':
        return [sort.desc ? sql`${versionCount} desc` : sql`${versionCount} asc`, asc(models.name)];
      default:
        return [dir(models.updatedAt), dir(models.id)];
    }
  })();
  const [pageRows, options] = await Promise.all([
    db
      .select({
        total: sql<number>`count(*) over ()`.mapWith(Number),
        id: models.id,
        name: models.name,
        family: models.family,
        owner: models.owner,
        license: models.license,
        tags: models.tags,
        updatedAt: models.updatedAt,
      })
      .from(models)
      .where(where)
      .orderBy(...order)
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    loadFilterOptions(db),
  ]);
  // The window count rides on the page's rows; a page past the end has none, so count apart.
  const total =
    pageRows[0]?.total ??
    (page > 1 ? ((await db.select({ n: sql<number>`count(*)::int` }).from(models).where(where))[0]?.n ?? 0) : 0);
  const ids = pageRows.map((r) => r.id);
  const facts = ids.length
    ? await db
        .select({
          modelId: modelVersions.modelId,
          count: sql<number>`count(*)::int`,
          latest: sql<string | null>`(array_agg(${modelVersions.label} order by ${modelVersions.createdAt} desc))[1]`,
          production: sql<string | null>`(array_agg(${modelVersions.label} order by ${modelVersions.stageChangedAt} desc) filter (where ${modelVersions.stage} = 'production'))[1]`,
        })
        .from(modelVersions)
        .where(inArray(modelVersions.modelId, ids))
        .groupBy(modelVersions.modelId)
    : [];
  const byModel = new Map(facts.map((f) => [f.modelId, f]));
  return {
    rows: pageRows.map((r) => {
      const f = byModel.get(r.id);
      const { total: _total, ...row } = r;
      return { ...row, versionCount: f?.count ?? 0, latestLabel: f?.latest ?? null, productionLabel: f?.production ?? null };
    }),
    total,
    families: options.families,
    tags: options.tags,
  };
}

/** Registers a version of a model (stage draft), with its evaluation results if given. */
export async function registerVersion(actor: AuditActor, modelName: string, input: unknown): Promise<ModelVersion> {
  const data = parseModelInput(versionSchema(), input);
  return getDb().transaction(async (tx) => {
    const [model] = await tx.select().from(models).where(eq(models.name, modelName)).for('update');
    if (!model) throw new NotFoundError(msg(m.noModel, { name: modelName }));
    const [clash] = await tx
      .select({ id: modelVersions.id })
      .from(modelVersions)
      .where(and(eq(modelVersions.modelId, model.id), eq(modelVersions.label, data.label)));
    if (clash) throw new InputError(m.invalidInput, { label: [msg(m.versionExists, { model: modelName, label: data.label })] });
    const { evaluations, ...version } = data;
    const [row] = await tx
      .insert(modelVersions)
      .values({ ...version, modelId: model.id, createdBy: actor.name })
      .returning();
    if (evaluations?.length) await tx.insert(modelEvaluations).values(evaluations.map((e) => evaluationRow(row!.id, e)));
    await tx.update(models).set({ updatedAt: sql`now()` }).where(eq(models.id, model.id));
    await recordAudit(tx, {
      actor,
      action: 'model.version.register',
      targetType: 'model-version',
      targetId: `${modelName}@${data.label}`,
      after: { ...versionView(row!), evaluations: evaluations?.length ?? 0 },
    });
    return row!;
  });
}

const evaluationsFormSchema = z.object({ evaluations: evaluationsSchema() });

function evaluationRow(versionId: string, e: EvaluationInput) {
  return { versionId, metric: e.metric, value: e.value, dataset: e.dataset, evaluatedOn: e.date };
}

/** Adds evaluation results to a version (results are facts: they are added, never edited). */
export async function addEvaluations(actor: AuditActor, modelName: string, label: string, input: unknown): Promise<number> {
  // Under `evaluations`, so a refused line's errors are named `evaluations.<line>` as the form shows them.
  const { evaluations: list } = parseModelInput(evaluationsFormSchema, { evaluations: (input as { evaluations?: unknown } | null)?.evaluations ?? input });
  if (list.length === 0) throw new InputError(m.invalidInput, { evaluations: [m.evaluationsRequired] });
  return getDb().transaction(async (tx) => {
    const version = await findVersion(tx, modelName, label);
    await tx.insert(modelEvaluations).values(list.map((e) => evaluationRow(version.id, e)));
    await recordAudit(tx, { actor, action: 'model.version.evaluate', targetType: 'model-version', targetId: `${modelName}@${label}`, after: { evaluations: list } });
    return list.length;
  });
}

/** A version by model name and label; NotFoundError when either is missing. */
export async function findVersion(db: Executor, modelName: string, label: string): Promise<ModelVersion & { modelName: string }> {
  const [row] = await db
    .select({ version: modelVersions, modelName: models.name })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(and(eq(models.name, modelName), eq(modelVersions.label, label)));
  if (!row) throw new NotFoundError(msg(m.noVersion, { model: modelName, label }));
  return { ...row.version, modelName: row.modelName };
}

/** A version by id with its model's name; NotFoundError when missing. */
export async function getVersionById(db: Executor, id: string): Promise<ModelVersion & { modelName: string }> {
  const [row] = await db
    .select({ version: modelVersions, modelName: models.name })
    .from(modelVersions)
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(eq(modelVersions.id, id));
  if (!row) throw new NotFoundError(m.noSuchVersion);
  return { ...row.version, modelName: row.modelName };
}

/** The versions of a model, newest first. */
export async function listVersions(modelId: string, db: Executor = getDb()): Promise<ModelVersion[]> {
  return db.select().from(modelVersions).where(eq(modelVersions.modelId, modelId)).orderBy(desc(modelVersions.createdAt));
}

/** One version with its card rendered to safe HTML and its evaluations (oldest first, for the chart). */
export async function getVersionDetail(modelName: string, label: string, db: Executor = getDb()) {
  const version = await findVersion(db, modelName, label);
  const evaluations = await db
    .select()
    .from(modelEvaluations)
    .where(eq(modelEvaluations.versionId, version.id))
    .orderBy(asc(modelEvaluations.evaluatedOn), asc(modelEvaluations.metric));
  return { version, evaluations, cardHtml: renderModelCard(version.modelCard) };
}
