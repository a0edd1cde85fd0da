import { type ActionFunctionArgs, json } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { readModelForm, setVersionStage, versionJson } from '~/utils/models.server';

export const handle = { permission: 'models:write' };

/** POST /api/v1/models/:name/versions/:label/stage `{ stage, reason? }`: any move but to production (that needs approval). */
export async function action({ request, params }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    const version = await setVersionStage(actor, params.name ?? '', params.label ?? '', await readModelForm(request));
    return json({ version: versionJson(version) });
  });
}
