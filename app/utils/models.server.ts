import { json } from '@remix-run/node';
import { z } from 'zod';
import { parseForm } from './form.server';
import { apiWork, englishMessage } from './auth.server';
import { errorResponse } from './errors.server';
import { isAppError } from '../../server/core/errors';
import { type DeploymentProgress, type ModelDeployment, type ModelVersion, type PlacementCheck, isPlacementError } from '../../server/models';

/*
 * The Remix adapter of the models context: route modules import server code only from here.
 * Mutations read their body with readModelForm (CSRF checked, any fields), then hand it to a
 * server function that parses it with the context's own schemas.
 */
export {
  abortCanary,
  addEvaluations,
  checkDeploymentPlacement,
  createModel,
  decidePromotion,
  deployModel,
  deploymentProgress,
  engineFormats,
  engineLabel,
  findVersion,
  getDeployment,
  getModel,
  getVersionDetail,
  inferenceEngines,
  isPlacementError,
  listDeploymentObjects,
  listDeployments,
  listModels,
  listPromotions,
  listRollouts,
  listVersions,
  modelFormats,
  modelSortKeys,
  modelStages,
  planDeploymentUpdate,
  promoteCanary,
  quantizations,
  registerVersion,
  renderDeploymentObjects,
  requestPromotion,
  rollbackDeployment,
  setVersionStage,
  stageTransitions,
  startCanary,
  stepCanary,
  undeployModel,
  updateDeployment,
  updateModel,
  versionView,
} from '../../server/models';
export type { ModelSortKey, ModelStage } from '../../server/models';
export { listTenants } from '../../server/tenants';
export { getGpuInventory, listPools } from '../../server/gpu';

/** A mutation's fields (form or JSON), after the CSRF check; the server function validates them. */
export async function readModelForm(request: Request): Promise<Record<string, unknown>> {
  return parseForm(request, z.record(z.string(), z.unknown()));
}

/**
 * Runs a page action: refused input (400), conflicts (409) and refused approvals (403, e.g.
 * four eyes) come back as data the form shows; other typed errors go to the error boundary.
 */
export async function modelAction<T>(work: () => Promise<T>): Promise<T | Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Response) throw error;
    if (!isAppError(error)) throw error;
    if ([400, 403, 409].includes(error.status)) {
      const fieldErrors = 'fieldErrors' in error ? (error.fieldErrors as Record<string, string[]>) : {};
      return json({ ok: false as const, formError: error.message, fieldErrors }, { status: error.status });
    }
    throw errorResponse(error);
  }
}

/** A version as JSON for pages and the API. */
export function versionJson(v: ModelVersion) {
  return {
    id: v.id,
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
    stageChangedAt: v.stageChangedAt.toISOString(),
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
  };
}

/** A deployment as JSON for pages and the API. */
export function deploymentJson(d: ModelDeployment & { modelName?: string; stableLabel?: string | null; canaryLabel?: string | null }) {
  return {
    id: d.id,
    model: d.modelName ?? null,
    name: d.name,
    namespace: d.namespace,
    tenant: d.tenant,
    engine: d.engine,
    settings: d.settings,
    replicas: d.replicas,
    gpusPerReplica: d.gpusPerReplica,
    gpuProduct: d.gpuProduct,
    pool: d.pool,
    cpu: d.cpu,
    memory: d.memory,
    stableVersionId: d.stableVersionId,
    stableLabel: d.stableLabel ?? null,
    previousVersionId: d.previousVersionId,
    canaryVersionId: d.canaryVersionId,
    canaryLabel: d.canaryLabel ?? null,
    canaryWeight: d.canaryWeight,
    canaryReplicas: d.canaryReplicas,
    revision: d.revision,
    removedAt: d.removedAt?.toISOString() ?? null,
    updatedAt: d.updatedAt.toISOString(),
  };
}

/**
 * A placement check as JSON: the estimate with its parts, what was checked (`request`: the
 * replicas the change adds, sized per replica) and the planner's answer; each alternative as
 * the request it would fit as (replicas, pool, GPU product; null: no restriction), the quota
 * it would need, and the planner's assignments of replicas to nodes. Reasons, notes,
 * alternative descriptions and the estimate's explanations are message keys: pages translate
 * them, API routes pass `englishMessage` as `text`.
 */
export function placementJson(check: PlacementCheck, text: (message: string) => string = (message) => message) {
  const o = check.outcome;
  const r = check.request;
  return {
    estimate: { ...check.estimate, parts: check.estimate.parts.map((p) => ({ ...p, explanation: text(p.explanation) })) },
    request: { replicas: r.replicas, gpusPerReplica: r.gpusPerReplica, gpuMemoryGiBPerReplica: r.gpuMemoryGiBPerReplica ?? null, pool: r.pool ?? null, gpuProduct: r.products?.[0] ?? null, tenant: r.tenant ?? null },
    fits: o.checked ? o.result.fits : false,
    checked: o.checked,
    reasons: (o.checked ? (o.result.fits ? [] : o.result.reasons) : [o.reason]).map(text),
    notes: o.checked && o.result.fits ? o.result.notes.map(text) : [],
    assignments: o.checked && o.result.fits ? o.result.assignments : [],
    alternatives:
      o.checked && !o.result.fits
        ? o.result.alternatives.map((a) => {
            // The change replaces fields of the request; a key present with undefined lifts that restriction.
            const changed = { ...r, ...a.change };
            return {
              description: text(a.description),
              replicas: changed.replicas,
              gpusPerReplica: changed.gpusPerReplica,
              pool: changed.pool ?? null,
              gpuProduct: changed.products?.[0] ?? null,
              quotaGpus: a.change.quotaGpus ?? null,
              nodes: [...new Set(a.assignments.map((x) => x.node))],
              assignments: a.assignments.map((x) => ({ replica: x.replica, node: x.node, gpus: x.gpus, resource: x.resource })),
            };
          })
        : [],
  };
}

/**
 * A refused page action as data for its form: a placement refusal with its report (the
 * reasons are in the report, not as field errors), other refused input (400) with its field
 * errors; null for anything else (modelAction deals with it).
 */
export function modelRefusal(error: unknown): { ok: false; formError: string; fieldErrors: Record<string, string[]>; placement?: ReturnType<typeof placementJson> } | null {
  if (isPlacementError(error)) return { ok: false, formError: error.message, fieldErrors: {}, placement: placementJson(error.check) };
  if (isAppError(error) && error.status === 400) return { ok: false, formError: error.message, fieldErrors: 'fieldErrors' in error ? (error.fieldErrors as Record<string, string[]>) : {} };
  return null;
}

/**
 * Runs a models API route's work (apiWork): a placement refusal answers 400 with the usual
 * `error` and `fieldErrors.placement` plus `placement`, the whole check (estimate with its
 * parts, reasons, where it would fit instead).
 */
export function modelApiWork(request: Request, work: () => Promise<Response>): Promise<Response> {
  return apiWork(request, work, (error) => (isPlacementError(error) ? { placement: placementJson(error.check, englishMessage) } : undefined));
}

/** Progress as JSON (dates as strings). */
export function progressJson(p: DeploymentProgress) {
  return { ...p };
}

/** The rendered objects of a deployment as YAML documents (what the controller applies). */
export async function deploymentManifestsYaml(d: ModelDeployment): Promise<string> {
  const { stringify } = await import('yaml');
  const { getDb } = await import('../../db/client');
  const { renderDeploymentObjects } = await import('../../server/models');
  const objects = await renderDeploymentObjects(getDb(), d);
  return [...objects.deployments, ...objects.services, objects.route].map((o) => stringify(o)).join('---\n');
}
