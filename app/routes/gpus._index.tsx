import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { createColumnHelper } from '@tanstack/react-table';
import { GpuProductChart } from '~/components/cluster/gpu-chart';
import { DataTable } from '~/components/data-table';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import {
  type GpuInventory,
  type InventorySortKey,
  type NodeStatus,
  getGpuInventory,
  inventorySortKeys,
  nodeStatuses,
  readCluster,
} from '~/utils/cluster.server';
import { readFilters, readPage, readSort } from '~/utils/table-params';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'gpu:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'gpus.title' });

const defaultSort = { id: 'name', desc: false };
/** Rows per page: a 500-node cluster would otherwise render 500 rows on every load. */
const pageSize = 50;
const emptyInventory: GpuInventory = {
  nodes: [],
  products: [],
  totals: { nodes: 0, gpus: 0, migGpus: 0, allocated: 0, free: 0, mig: [] },
  byProduct: [],
};

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'gpu:read');
  const params = new URL(request.url).searchParams;
  const sort = readSort(params, inventorySortKeys, defaultSort);
  const filters = readFilters(params, ['q', 'product', 'status'] as const);
  const page = readPage(params);
  const status = (nodeStatuses as readonly string[]).includes(filters.status) ? (filters.status as NodeStatus) : undefined;
  const { value, error } = await readCluster(
    () =>
      getGpuInventory({
        search: filters.q || undefined,
        product: filters.product || undefined,
        status,
        sort: { key: sort.id as InventorySortKey, desc: sort.desc },
      }),
    emptyInventory,
  );
  return json({
    error,
    // Sent as data: importing the constant would pull server code into the browser bundle.
    sortable: [...inventorySortKeys],
    products: value.products,
    totals: value.totals,
    byProduct: value.byProduct.map(({ product, allocated, free, migGpus }) => ({ product, allocated, free, migGpus })),
    pagination: {
      kind: 'pages' as const,
      page,
      pageCount: Math.max(1, Math.ceil(value.nodes.length / pageSize)),
      hasNext: page * pageSize < value.nodes.length,
    },
    nodes: value.nodes.slice((page - 1) * pageSize, page * pageSize).map((n) => ({
      name: n.name,
      product: n.gpuProduct,
      memoryGiB: n.gpuMemoryMiB ? Math.round(n.gpuMemoryMiB / 1024) : null,
      count: n.physicalGpus,
      migGpus: n.migGpus,
      allocatable: n.allocatableGpus,
      allocated: n.allocatedGpus,
      free: n.freeGpus,
      slices: n.migSlices.reduce((s, m) => ({ allocated: s.allocated + m.allocated, allocatable: s.allocatable + m.allocatable, free: s.free + m.free }), { allocated: 0, allocatable: 0, free: 0 }),
      mig: n.migSlices.length > 0 ? n.migSlices.map((m) => `${m.allocated}/${m.allocatable}× ${m.profile}`).join(', ') : null,
      status: n.status,
      taints: n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    })),
  });
}

type NodeRow = ReturnType<typeof useLoaderData<typeof loader>>['nodes'][number];
const column = createColumnHelper<NodeRow>();

function StatusBadge({ status }: { status: NodeStatus }) {
  const t = useT();
  if (status === 'ready') return <span className="badge badge-ok">{t('gpus.status.ready')}</span>;
  if (status === 'cordoned') return <span className="badge badge-warn">{t('gpus.status.cordoned')}</span>;
  return <span className="badge badge-danger">{t('gpus.status.notReady')}</span>;
}

