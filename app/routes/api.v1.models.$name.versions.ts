import { type ActionFunctionArgs, type LoaderFunctionArgs, json } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { getModel, listVersions, readModelForm, registerVersion, versionJson } from '~/utils/models.server';

export const handle = { permission: 'models:read', actionPermission: 'models:write' };

/** GET /api/v1/models/:name/versions: the versions, newest first. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    await requirePermission(request, 'models:read');
    const model = await getModel(params.name ?? '');
    return json({ versions: (await listVersions(model.id)).map(versionJson) });
  });
}

/**
 * POST /api/v1/models/:name/versions `{ label, artifactUri, format, quantization, parameterCount,
 * contextLength, sizeBytes, sha256, modelCard?, datasets?, evaluations?: [{ metric, value, dataset, date }] }`:
 * registers a version (stage draft), as a CI pipeline does after training.
 */
export async function action({ request, params }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    const version = await registerVersion(actor, params.name ?? '', await readModelForm(request));
    return json({ version: versionJson(version) }, { status: 201 });
  });
}
