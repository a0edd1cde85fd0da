import { type LoaderFunctionArgs, json } from '@remix-run/node';
import { apiWork, requirePermission } from '~/utils/auth.server';
import { deploymentJson, deploymentProgress, getDeployment, listDeploymentObjects, listRollouts } from '~/utils/models.server';

export const handle = { permission: 'models:read' };

/** GET /api/v1/models/deployments/:id: the deployment, its live progress (ready, pods, failures, events) and history. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    await requirePermission(request, 'models:read');
    const d = await getDeployment(params.id ?? '');
    const [objects, rollouts] = await Promise.all([listDeploymentObjects(d), listRollouts(d.id)]);
    return json({ deployment: deploymentJson(d), progress: await deploymentProgress(d, objects), rollouts });
  });
}
