import { type ActionFunctionArgs, json } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { deploymentJson, readModelForm, rollbackDeployment } from '~/utils/models.server';

export const handle = { permission: 'models:write' };

/**
 * POST /api/v1/models/deployments/:id/rollback `{ reason }`: back to the previous production version in one step.
 * Placement-checked like a deploy: when the rolling update does not fit, 400 with `fieldErrors.placement` (the reasons).
 */
export async function action({ request, params }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    return json({ deployment: deploymentJson(await rollbackDeployment(actor, params.id ?? '', await readModelForm(request))) });
  });
}