export default function GpuInventoryPage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const columns = [
    column.accessor('name', {
      id: 'name',
      header: t('gpus.node'),
      meta: { className: 'nowrap' },
      cell: (c) => <Link to={`/gpus/${encodeURIComponent(c.getValue())}`}>{c.getValue()}</Link>,
    }),
    column.accessor('product', { id: 'product', header: t('gpus.product'), cell: (c) => c.getValue() ?? '—' }),
    column.accessor('memoryGiB', {
      id: 'memory',
      header: t('gpus.memory'),
      cell: (c) => (c.getValue() ? `${c.getValue()} GiB` : '—'),
      meta: { className: 'num' },
    }),
    column.accessor('count', { id: 'count', header: t('gpus.count'), meta: { className: 'num' } }),
    column.accessor('allocated', {
      id: 'allocated',
      header: t('gpus.allocated'),
      meta: { className: 'nowrap' },
      cell: (c) => {
        const row = c.row.original;
        // A node whose GPUs are all MIG-partitioned has no whole GPUs: its meter shows slices.
        const slicesOnly = row.allocatable === 0 && row.slices.allocatable > 0;
        const [used, of] = slicesOnly ? [row.slices.allocated, row.slices.allocatable] : [row.allocated, row.allocatable];
        const share = of > 0 ? Math.min(100, (used / of) * 100) : 0;
        return (
          <>
            <span className="meter" aria-hidden="true">
              <span style={{ width: `${share}%` }} />
            </span>
            {slicesOnly ? t('gpus.migSlicesOf', { allocated: used, allocatable: of }) : `${used} / ${of}`}
            {!slicesOnly && row.slices.allocatable > 0 ? (
              <>
                {' · '}
                {t('gpus.migSlicesOf', { allocated: row.slices.allocated, allocatable: row.slices.allocatable })}
              </>
            ) : null}
          </>
        );
      },
    }),
    column.accessor('free', {
      id: 'free',
      header: t('gpus.free'),
      meta: { className: 'num' },
      cell: (c) => {
        const row = c.row.original;
        if (row.slices.allocatable === 0) return c.getValue();
        const slices = t('gpus.migSlicesFree', { free: row.slices.free });
        return row.allocatable === 0 ? slices : `${c.getValue()} · ${slices}`;
      },
    }),
    column.accessor('mig', { id: 'mig', header: t('gpus.mig'), cell: (c) => c.getValue() ?? t('gpus.migNone') }),
    column.accessor('status', { id: 'status', header: t('gpus.status'), cell: (c) => <StatusBadge status={c.getValue()} /> }),
    column.accessor('taints', {
      id: 'taints',
      header: t('gpus.taints'),
      cell: (c) => (c.getValue().length > 0 ? <code>{c.getValue().join(', ')}</code> : '—'),
    }),
  ];
  return (
    <>
      <h1>{t('gpus.title')}</h1>
      {data.error ? (
        <p className="alert alert-error" role="alert">
          {t('cluster.loadFailed', { reason: data.error })}
        </p>
      ) : null}
      <p>
        {t('gpus.summary', {
          nodes: data.totals.nodes,
          gpus: data.totals.gpus,
          allocated: data.totals.allocated,
          free: data.totals.free,
        })}
        {data.totals.migGpus > 0 ? (
          <>
            {' '}
            {t('gpus.summaryMig', {
              migGpus: data.totals.migGpus,
              slices: data.totals.mig.map((m) => t('gpus.migSlice', { profile: m.profile, allocated: m.allocated, allocatable: m.allocatable, free: m.free })).join('; '),
            })}
          </>
        ) : null}
      </p>
      <GpuProductChart data={data.byProduct} />
      <DataTable
        caption={t('gpus.caption')}
        columns={columns}
        data={data.nodes}
        getRowId={(row) => row.name}
        sortable={data.sortable}
        defaultSort={defaultSort}
        pagination={data.pagination}
        filters={[
          { name: 'q', label: t('gpus.filter.search'), type: 'search' },
          {
            name: 'product',
            label: t('gpus.filter.product'),
            type: 'select',
            allLabel: t('gpus.filter.all'),
            options: data.products.map((p) => ({ value: p, label: p })),
          },
          {
            name: 'status',
            label: t('gpus.filter.status'),
            type: 'select',
            allLabel: t('gpus.filter.all'),
            options: [
              { value: 'ready', label: t('gpus.status.ready') },
              { value: 'not-ready', label: t('gpus.status.notReady') },
              { value: 'cordoned', label: t('gpus.status.cordoned') },
            ],
          },
        ]}
        emptyMessage={t('gpus.empty')}
        emptyFilteredMessage={t('gpus.emptyFiltered')}
      />
    </>
  );
}
