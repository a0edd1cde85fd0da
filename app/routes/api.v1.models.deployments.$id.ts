import { type ActionFunctionArgs, type LoaderFunctionArgs, json } from '@remix-run/node';
import { apiWork, englishMessage, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { deploymentJson, deploymentProgress, getDeployment, listDeploymentObjects, listRollouts, modelApiWork, placementJson, readModelForm, updateDeployment } from '~/utils/models.server';

export const handle = { permission: 'models:read', actionPermission: 'models:write' };

/** GET /api/v1/models/deployments/:id: the deployment, its live progress (ready, pods, failures, events) and history. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    await requirePermission(request, 'models:read');
    const d = await getDeployment(params.id ?? '');
    const [objects, rollouts] = await Promise.all([listDeploymentObjects(d), listRollouts(d.id)]);
    // A rollout job's progress note is a message key; the API answers in English.
    const history = rollouts.map((r) =>
      r.job?.progress?.message ? { ...r, job: { ...r.job, progress: { ...r.job.progress, message: englishMessage(r.job.progress.message) } } } : r,
    );
    return json({ deployment: deploymentJson(d), progress: await deploymentProgress(d, objects), rollouts: history });
  });
}

/**
 * PATCH /api/v1/models/deployments/:id `{ reason, revision?, replicas?, gpusPerReplica?, gpuProduct?,
 * pool?, cpu?, memory?, tensorParallelSize?, maxModelLen?, gpuMemoryUtilization?, extraArgs? }`:
 * changes a running deployment; absent fields keep their value, null clears an optional one.
 * Answers the deployment, what changed (`field: [before, after]`) and the placement check
 * (null when the change adds no pods). Does not fit: 400 with `fieldErrors.placement` and
 * `placement` (estimate, reasons, where it would fit instead);
 * nothing changes or `revision` is stale: 409.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  return modelApiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'PATCH') return methodNotAllowed(['GET', 'PATCH']);
    const { deployment, placement, changes } = await updateDeployment(actor, params.id ?? '', await readModelForm(request));
    return json({ deployment: deploymentJson(deployment), changes, placement: placement ? placementJson(placement, englishMessage) : null });
  });
}
