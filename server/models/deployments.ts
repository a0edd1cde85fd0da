import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { type Executor, type Tx, getDb } from '../../db/client';
import { type RolloutKind, modelDeployments, modelRollouts, modelVersions, models } from '../../db/schema/models';
import { type AuditActor, recordAudit } from '../audit';
import { getConfig } from '../config';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { type DesiredObjectRow, type ObjectRef, deleteDesired, getDesired, listDesired, renderNamespace, setDesired } from '../kube';
import { getTenant } from '../tenants';
import { engineProblem } from './engines';
import { DEPLOYMENT_LABEL, type ModelObjects, TRACK_LABEL, objectName, renderModelObjects } from './manifests';
import { type PlacementCheck, checkPlacement, placementFits, placementReasons, podPlacement } from './placement';
import { type ModelVersion, getVersionById } from './registry';
import { ROLLOUT_JOB_OWNER, rolloutJob, rolloutJobs } from './rollout-job';
import { enqueueJob } from '../jobs';
import { type ModelMessageKey, modelMessages as m, msg, stageWord } from './messages';
import { canaryStartSchema, canaryStepSchema, deploymentSchema, deploymentUpdateSchema, parseModelInput, reasonSchema } from './validation';

export type ModelDeployment = typeof modelDeployments.$inferSelect;
export type ModelRollout = typeof modelRollouts.$inferSelect;

/** The desired-state owner of a deployment's objects. */
export const ownerOf = (d: Pick<ModelDeployment, 'id'>) => ({ context: 'models', id: d.id });
/** Owner of the shared platform namespace when no other context declared it. */
const PLATFORM_NAMESPACE_OWNER = { context: 'models', id: 'platform-namespace' };

/** Stages a version may be in to serve as the stable track (rollback may return to a deprecated one). */
const stableStages = new Set(['production']);
const rollbackStages = new Set(['production', 'deprecated']);
const canaryStages = new Set(['staging', 'production']);

/** A placement refusal: the message (a key saying what does not fit, with the reasons) and the reasons as `placement` field errors. */
export class PlacementError extends InputError {
  constructor(
    readonly check: PlacementCheck,
    key: ModelMessageKey,
    vars: Record<string, string | number>,
  ) {
    super(msg(key, { ...vars, reasons: { sentences: placementReasons(check) } }), { placement: placementReasons(check) });
  }
}

/** "GPU" or "GPUs" as a variable (a key), for `n` GPUs. */
const gpuWord = (n: number) => (n === 1 ? m.gpuOne : m.gpuMany);

/**
 * True for a placement refusal, also one thrown by the other copy of this module (the Remix
 * bundle and the Node entry each carry one, so `instanceof` is not enough): an InputError
 * carrying the check.
 */
export function isPlacementError(error: unknown): error is PlacementError {
  if (!(error instanceof Error) || error.name !== 'InputError' || !('check' in error)) return false;
  const check = (error as { check: unknown }).check;
  return typeof check === 'object' && check !== null && 'estimate' in check && 'outcome' in check;
}

/**
 * Refuses to run `version` with the deployment's engine settings when its configured max
 * model length is longer than the version's context: vLLM rejects a --max-model-len above
 * the model's maximum (TGI its --max-total-tokens), so the pods would never start.
 */
function requireContextFits(d: Pick<ModelDeployment, 'settings'>, version: ModelVersion, key: ModelMessageKey, field: string): void {
  const configured = d.settings.maxModelLen;
  if (!configured || configured <= version.contextLength) return;
  throw new InputError(m.invalidInput, { [field]: [msg(key, { label: version.label, most: version.contextLength, configured })] });
}

/** Where a target ("platform" or "tenant:<slug>") deploys to. */
export async function resolveTarget(target: string, db: Executor): Promise<{ namespace: string; tenant: string | null }> {
  if (target === 'platform') return { namespace: getConfig().platformNamespace, tenant: null };
  const slug = target.slice('tenant:'.length);
  try {
    const { tenant } = await getTenant(slug, db);
    if (tenant.status !== 'active') throw new InputError(m.invalidInput, { target: [msg(m.targetArchived, { slug })] });
    return { namespace: tenant.namespace, tenant: tenant.slug };
  } catch (error) {
    if (error instanceof Error && error.name === 'NotFoundError') throw new InputError(m.invalidInput, { target: [msg(m.noTenant, { slug })] });
    throw error;
  }
}

