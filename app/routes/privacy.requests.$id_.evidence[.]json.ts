import type { LoaderFunctionArgs } from '@remix-run/node';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { getRequest } from '~/utils/privacy.server';

export const handle = { permission: 'privacy:read' };

/** The signed evidence as a file, for `npm run privacy:verify-evidence`. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'privacy:read');
  return loaderWork(async () => {
    const detail = await getRequest(params.id ?? '');
    if (!detail.request.evidence) return new Response('No evidence yet.', { status: 404 });
    return new Response(JSON.stringify(detail.request.evidence, null, 2), {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-disposition': `attachment; filename="evidence-${detail.request.reference}.json"`,
        'cache-control': 'no-store',
      },
    });
  });
}
