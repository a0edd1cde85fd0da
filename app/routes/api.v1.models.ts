import { type ActionFunctionArgs, type LoaderFunctionArgs, json } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission } from '~/utils/auth.server';
import { type ModelSortKey, type ModelStage, createModel, listModels, modelSortKeys, modelStages, readModelForm } from '~/utils/models.server';

export const handle = { permission: 'models:read', actionPermission: 'models:write' };

/** GET /api/v1/models?q=&family=&tag=&stage=&sort=name|-updated&page=: the registry, 50 per page. */
export async function loader({ request }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    await requirePermission(request, 'models:read');
    const params = new URL(request.url).searchParams;
    const sortRaw = params.get('sort') ?? '-updated';
    const sortKey = sortRaw.replace(/^-/, '');
    const stage = params.get('stage') ?? '';
    const page = Math.max(1, Number(params.get('page')) || 1);
    const list = await listModels({
      search: params.get('q') ?? undefined,
      family: params.get('family') || undefined,
      tag: params.get('tag') || undefined,
      stage: (modelStages as readonly string[]).includes(stage) ? (stage as ModelStage) : undefined,
      sort: (modelSortKeys as readonly string[]).includes(sortKey) ? { key: sortKey as ModelSortKey, desc: sortRaw.startsWith('-') } : undefined,
      page,
      pageSize: 50,
    });
    return json({ total: list.total, page, models: list.rows });
  });
}

/** POST /api/v1/models `{ name, family, owner, license, description?, tags? }`: registers a model. */
export async function action({ request }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { actor } = await requirePermission(request, 'models:write');
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    const model = await createModel(actor, await readModelForm(request));
    return json({ model }, { status: 201 });
  });
}