function manifestVersion(v: ModelVersion) {
  return {
    id: v.id,
    label: v.label,
    artifactUri: v.artifactUri,
    format: v.format,
    quantization: v.quantization,
    contextLength: v.contextLength,
    sizeBytes: v.sizeBytes,
    sha256: v.sha256,
  };
}

/** Renders a deployment's objects from its row (and versions), for desired state and the manifest view. */
export async function renderDeploymentObjects(db: Executor, d: ModelDeployment): Promise<ModelObjects> {
  const [model] = await db.select({ name: models.name }).from(models).where(eq(models.id, d.modelId));
  const stable = await getVersionById(db, d.stableVersionId);
  const canary = d.canaryVersionId ? await getVersionById(db, d.canaryVersionId) : null;
  const config = getConfig();
  return renderModelObjects({
    modelName: model!.name,
    name: d.name,
    namespace: d.namespace,
    engine: d.engine,
    settings: d.settings,
    replicas: d.replicas,
    gpusPerReplica: d.gpusPerReplica,
    cpu: d.cpu,
    memory: d.memory,
    placement: await podPlacement(db, d),
    stable: manifestVersion(stable),
    canary: canary ? { version: manifestVersion(canary), replicas: d.canaryReplicas, weight: d.canaryWeight } : null,
    registry: config.modelImageRegistry,
    gatewayNamespace: config.gatewayNamespace,
  });
}

/**
 * Writes the deployment's objects as desired state (in the caller's transaction): the
 * platform namespace when nobody declares it, each track's Deployment and Service, the
 * HTTPRoute; a canary's objects are marked for deletion when no canary runs.
 */
async function writeDesired(tx: Tx, d: ModelDeployment): Promise<void> {
  const owner = ownerOf(d);
  if (!d.tenant) {
    const ns: ObjectRef = { apiVersion: 'v1', kind: 'Namespace', name: d.namespace };
    const existing = await getDesired(tx, ns);
    if (!existing || (existing.ownerContext === PLATFORM_NAMESPACE_OWNER.context && existing.ownerId === PLATFORM_NAMESPACE_OWNER.id)) {
      await setDesired(tx, { owner: PLATFORM_NAMESPACE_OWNER, manifest: renderNamespace({ name: d.namespace, labels: { 'leitstand.io/purpose': 'model-serving' } }) });
    }
  }
  const objects = await renderDeploymentObjects(tx, d);
  for (const manifest of [...objects.deployments, ...objects.services, objects.route]) await setDesired(tx, { owner, manifest });
  if (!d.canaryVersionId) {
    const name = objectName(d.name, 'canary');
    await deleteDesired(tx, { owner, ref: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: d.namespace, name } });
    await deleteDesired(tx, { owner, ref: { apiVersion: 'v1', kind: 'Service', namespace: d.namespace, name } });
  }
}

function deploymentView(d: ModelDeployment) {
  return {
    name: d.name,
    namespace: d.namespace,
    engine: d.engine,
    settings: d.settings,
    replicas: d.replicas,
    gpusPerReplica: d.gpusPerReplica,
    gpuProduct: d.gpuProduct,
    pool: d.pool,
    cpu: d.cpu,
    memory: d.memory,
    stableVersionId: d.stableVersionId,
    canaryVersionId: d.canaryVersionId,
    canaryWeight: d.canaryWeight,
    canaryReplicas: d.canaryReplicas,
    revision: d.revision,
  };
}

/** The view with engine settings as `settings.<name>` keys, so a diff names the setting that changed. */
function flatView(d: ModelDeployment): Record<string, unknown> {
  const { settings, ...rest } = deploymentView(d);
  const out: Record<string, unknown> = { ...rest };
  for (const [k, v] of Object.entries(settings ?? {})) out[`settings.${k}`] = v;
  return out;
}

/** What changed, `field → [before, after]` (null where a field was not set). */
export function changesOf(before: Partial<ModelDeployment> | null, after: ModelDeployment): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  const a = flatView(after);
  const b = before ? flatView(before as ModelDeployment) : {};
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    if (key === 'revision') continue;
    if (JSON.stringify(a[key] ?? null) !== JSON.stringify(b[key] ?? null)) out[key] = [b[key] ?? null, a[key] ?? null];
  }
  return out;
}

