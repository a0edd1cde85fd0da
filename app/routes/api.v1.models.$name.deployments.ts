import { type ActionFunctionArgs, type LoaderFunctionArgs, json } from '@remix-run/node';
import { apiWork, englishMessage, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { deployModel, deploymentJson, getModel, listDeployments, modelApiWork, placementJson, readModelForm } from '~/utils/models.server';

export const handle = { permission: 'models:read', actionPermission: 'models:write' };

/** GET /api/v1/models/:name/deployments: where the model runs. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    await requirePermission(request, 'models:read');
    const model = await getModel(params.name ?? '');
    return json({ deployments: (await listDeployments({ modelId: model.id })).map(deploymentJson) });
  });
}

/**
 * POST /api/v1/models/:name/deployments `{ versionId, engine, target?: platform|tenant:<slug>, replicas?,
 * gpusPerReplica?, gpuProduct?, pool?, cpu?, memory?, tensorParallelSize?, maxModelLen?,
 * gpuMemoryUtilization?, extraArgs?, name?, reason? }`: checks placement, then deploys (201).
 * When it does not fit: 400 with `fieldErrors.placement` (the reasons) and `placement` (estimate, reasons,
 * where it would fit instead; see server/models/README.md). A version whose context is shorter than
 * `maxModelLen`: 400 with `fieldErrors.maxModelLen`.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  return modelApiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    const { deployment, placement } = await deployModel(actor, params.name ?? '', await readModelForm(request));
    return json({ deployment: deploymentJson(deployment), placement: placementJson(placement, englishMessage) }, { status: 201 });
  });
}
