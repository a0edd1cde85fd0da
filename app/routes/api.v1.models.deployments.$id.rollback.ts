import { type ActionFunctionArgs, json } from '@remix-run/node';
import { methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { deploymentJson, modelApiWork, readModelForm, rollbackDeployment } from '~/utils/models.server';

export const handle = { permission: 'models:write' };

/**
 * POST /api/v1/models/deployments/:id/rollback `{ reason }`: back to the previous production version in one step.
 * Placement-checked like a deploy: when the rolling update does not fit, 400 with `fieldErrors.placement` (the
 * reasons) and `placement` (estimate, reasons, where it would fit instead). When the previous version's context
 * is shorter than the deployment's max model length: 400 with `fieldErrors.maxModelLen`. A refusal writes nothing.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  return modelApiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    return json({ deployment: deploymentJson(await rollbackDeployment(actor, params.id ?? '', await readModelForm(request))) });
  });
}