async function recordRollout(
  tx: Tx,
  actor: AuditActor,
  kind: RolloutKind,
  before: ModelDeployment | null,
  after: ModelDeployment,
  reason: string,
  versions: { from: string | null; to: string | null },
): Promise<ModelRollout> {
  const [row] = await tx
    .insert(modelRollouts)
    .values({
      deploymentId: after.id,
      revision: after.revision,
      kind,
      fromVersionId: versions.from,
      toVersionId: versions.to,
      canaryWeight: after.canaryWeight,
      reason,
      changes: changesOf(before, after),
      actorId: actor.id,
      actorName: actor.name,
    })
    .returning();
  // A job follows the rollout to its end and records how it ended (ready, failed with reasons).
  await enqueueJob(tx, { type: rolloutJob, payload: { rolloutId: row!.id, deploymentId: after.id, revision: after.revision }, owner: { type: ROLLOUT_JOB_OWNER, id: row!.id } });
  await recordAudit(tx, {
    actor,
    action: `model.deployment.${kind}`,
    targetType: 'model-deployment',
    targetId: `${after.namespace}/${after.name}`,
    before: before ? deploymentView(before) : null,
    after: { ...deploymentView(after), reason },
  });
  return row!;
}

async function lockDeployment(tx: Tx, id: string): Promise<ModelDeployment> {
  const [row] = await tx.select().from(modelDeployments).where(eq(modelDeployments.id, id)).for('update');
  if (!row || row.removedAt) throw new NotFoundError(m.noDeploymentAnyMore);
  return row;
}

async function update(tx: Tx, d: ModelDeployment, patch: Partial<ModelDeployment>): Promise<ModelDeployment> {
  const [row] = await tx
    .update(modelDeployments)
    .set({ ...patch, revision: d.revision + 1, updatedAt: sql`now()` })
    .where(eq(modelDeployments.id, d.id))
    .returning();
  return row!;
}

function requireVersionOf(model: { id: string; name: string }, version: ModelVersion, field: string): void {
  if (version.modelId !== model.id) throw new InputError(m.invalidInput, { [field]: [msg(m.versionOfOtherModel, { model: model.name })] });
}

/** Sizing parsed from a deployment form, the version, and the target (shared by the check and the deployment). */
export async function prepareDeployment(modelName: string, input: unknown, db: Executor = getDb()) {
  const data = parseModelInput(deploymentSchema(), input);
  const [model] = await db.select().from(models).where(eq(models.name, modelName));
  if (!model) throw new NotFoundError(msg(m.noModel, { name: modelName }));
  let version: ModelVersion;
  try {
    version = await getVersionById(db, data.versionId);
  } catch {
    throw new InputError(m.invalidInput, { versionId: [m.chooseVersionOfModel] });
  }
  requireVersionOf(model, version, 'versionId');
  const problem = engineProblem(data.engine, version);
  if (problem) throw new InputError(m.invalidInput, { engine: [problem] });
  const target = await resolveTarget(data.target, db);
  const settings = {
    ...(data.tensorParallelSize ? { tensorParallelSize: data.tensorParallelSize } : {}),
    ...(data.maxModelLen ? { maxModelLen: data.maxModelLen } : {}),
    ...(data.gpuMemoryUtilization ? { gpuMemoryUtilization: data.gpuMemoryUtilization } : {}),
    ...(data.extraArgs.length ? { extraArgs: data.extraArgs } : {}),
  };
  if (settings.tensorParallelSize && data.gpusPerReplica > 0 && settings.tensorParallelSize > data.gpusPerReplica) {
    throw new InputError(m.invalidInput, { tensorParallelSize: [msg(m.tensorParallel, { tp: String(settings.tensorParallelSize), gpus: String(data.gpusPerReplica) })] });
  }
  if (settings.maxModelLen && settings.maxModelLen > version.contextLength) {
    throw new InputError(m.invalidInput, { maxModelLen: [msg(m.versionContext, { label: version.label, most: version.contextLength })] });
  }
  return { data, model, version, target, settings };
}

/** The placement check for a deployment form, without changing anything. */
export async function checkDeploymentPlacement(modelName: string, input: unknown, db: Executor = getDb()): Promise<PlacementCheck> {
  const { data, version, target, settings } = await prepareDeployment(modelName, input, db);
  return checkPlacement({ engine: data.engine, settings, version, replicas: data.replicas, gpusPerReplica: data.gpusPerReplica, gpuProduct: data.gpuProduct, pool: data.pool, tenant: target.tenant, cpu: data.cpu, memory: data.memory }, db);
}

/**
 * Deploys a production version with an engine: checks placement first (refused with the
 * reasons and alternatives when it does not fit), then writes the objects as desired state,
 * the rollout record and the audit event in one transaction. The controller applies them.
 */
