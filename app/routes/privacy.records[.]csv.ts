import type { LoaderFunctionArgs } from '@remix-run/node';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { recordsOfProcessingCsv } from '~/utils/privacy.server';

export const handle = { permission: 'privacy:read' };

/** The records of processing (Art. 30(1)(f) time limits) as CSV. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'privacy:read');
  return loaderWork(async () => {
    const csv = await recordsOfProcessingCsv();
    return new Response(csv, {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="records-of-processing-${new Date().toISOString().slice(0, 10)}.csv"`,
        'cache-control': 'no-store',
      },
    });
  });
}
