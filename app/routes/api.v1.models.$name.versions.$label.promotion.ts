import { type ActionFunctionArgs, json } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { readModelForm, requestPromotion } from '~/utils/models.server';

export const handle = { permission: 'models:write' };

/** POST /api/v1/models/:name/versions/:label/promotion `{ reason }`: asks for production; a second person approves. */
export async function action({ request, params }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    const promotion = await requestPromotion(actor, params.name ?? '', params.label ?? '', await readModelForm(request));
    return json({ promotion }, { status: 201 });
  });
}