export async function deployModel(actor: AuditActor, modelName: string, input: unknown): Promise<{ deployment: ModelDeployment; placement: PlacementCheck }> {
  const { data, model, version, target, settings } = await prepareDeployment(modelName, input);
  if (!stableStages.has(version.stage)) {
    throw new InputError(m.invalidInput, { versionId: [msg(m.onlyProduction, { label: version.label, stage: stageWord(version.stage) })] });
  }
  const name = data.name ?? model.name;
  const placement = await checkPlacement({ engine: data.engine, settings, version, replicas: data.replicas, gpusPerReplica: data.gpusPerReplica, gpuProduct: data.gpuProduct, pool: data.pool, tenant: target.tenant, cpu: data.cpu, memory: data.memory });
  if (!placementFits(placement)) throw new PlacementError(placement, m.deployDoesNotFit, { replicas: String(data.replicas), name });
  const deployment = await getDb().transaction(async (tx) => {
    const [clash] = await tx
      .select({ id: modelDeployments.id })
      .from(modelDeployments)
      .where(and(eq(modelDeployments.namespace, target.namespace), eq(modelDeployments.name, name), isNull(modelDeployments.removedAt)));
    if (clash) throw new InputError(m.invalidInput, { name: [msg(m.deploymentNameTaken, { namespace: target.namespace, name })] });
    const [row] = await tx
      .insert(modelDeployments)
      .values({
        modelId: model.id,
        name,
        namespace: target.namespace,
        tenant: target.tenant,
        engine: data.engine,
        settings,
        replicas: data.replicas,
        gpusPerReplica: data.gpusPerReplica,
        gpuProduct: data.gpuProduct ?? null,
        pool: data.pool ?? null,
        cpu: data.cpu,
        memory: data.memory,
        stableVersionId: version.id,
        createdBy: actor.name,
      })
      .returning();
    await writeDesired(tx, row!);
    await recordRollout(tx, actor, 'deploy', null, row!, data.reason || `deploy ${version.label}`, { from: null, to: version.id });
    return row!;
  });
  return { deployment, placement };
}

/** Starts a canary: the version runs beside the stable one and gets `weight` % of the requests. */
export async function startCanary(actor: AuditActor, deploymentId: string, input: unknown): Promise<{ deployment: ModelDeployment; placement: PlacementCheck }> {
  const data = parseModelInput(canaryStartSchema(), input);
  const db = getDb();
  const [current] = await db.select().from(modelDeployments).where(eq(modelDeployments.id, deploymentId));
  if (!current || current.removedAt) throw new NotFoundError(m.noDeploymentAnyMore);
  let version: ModelVersion;
  try {
    version = await getVersionById(db, data.versionId);
  } catch {
    throw new InputError(m.invalidInput, { versionId: [m.chooseVersionOfModel] });
  }
  const [model] = await db.select().from(models).where(eq(models.id, current.modelId));
  requireVersionOf(model!, version, 'versionId');
  if (version.id === current.stableVersionId) throw new InputError(m.invalidInput, { versionId: [msg(m.stableAlready, { label: version.label })] });
  if (!canaryStages.has(version.stage)) throw new InputError(m.invalidInput, { versionId: [msg(m.canaryStage, { label: version.label, stage: stageWord(version.stage) })] });
  const problem = engineProblem(current.engine, version);
  if (problem) throw new InputError(m.invalidInput, { versionId: [problem] });
  requireContextFits(current, version, m.canaryContextTooLong, 'versionId');
  const placement = await checkPlacement({
    engine: current.engine,
    settings: current.settings,
    version,
    replicas: data.replicas,
    gpusPerReplica: current.gpusPerReplica,
    gpuProduct: current.gpuProduct,
    pool: current.pool,
    tenant: current.tenant,
    cpu: current.cpu,
    memory: current.memory,
  });
  if (!placementFits(placement)) throw new PlacementError(placement, m.canaryDoesNotFit, { label: version.label });
  const deployment = await db.transaction(async (tx) => {
    const d = await lockDeployment(tx, deploymentId);
    if (d.canaryVersionId) throw new ConflictError(m.canaryRunsAlready);
    const after = await update(tx, d, { canaryVersionId: version.id, canaryWeight: data.weight, canaryReplicas: data.replicas });
    await writeDesired(tx, after);
    await recordRollout(tx, actor, 'canary-start', d, after, data.reason, { from: d.stableVersionId, to: version.id });
    return after;
  });
  return { deployment, placement };
}

