import { type ActionFunctionArgs, json } from '@remix-run/node';
import { methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { abortCanary, deploymentJson, modelApiWork, promoteCanary, readModelForm, startCanary, stepCanary } from '~/utils/models.server';

export const handle = { permission: 'models:write' };

/**
 * POST /api/v1/models/deployments/:id/canary `{ action: start, versionId, weight, replicas?, reason }`,
 * `{ action: step, weight, reason? }`, `{ action: promote, reason? }` or `{ action: abort, reason }`.
 * Start and promote are placement-checked like a deploy: when it does not fit, 400 with `fieldErrors.placement`
 * (the reasons) and `placement` (estimate, reasons, where it would fit instead). A version whose context is
 * shorter than the deployment's max model length is refused (start: `fieldErrors.versionId`, promote:
 * `fieldErrors.maxModelLen`).
 */
export async function action({ request, params }: ActionFunctionArgs) {
  return modelApiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    const id = params.id ?? '';
    const body = await readModelForm(request);
    switch (body.action) {
      case 'start':
        return json({ deployment: deploymentJson((await startCanary(actor, id, body)).deployment) }, { status: 201 });
      case 'step':
        return json({ deployment: deploymentJson(await stepCanary(actor, id, body)) });
      case 'promote':
        return json({ deployment: deploymentJson(await promoteCanary(actor, id, body)) });
      case 'abort':
        return json({ deployment: deploymentJson(await abortCanary(actor, id, body)) });
      default:
        return json({ error: 'Say what to do: action is start, step, promote or abort.', fieldErrors: { action: ['start, step, promote or abort'] } }, { status: 400 });
    }
  });
}
