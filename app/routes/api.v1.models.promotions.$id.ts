import { type ActionFunctionArgs, json } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { decidePromotion, readModelForm } from '~/utils/models.server';

export const handle = { permission: 'models:approve' };

/**
 * POST /api/v1/models/promotions/:id `{ decision: approve|reject, note? }`: a person's decision
 * (personal token); the four-eyes rules apply as in the console, service tokens cannot approve.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:approve');
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    const promotion = await decidePromotion(actor, params.id ?? '', await readModelForm(request));
    return json({ promotion });
  });
}