/** The fields of an update, as the deployment has them now (absent fields keep these). */
function currentSettingsInput(d: ModelDeployment): Record<string, unknown> {
  return {
    replicas: d.replicas,
    gpusPerReplica: d.gpusPerReplica,
    gpuProduct: d.gpuProduct ?? '',
    pool: d.pool ?? '',
    cpu: d.cpu,
    memory: d.memory,
    tensorParallelSize: d.settings.tensorParallelSize ?? '',
    maxModelLen: d.settings.maxModelLen ?? '',
    gpuMemoryUtilization: d.settings.gpuMemoryUtilization ?? '',
    extraArgs: d.settings.extraArgs ?? [],
  };
}

/** Fields whose change gives every pod a new size or place (each replica is replaced). */
const SIZING_FIELDS = ['gpusPerReplica', 'cpu', 'memory', 'gpuProduct', 'pool'] as const;

export interface DeploymentUpdatePlan {
  current: ModelDeployment;
  /** The row's fields after the update. */
  next: Pick<ModelDeployment, 'replicas' | 'gpusPerReplica' | 'gpuProduct' | 'pool' | 'cpu' | 'memory' | 'settings'>;
  changes: Record<string, [unknown, unknown]>;
  /** Replicas of the new sizing the cluster needs room for beside what runs (0: nothing to check). */
  extraReplicas: number;
  placement: PlacementCheck | null;
  reason: string;
  revision: number | undefined;
}

/**
 * Validates an update against the deployment as it is (a check alone needs no reason) and checks placement for what the
 * rollout adds: new replicas, plus the surge pod (maxSurge 1) of each track whose pods are
 * replaced because engine settings change; when the sizing or node selection changes, every
 * new replica is counted beside the old ones (maxUnavailable 0 keeps the old pods until the
 * new ones are ready). Scaling down needs no check.
 */
export async function planDeploymentUpdate(deploymentId: string, input: unknown, options: { db?: Executor; requireReason?: boolean } = {}): Promise<DeploymentUpdatePlan> {
  const db = options.db ?? getDb();
  const [current] = await db.select().from(modelDeployments).where(eq(modelDeployments.id, deploymentId));
  if (!current || current.removedAt) throw new NotFoundError(m.noDeploymentAnyMore);
  // Absent fields keep their value; null or "" clears an optional one.
  const given = Object.fromEntries(Object.entries((input && typeof input === 'object' ? input : {}) as Record<string, unknown>).map(([k, v]) => [k, v === null ? '' : v]));
  const data = parseModelInput(deploymentUpdateSchema(options.requireReason ?? true), { ...currentSettingsInput(current), ...given });
  const settings = {
    ...(data.tensorParallelSize ? { tensorParallelSize: data.tensorParallelSize } : {}),
    ...(data.maxModelLen ? { maxModelLen: data.maxModelLen } : {}),
    ...(data.gpuMemoryUtilization ? { gpuMemoryUtilization: data.gpuMemoryUtilization } : {}),
    ...(data.extraArgs.length ? { extraArgs: data.extraArgs } : {}),
  };
  if (settings.tensorParallelSize && data.gpusPerReplica > 0 && settings.tensorParallelSize > data.gpusPerReplica) {
    throw new InputError(m.invalidInput, { tensorParallelSize: [msg(m.tensorParallel, { tp: String(settings.tensorParallelSize), gpus: String(data.gpusPerReplica) })] });
  }
  const stable = await getVersionById(db, current.stableVersionId);
  const canary = current.canaryVersionId ? await getVersionById(db, current.canaryVersionId) : null;
  for (const v of [stable, canary]) {
    if (v && settings.maxModelLen && settings.maxModelLen > v.contextLength) {
      throw new InputError(m.invalidInput, { maxModelLen: [msg(m.versionContext, { label: v.label, most: v.contextLength })] });
    }
  }
  const next = { replicas: data.replicas, gpusPerReplica: data.gpusPerReplica, gpuProduct: data.gpuProduct ?? null, pool: data.pool ?? null, cpu: data.cpu, memory: data.memory, settings };
  const changes = changesOf(current, { ...current, ...next });
  const sizingChanged = SIZING_FIELDS.some((f) => JSON.stringify(current[f]) !== JSON.stringify(next[f]));
  const settingsChanged = Object.keys(changes).some((k) => k.startsWith('settings.'));
  const canaryReplicas = canary ? current.canaryReplicas : 0;
  const extraReplicas = sizingChanged
    ? next.replicas + canaryReplicas
    : Math.max(0, next.replicas - current.replicas) + (settingsChanged ? 1 + (canary ? 1 : 0) : 0);
  const placement =
    extraReplicas > 0
      ? await checkPlacement({ engine: current.engine, settings, version: stable, replicas: extraReplicas, gpusPerReplica: next.gpusPerReplica, gpuProduct: next.gpuProduct, pool: next.pool, tenant: current.tenant, cpu: next.cpu, memory: next.memory }, db)
      : null;
  return { current, next, changes, extraReplicas, placement, reason: data.reason, revision: data.revision };
}

