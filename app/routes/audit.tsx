import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { createColumnHelper } from '@tanstack/react-table';
import { z } from 'zod';
import { AuditVerifyPanel, type VerificationView } from '~/components/audit-verify';
import { DataTable, type DataTableFilter } from '~/components/data-table';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { auditDefaultSort as defaultSort, auditErrorsByParam, auditPageParams, auditRawQuery } from '~/utils/audit-query';
import { readSort, withParams } from '~/utils/table-params';
import { listAuditEvents, parseAuditQuery, runAuditVerification } from '~/utils/audit.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'audit:read', actionPermission: 'audit:verify' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'audit.title' });

const pageSize = 50;

type FieldErrors = Record<string, string[]>;

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'audit:read');
  const canVerify = user?.permissions.includes('audit:verify') ?? false;
  let query;
  try {
    query = parseAuditQuery(auditRawQuery(new URL(request.url).searchParams));
  } catch (error) {
    if ((error as Error).name !== 'InputError') throw error;
    const fieldErrors = auditErrorsByParam((error as { fieldErrors: FieldErrors }).fieldErrors);
    return json({ events: [], older: null, newer: null, fieldErrors, canVerify }, { status: 400 });
  }
  const page = await listAuditEvents({ ...query, limit: pageSize });
  return json({
    events: page.events.map((e) => ({
      id: e.id,
      occurredAt: e.occurredAt.toISOString(),
      actorName: e.actorName,
      actorId: e.actorId,
      actorRoles: e.actorRoles,
      action: e.action,
      targetType: e.targetType,
      targetId: e.targetId,
      clientAddress: e.clientAddress,
    })),
    older: page.older,
    newer: page.newer,
    fieldErrors: null as FieldErrors | null,
    canVerify,
  });
}

/** The no-JavaScript path of the verify button (with JavaScript, /audit/verify streams progress). */
export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'audit:verify');
  return formAction(async () => {
    await parseForm(request, z.object({ intent: z.literal('verify') }));
    const verification: VerificationView = await runAuditVerification({ actor });
    return json({ verification });
  });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['events'][number];
const column = createColumnHelper<Row>();

/** UTC, to the second: the same text on server and client, precise enough for an audit. */
function formatUtc(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

export default function AuditPage() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const sort = readSort(params, ['time'], defaultSort);
  const errorText = (name: string) => {
    const messages = data.fieldErrors?.[name];
    return messages?.length ? messages.map((m) => t(m as MessageKey)).join(' ') : undefined;
  };
  const filterHref = (patch: Record<string, string>) => `/audit${withParams(params, patch, auditPageParams)}`;

  const columns = [
    column.accessor('id', {
      id: 'id',
      header: t('audit.col.id'),
      meta: { className: 'num' },
      cell: (c) => (
        <a href={`/audit/${c.getValue()}`} aria-label={t('audit.openEvent', { id: c.getValue() })}>
          {c.getValue()}
        </a>
      ),
    }),
    column.accessor('occurredAt', {
      id: 'time',
      header: t('audit.col.time'),
      sortDescFirst: true,
      meta: { className: 'nowrap' },
      cell: (c) => <time dateTime={c.getValue()}>{formatUtc(c.getValue())}</time>,
    }),
    column.accessor('actorName', {
      id: 'actor',
      header: t('audit.col.actor'),
      cell: (c) => (
        <>
          <a href={filterHref({ actor: c.getValue() })}>{c.getValue() === 'system' ? t('audit.system') : c.getValue()}</a>
          {c.row.original.actorRoles.length > 0 ? (
            <span className="muted small"> ({c.row.original.actorRoles.join(', ')})</span>
          ) : null}
        </>
      ),
    }),
    column.accessor('action', {
      id: 'action',
      header: t('audit.col.action'),
      cell: (c) => <code>{c.getValue()}</code>,
    }),
    column.accessor('targetType', {
      id: 'target',
      header: t('audit.col.target'),
      cell: (c) => {
        const { targetType, targetId } = c.row.original;
        return (
          <a href={filterHref(targetId ? { type: targetType, target: targetId } : { type: targetType })}>
            {targetType}
            {targetId ? `: ${targetId}` : ''}
          </a>
        );
      },
    }),
    column.accessor('clientAddress', {
      id: 'client',
      header: t('audit.col.client'),
      cell: (c) => c.getValue() ?? '',
    }),
  ];

  const filters: DataTableFilter[] = [
    { name: 'actor', label: t('audit.filter.actor'), hint: t('audit.filter.actorHint') },
    { name: 'action', label: t('audit.filter.action'), hint: t('audit.filter.actionHint') },
    { name: 'type', label: t('audit.filter.targetType') },
    { name: 'target', label: t('audit.filter.targetId') },
    { name: 'from', label: t('audit.filter.from'), type: 'datetime-local', hint: t('audit.filter.timeHint') },
    { name: 'to', label: t('audit.filter.to'), type: 'datetime-local', hint: t('audit.filter.timeHint') },
  ].map((f) => ({ ...f, error: errorText(f.name) }) as DataTableFilter);

  // Keyset pages: "newer" and "older" map onto previous/next by the order shown.
  const newer = data.newer !== null ? { after: String(data.newer) } : null;
  const older = data.older !== null ? { before: String(data.older) } : null;
  const pagination = sort.desc
    ? { kind: 'cursor' as const, prev: newer, next: older, prevLabel: t('audit.newer'), nextLabel: t('audit.older') }
    : { kind: 'cursor' as const, prev: older, next: newer, prevLabel: t('audit.older'), nextLabel: t('audit.newer') };
  const exportQuery = withParams(params, {}, auditPageParams).replace(/^\?/, '');
  const exportHref = (format: string) => `/audit/export?${exportQuery ? `${exportQuery}&` : ''}format=${format}`;
  const cursorError = errorText('before') ?? errorText('after') ?? errorText('order');

  return (
    <>
      <h1>{t('audit.title')}</h1>
      <p className="muted">{t('audit.intro')}</p>
      {data.fieldErrors ? (
        <div className="alert alert-error" role="alert">
          <p>{t('audit.error.filters')}</p>
          {cursorError ? (
            <p>
              {cursorError} <Link to="/audit">{t('audit.title')}</Link>
            </p>
          ) : null}
        </div>
      ) : null}
      <DataTable
        caption={t('audit.caption')}
        columns={columns}
        data={data.events}
        getRowId={(row) => String(row.id)}
        sortable={['time']}
        defaultSort={defaultSort}
        filters={filters}
        pagination={pagination}
        pageParams={auditPageParams}
        emptyMessage={t('audit.empty')}
        emptyFilteredMessage={t('audit.emptyFiltered')}
        toolbar={
          <>
            <span className="export-links" role="group" aria-label={t('audit.export.title')} aria-describedby="audit-export-hint">
              <a className="button secondary" href={exportHref('csv')} download>
                {t('audit.export.csv')}
              </a>
              <a className="button secondary" href={exportHref('jsonl')} download>
                {t('audit.export.jsonl')}
              </a>
            </span>
            <span id="audit-export-hint" className="export-hint muted small">
              {t('audit.export.hint')}
            </span>
          </>
        }
      />
      {data.canVerify ? (
        <AuditVerifyPanel
          serverResult={actionData && 'verification' in actionData ? actionData.verification : undefined}
        />
      ) : null}
    </>
  );
}
