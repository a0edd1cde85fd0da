import { type LoaderFunctionArgs, json } from '@remix-run/node';
import { apiWork, requirePermission } from '~/utils/auth.server';
import { deploymentJson, getModel, listDeployments, listVersions, versionJson } from '~/utils/models.server';

export const handle = { permission: 'models:read' };

/** GET /api/v1/models/:name: the model with its versions and deployments. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    await requirePermission(request, 'models:read');
    const model = await getModel(params.name ?? '');
    const [versions, deployments] = await Promise.all([listVersions(model.id), listDeployments({ modelId: model.id })]);
    return json({ model, versions: versions.map(versionJson), deployments: deployments.map(deploymentJson) });
  });
}