/**
 * Changes a running deployment's replicas, engine settings, resources or node selection:
 * refused when nothing changes, when the placement check says the rollout would not fit,
 * or when someone changed the deployment since the operator looked (`revision`). Writes the
 * row, the desired objects (the controller rolls the pods), the rollout record with the diff
 * and the audit event in one transaction.
 */
export async function updateDeployment(actor: AuditActor, deploymentId: string, input: unknown): Promise<{ deployment: ModelDeployment; placement: PlacementCheck | null; changes: Record<string, [unknown, unknown]> }> {
  const plan = await planDeploymentUpdate(deploymentId, input);
  if (Object.keys(plan.changes).length === 0) throw new ConflictError(m.nothingToChange);
  if (plan.placement && !placementFits(plan.placement)) throw new PlacementError(plan.placement, m.changeDoesNotFit, { name: plan.current.name });
  const deployment = await getDb().transaction(async (tx) => {
    const d = await lockDeployment(tx, deploymentId);
    const seen = plan.revision ?? plan.current.revision;
    if (d.revision !== seen || d.revision !== plan.current.revision) {
      throw new ConflictError(msg(m.changedMeanwhileRedo, { revision: String(d.revision) }));
    }
    const after = await update(tx, d, plan.next);
    await writeDesired(tx, after);
    await recordRollout(tx, actor, 'update', d, after, plan.reason, { from: d.stableVersionId, to: d.stableVersionId });
    return after;
  });
  return { deployment, placement: plan.placement, changes: plan.changes };
}

/** Changes the canary's share of the requests. */
export async function stepCanary(actor: AuditActor, deploymentId: string, input: unknown): Promise<ModelDeployment> {
  const data = parseModelInput(canaryStepSchema(), input);
  return getDb().transaction(async (tx) => {
    const d = await lockDeployment(tx, deploymentId);
    if (!d.canaryVersionId) throw new ConflictError(m.noCanary);
    if (d.canaryWeight === data.weight) throw new ConflictError(msg(m.canaryWeightAlready, { weight: String(data.weight) }));
    const after = await update(tx, d, { canaryWeight: data.weight });
    await writeDesired(tx, after);
    await recordRollout(tx, actor, 'canary-step', d, after, data.reason || `canary ${d.canaryWeight} % → ${data.weight} %`, { from: d.stableVersionId, to: d.canaryVersionId });
    return after;
  });
}

/**
 * The placement check for rolling the stable track to `target` (promote, rollback): the
 * rolling update adds one surge pod (`maxSurge 1, maxUnavailable 0`) of the deployment's
 * sizing with the target version's GPU memory need, beside the running pods; the canary's
 * pods, which the same change removes, count as free. Every later new pod takes the place
 * of an old one of the same size; only the GPU memory need can differ, which decides on
 * which nodes the target may run at all, and the planner applies it to every node.
 */
export async function checkStableRoll(d: ModelDeployment, target: ModelVersion, db: Executor = getDb()): Promise<PlacementCheck> {
  return checkPlacement(
    { engine: d.engine, settings: d.settings, version: target, replicas: 1, gpusPerReplica: d.gpusPerReplica, gpuProduct: d.gpuProduct, pool: d.pool, tenant: d.tenant, cpu: d.cpu, memory: d.memory },
    db,
    d.canaryVersionId ? { namespace: d.namespace, labels: { [DEPLOYMENT_LABEL]: d.name, [TRACK_LABEL]: 'canary' } } : undefined,
  );
}

async function currentDeployment(db: Executor, id: string): Promise<ModelDeployment> {
  const [row] = await db.select().from(modelDeployments).where(eq(modelDeployments.id, id));
  if (!row || row.removedAt) throw new NotFoundError(m.noDeploymentAnyMore);
  return row;
}

/** Refuses when someone changed the deployment between the placement check and the write. */
function requireUnchanged(d: ModelDeployment, checked: ModelDeployment): void {
  if (d.revision !== checked.revision) throw new ConflictError(msg(m.changedMeanwhile, { revision: String(d.revision) }));
}

