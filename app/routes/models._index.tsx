import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { createColumnHelper } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { StageBadge } from '~/components/models/stage-badge';
import { formatDateTime } from '~/i18n/format';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { type ModelSortKey, type ModelStage, listModels, listPromotions, modelSortKeys, modelStages } from '~/utils/models.server';
import { readFilters, readPage, readSort } from '~/utils/table-params';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'models.title' });

const defaultSort = { id: 'updated', desc: true };
const pageSize = 50;

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'models:read');
  return loaderWork(async () => {
    const params = new URL(request.url).searchParams;
    const sort = readSort(params, modelSortKeys, defaultSort);
    const filters = readFilters(params, ['q', 'family', 'tag', 'stage'] as const);
    const page = readPage(params);
    const stage = (modelStages as readonly string[]).includes(filters.stage) ? (filters.stage as ModelStage) : undefined;
    const [list, pending] = await Promise.all([
      listModels({ search: filters.q, family: filters.family || undefined, tag: filters.tag || undefined, stage, sort: { key: sort.id as ModelSortKey, desc: sort.desc }, page, pageSize }),
      listPromotions({ status: 'pending', limit: 20 }),
    ]);
    return json({
      sortable: [...modelSortKeys],
      stages: [...modelStages],
      families: list.families,
      tags: list.tags,
      total: list.total,
      page,
      pageCount: Math.max(1, Math.ceil(list.total / pageSize)),
      canWrite: Boolean(user?.permissions.includes('models:write')),
      rows: list.rows.map((r) => ({ ...r, updatedAt: r.updatedAt.toISOString() })),
      pending: pending.map((p) => ({ id: p.promotion.id, model: p.modelName, label: p.label, requestedBy: p.promotion.requestedByName, reason: p.promotion.reason })),
    });
  });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['rows'][number];
const column = createColumnHelper<Row>();

export default function ModelsPage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const columns = [
    column.accessor('name', {
      id: 'name',
      header: t('models.name'),
      meta: { className: 'nowrap' },
      cell: (c) => <Link to={`/models/${encodeURIComponent(c.getValue())}`}>{c.getValue()}</Link>,
    }),
    column.accessor('family', { id: 'family', header: t('models.family') }),
    column.accessor('owner', { id: 'owner', header: t('models.owner') }),
    column.accessor('license', { id: 'license', header: t('models.license') }),
    column.accessor('tags', { id: 'tags', header: t('models.tags'), cell: (c) => c.getValue().join(', ') || '—' }),
    column.accessor('versionCount', { id: 'versions', header: t('models.versions'), meta: { className: 'num' } }),
    column.accessor('latestLabel', { id: 'latest', header: t('models.latest'), cell: (c) => c.getValue() ?? '—' }),
    column.accessor('productionLabel', {
      id: 'production',
      header: t('models.production'),
      cell: (c) => (c.getValue() ? <StageBadge stage="production" label={c.getValue()!} /> : '—'),
    }),
    column.accessor('updatedAt', {
      id: 'updated',
      header: t('models.updated'),
      meta: { className: 'nowrap' },
      cell: (c) => formatDateTime(c.getValue(), locale),
    }),
  ];
  return (
    <>
      <h1>{t('models.title')}</h1>
      <p className="toolbar">
        <span>{t('models.count', { n: data.total })}</span>
        {data.canWrite ? (
          <Link to="/models/new" className="button">
            {t('models.new')}
          </Link>
        ) : null}
      </p>
      {data.pending.length > 0 ? (
        <section className="card" aria-labelledby="pending-approvals">
          <h2 id="pending-approvals">{t('models.pending')}</h2>
          <ul>
            {data.pending.map((p) => (
              <li key={p.id}>
                <Link to={`/models/${encodeURIComponent(p.model)}/versions/${encodeURIComponent(p.label)}`}>
                  {p.model} {p.label}
                </Link>{' '}
                — {t('models.pendingBy', { name: p.requestedBy })}: {p.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <DataTable
        caption={t('models.caption')}
        columns={columns}
        data={data.rows}
        getRowId={(row) => row.id}
        sortable={data.sortable}
        defaultSort={defaultSort}
        pagination={{ kind: 'pages', page: data.page, pageCount: data.pageCount, hasNext: data.page < data.pageCount }}
        filters={[
          { name: 'q', label: t('models.filter.search'), type: 'search' },
          { name: 'family', label: t('models.family'), type: 'select', allLabel: t('models.filter.all'), options: data.families.map((f) => ({ value: f, label: f })) },
          { name: 'tag', label: t('models.tag'), type: 'select', allLabel: t('models.filter.all'), options: data.tags.map((f) => ({ value: f, label: f })) },
          { name: 'stage', label: t('models.filter.stage'), type: 'select', allLabel: t('models.filter.all'), options: data.stages.map((s) => ({ value: s, label: t(`models.stage.${s}` as 'models.stage.draft') })) },
        ]}
        emptyMessage={t('models.empty')}
        emptyFilteredMessage={t('models.emptyFiltered')}
      />
    </>
  );
}
