import { type LoaderFunctionArgs, json } from '@remix-run/node';
import { englishMessage, requirePermission } from '~/utils/auth.server';
import { auditErrorsByParam, auditRawQuery } from '~/utils/audit-query';
import { auditExportStream, auditMessages, parseAuditQuery } from '~/utils/audit.server';

export const handle = { permission: 'audit:read' };

/**
 * GET /audit/export?format=csv|jsonl&<the list's filters and sort>: every matching event,
 * streamed as it is read. Read-only, so not itself audited (the request log has it).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'audit:read');
  const params = new URL(request.url).searchParams;
  const format = params.get('format');
  if (format !== 'csv' && format !== 'jsonl') {
    const key = auditMessages.format;
    return json({ error: englishMessage(key), messageKey: key, fieldErrors: { format: [key] } }, { status: 400 });
  }
  let query;
  try {
    query = parseAuditQuery(auditRawQuery(params, { withCursor: false }));
  } catch (error) {
    if ((error as Error).name !== 'InputError') throw error;
    const { message, fieldErrors } = error as { message: string; fieldErrors: Record<string, string[]> };
    return json(
      { error: englishMessage(message), messageKey: message, fieldErrors: auditErrorsByParam(fieldErrors) },
      { status: 400 },
    );
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new Response(auditExportStream(format, { filters: query.filters, order: query.order }), {
    headers: {
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="leitstand-audit-${stamp}.${format}"`,
      'Cache-Control': 'no-store',
    },
  });
}