/** What promote rolls to, or why it cannot. */
async function promoteTarget(db: Executor, d: ModelDeployment): Promise<ModelVersion> {
  if (!d.canaryVersionId) throw new ConflictError(m.noCanary);
  const canary = await getVersionById(db, d.canaryVersionId);
  if (!stableStages.has(canary.stage)) {
    throw new ConflictError(msg(m.promoteNeedsProduction, { label: canary.label, stage: stageWord(canary.stage) }));
  }
  // A canary started before this check existed may run (or crash-loop) with a longer max model length.
  requireContextFits(d, canary, m.promoteContextTooLong, 'maxModelLen');
  return canary;
}

/**
 * Makes the canary the stable version (it must be in production): the stable track rolls to
 * it, the canary's objects go. Placement-checked first (`checkStableRoll`); a refusal
 * changes nothing.
 */
export async function promoteCanary(actor: AuditActor, deploymentId: string, input: unknown): Promise<ModelDeployment> {
  const data = parseModelInput(reasonSchema(false), input);
  const db = getDb();
  const checked = await currentDeployment(db, deploymentId);
  const target = await promoteTarget(db, checked);
  const placement = await checkStableRoll(checked, target, db);
  if (!placementFits(placement)) throw new PlacementError(placement, m.promoteDoesNotFit, { label: target.label, gpus: String(checked.gpusPerReplica), gpuWord: gpuWord(checked.gpusPerReplica) });
  return db.transaction(async (tx) => {
    const d = await lockDeployment(tx, deploymentId);
    requireUnchanged(d, checked);
    const canary = await promoteTarget(tx, d);
    const after = await update(tx, d, { stableVersionId: canary.id, previousVersionId: d.stableVersionId, canaryVersionId: null, canaryWeight: 0 });
    await writeDesired(tx, after);
    await recordRollout(tx, actor, 'canary-promote', d, after, data.reason || `promote canary ${canary.label}`, { from: d.stableVersionId, to: canary.id });
    return after;
  });
}

/** Stops the canary: all requests go to the stable version again, the canary's objects go. */
export async function abortCanary(actor: AuditActor, deploymentId: string, input: unknown): Promise<ModelDeployment> {
  const data = parseModelInput(reasonSchema(true), input);
  return getDb().transaction(async (tx) => {
    const d = await lockDeployment(tx, deploymentId);
    if (!d.canaryVersionId) throw new ConflictError(m.noCanary);
    const after = await update(tx, d, { canaryVersionId: null, canaryWeight: 0 });
    await writeDesired(tx, after);
    await recordRollout(tx, actor, 'canary-abort', d, after, data.reason, { from: d.canaryVersionId, to: d.stableVersionId });
    return after;
  });
}

/** What rollback returns to, or why it cannot. */
async function rollbackTarget(db: Executor, d: ModelDeployment): Promise<ModelVersion> {
  if (!d.previousVersionId) throw new ConflictError(m.noEarlierVersion);
  const previous = await getVersionById(db, d.previousVersionId);
  if (!rollbackStages.has(previous.stage)) throw new ConflictError(msg(m.cannotServeAgain, { label: previous.label, stage: stageWord(previous.stage) }));
  requireContextFits(d, previous, m.rollbackContextTooLong, 'maxModelLen');
  return previous;
}

/**
 * One action back to the version that was stable before (a running canary is stopped too).
 * Placement-checked first (`checkStableRoll`: the earlier version may need more GPU memory,
 * and the roll adds a surge pod); a refusal changes nothing.
 */
export async function rollbackDeployment(actor: AuditActor, deploymentId: string, input: unknown): Promise<ModelDeployment> {
  const data = parseModelInput(reasonSchema(true), input);
  const db = getDb();
  const checked = await currentDeployment(db, deploymentId);
  const target = await rollbackTarget(db, checked);
  const placement = await checkStableRoll(checked, target, db);
  if (!placementFits(placement)) throw new PlacementError(placement, m.rollbackDoesNotFit, { label: target.label, gpus: String(checked.gpusPerReplica), gpuWord: gpuWord(checked.gpusPerReplica) });
  return db.transaction(async (tx) => {
    const d = await lockDeployment(tx, deploymentId);
    requireUnchanged(d, checked);
    const previous = await rollbackTarget(tx, d);
    const after = await update(tx, d, { stableVersionId: previous.id, previousVersionId: d.stableVersionId, canaryVersionId: null, canaryWeight: 0 });
    await writeDesired(tx, after);
    await recordRollout(tx, actor, 'rollback', d, after, data.reason, { from: d.stableVersionId, to: previous.id });
    return after;
  });
}

