import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { createColumnHelper } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { DaysLeft, RequestStateBadge } from '~/components/privacy/badges';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import type { MessageKey } from '~/i18n/messages';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { erasureStates, listRequests, requestSortKeys } from '~/utils/privacy.server';
import { readFilters, readPage, readSort } from '~/utils/table-params';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'privacy.requests.title' }, { key: 'privacy.title' });

const defaultSort = { id: 'dueOn', desc: false };
const pageSize = 25;

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'privacy:read');
  const params = new URL(request.url).searchParams;
  const sort = readSort(params, requestSortKeys, defaultSort);
  const filters = readFilters(params, ['q', 'state'] as const);
  const page = readPage(params);
  return loaderWork(async () => {
    const state = (erasureStates as readonly string[]).includes(filters.state) ? (filters.state as (typeof erasureStates)[number]) : undefined;
    const result = await listRequests({ q: filters.q || undefined, state, sort: sort.id as (typeof requestSortKeys)[number], dir: sort.desc ? 'desc' : 'asc', page, pageSize });
    return json({
      ...result,
      pageCount: Math.max(1, Math.ceil(result.total / pageSize)),
      states: [...erasureStates],
      canWrite: user?.permissions.includes('privacy:write') ?? false,
    });
  });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['rows'][number];
const column = createColumnHelper<Row>();

export default function ErasureRequests() {
  const t = useT();
  const f = useFormat();
  const data = useLoaderData<typeof loader>();
  const columns = [
    column.accessor('reference', { id: 'reference', header: t('privacy.field.reference'), cell: (c) => <Link to={`/privacy/requests/${c.row.original.id}`}>{c.getValue()}</Link> }),
    column.accessor('state', { id: 'state', header: t('privacy.field.state'), cell: (c) => <RequestStateBadge state={c.getValue()} /> }),
    column.accessor('receivedOn', { id: 'receivedOn', header: t('privacy.field.receivedOn'), meta: { className: 'nowrap' }, cell: (c) => <time dateTime={c.getValue()}>{f.date(c.getValue())}</time> }),
    column.accessor('effectiveDueOn', { id: 'dueOn', header: t('privacy.field.dueOn'), meta: { className: 'nowrap' }, cell: (c) => <time dateTime={c.getValue()}>{f.date(c.getValue())}</time> }),
    column.accessor('daysLeft', { id: 'daysLeft', header: t('privacy.field.daysLeft'), cell: (c) => <DaysLeft days={c.getValue()} /> }),
    column.accessor('channel', { id: 'channel', header: t('privacy.field.channel'), cell: (c) => t(`privacy.channel.${c.getValue()}` as MessageKey) }),
    column.accessor('identifierKinds', { id: 'identifierKinds', header: t('privacy.field.identifiers'), cell: (c) => c.getValue().map((k) => t(`privacy.kind.${k}` as MessageKey)).join(', ') }),
  ];
  return (
    <>
      <h1>{t('privacy.requests.title')}</h1>
      <PrivacyNav />
      <p className="muted">{t('privacy.requests.count', { n: data.total })}</p>
      <DataTable
        caption={t('privacy.requests.title')}
        columns={columns}
        data={data.rows}
        getRowId={(r) => r.id}
        sortable={['reference', 'state', 'receivedOn', 'dueOn']}
        defaultSort={defaultSort}
        filters={[
          { name: 'q', label: t('privacy.requests.search'), type: 'search' },
          { name: 'state', label: t('privacy.field.state'), type: 'select', allLabel: t('privacy.requests.allStates'), options: data.states.map((s) => ({ value: s, label: t(`privacy.state.${s}` as MessageKey) })) },
        ]}
        pagination={{ kind: 'pages', page: data.page, pageCount: data.pageCount, hasNext: data.page < data.pageCount }}
        emptyMessage={t('privacy.requests.empty')}
        emptyFilteredMessage={t('privacy.requests.emptyFiltered')}
        toolbar={data.canWrite ? <Link className="button" to="/privacy/requests/new">{t('privacy.requests.new')}</Link> : null}
      />
    </>
  );
}