/** Removes a deployment: its objects are deleted by the controller; the record and history stay. */
export async function undeployModel(actor: AuditActor, deploymentId: string, input: unknown): Promise<ModelDeployment> {
  const data = parseModelInput(reasonSchema(true), input);
  return getDb().transaction(async (tx) => {
    const d = await lockDeployment(tx, deploymentId);
    await deleteDesired(tx, { owner: ownerOf(d) });
    const after = await update(tx, d, { removedAt: new Date(), canaryVersionId: null, canaryWeight: 0 });
    await recordRollout(tx, actor, 'undeploy', d, after, data.reason, { from: d.stableVersionId, to: null });
    return after;
  });
}

/** Deployments (not removed) of one model, or of all models; with version labels. */
export async function listDeployments(filter: { modelId?: string } = {}, db: Executor = getDb()) {
  const rows = await db
    .select({ deployment: modelDeployments, modelName: models.name })
    .from(modelDeployments)
    .innerJoin(models, eq(models.id, modelDeployments.modelId))
    .where(and(isNull(modelDeployments.removedAt), filter.modelId ? eq(modelDeployments.modelId, filter.modelId) : undefined))
    .orderBy(desc(modelDeployments.updatedAt));
  const ids = [...new Set(rows.flatMap((r) => [r.deployment.stableVersionId, r.deployment.canaryVersionId].filter((x): x is string => Boolean(x))))];
  const labels = ids.length ? await db.select({ id: modelVersions.id, label: modelVersions.label }).from(modelVersions).where(inArray(modelVersions.id, ids)) : [];
  const labelOf = new Map(labels.map((l) => [l.id, l.label]));
  return rows.map((r) => ({
    ...r.deployment,
    modelName: r.modelName,
    stableLabel: labelOf.get(r.deployment.stableVersionId) ?? null,
    canaryLabel: r.deployment.canaryVersionId ? (labelOf.get(r.deployment.canaryVersionId) ?? null) : null,
  }));
}

/** A deployment by id with its model name; NotFoundError when missing. */
export async function getDeployment(id: string, db: Executor = getDb()) {
  const [row] = await db
    .select({ deployment: modelDeployments, modelName: models.name })
    .from(modelDeployments)
    .innerJoin(models, eq(models.id, modelDeployments.modelId))
    .where(eq(modelDeployments.id, id));
  if (!row) throw new NotFoundError(m.noSuchDeployment);
  return { ...row.deployment, modelName: row.modelName };
}

/** How many of the newest rollouts carry their job's state in listRollouts. */
const ROLLOUTS_WITH_JOB = 20;

/** The state of the job following a rollout: running with progress, or how it ended. */
export interface RolloutJobState {
  id: string;
  state: string;
  progress: { done: number; total: number; message: string | null } | null;
  result: unknown;
  lastError: string | null;
  finishedAt: string | null;
}

/** The rollout history of a deployment, newest first, with version labels and (for the newest 20) the state of the job following each. */
export async function listRollouts(deploymentId: string, db: Executor = getDb()) {
  const rows = await db.select().from(modelRollouts).where(eq(modelRollouts.deploymentId, deploymentId)).orderBy(desc(modelRollouts.createdAt), desc(modelRollouts.revision));
  const ids = [...new Set(rows.flatMap((r) => [r.fromVersionId, r.toVersionId].filter((x): x is string => Boolean(x))))];
  const labels = ids.length ? await db.select({ id: modelVersions.id, label: modelVersions.label }).from(modelVersions).where(inArray(modelVersions.id, ids)) : [];
  const labelOf = new Map(labels.map((l) => [l.id, l.label]));
  const jobs = await rolloutJobs(rows.slice(0, ROLLOUTS_WITH_JOB).map((r) => r.id));
  return rows.map((r) => {
    const j = jobs.get(r.id);
    const job: RolloutJobState | null = j
      ? { id: j.id, state: j.state, progress: j.progress, result: j.result, lastError: j.lastError?.replace(/^PermanentJobError: /, '') ?? null, finishedAt: j.finishedAt?.toISOString() ?? null }
      : null;
    return { ...r, fromLabel: r.fromVersionId ? (labelOf.get(r.fromVersionId) ?? null) : null, toLabel: r.toVersionId ? (labelOf.get(r.toVersionId) ?? null) : null, job };
  });
}

/** The desired objects of a deployment with what the controller observed. */
export function listDeploymentObjects(d: Pick<ModelDeployment, 'id'>, db: Executor = getDb()): Promise<DesiredObjectRow[]> {
  return listDesired(db, { owner: ownerOf(d) });
}
