import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { FragmentationChart, PoolAllocationChart } from '~/components/gpu/allocation-charts';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { readCluster } from '~/utils/cluster.server';
import { type AllocationView, getAllocation } from '~/utils/gpu.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'gpu:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'gpu.allocation.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'gpu:read');
  const { value, error } = await readCluster(() => getAllocation(), { nodes: [], pools: [], tenants: [] } as AllocationView);
  return json({ ...value, error });
}

export default function AllocationPage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  const poolName = (name: string) => name || t('gpu.allocation.allNodes');
  const chartRows = data.pools.map((p) => ({
    pool: poolName(p.name),
    ...Object.fromEntries(p.byTenant.map((b) => [b.tenant, b.gpus])),
    __free: p.free,
    __mig: p.migGpus,
  }));
  // MIG slices of one profile: "1g.10gb 2 of 16 slices allocated, 14 free".
  const slicesText = (slices: ReadonlyArray<{ profile: string; allocatable: number; allocated: number; free: number }>) =>
    slices.map((m) => t('gpus.migSlice', { profile: m.profile, allocated: m.allocated, allocatable: m.allocatable, free: m.free })).join('; ') || '—';
  // A node or pool with only MIG GPUs has no whole GPUs: its allocated and free cells count slices, not "0 / 0".
  const sliceSum = (slices: ReadonlyArray<{ allocatable: number; allocated: number; free: number }>) =>
    slices.reduce((s, m) => ({ allocatable: s.allocatable + m.allocatable, allocated: s.allocated + m.allocated, free: s.free + m.free }), { allocatable: 0, allocated: 0, free: 0 });
  const allocatedText = (x: { gpus: number; allocated: number; migSlices: Parameters<typeof sliceSum>[0] }) =>
    x.gpus === 0 && x.migSlices.length > 0 ? t('gpus.migSlicesOf', sliceSum(x.migSlices)) : `${x.allocated} / ${x.gpus}`;
  const freeText = (x: { gpus: number; free: number; migSlices: Parameters<typeof sliceSum>[0] }) =>
    x.gpus === 0 && x.migSlices.length > 0 ? t('gpus.migSlicesFree', sliceSum(x.migSlices)) : String(x.free);
  const countsText = (gpus: number, slices: ReadonlyArray<{ profile: string; count: number }>) =>
    [...(gpus > 0 || slices.length === 0 ? [String(gpus)] : []), ...slices.map((s) => `${s.count}× ${s.profile}`)].join(' + ');
  const all = data.pools[0];
  return (
    <>
      <p>
        <Link to="/gpus">← {t('gpu.backToInventory')}</Link>
      </p>
      <h1>{t('gpu.allocation.title')}</h1>
      {data.error ? <p className="alert alert-error" role="alert">{t('cluster.loadFailed', { reason: data.error })}</p> : null}
      <PoolAllocationChart rows={chartRows} tenants={data.tenants} />
      {all ? (
        <>
          <FragmentationChart rows={all.fragmentation.map((f) => ({ size: t('gpu.allocation.size', { n: f.size }), usable: f.usable, stranded: f.stranded }))} />
          {all.migGpus > 0 ? <p className="muted">{t('gpu.allocation.migNote', { migGpus: all.migGpus })}</p> : null}
        </>
      ) : null}

      <h2>{t('gpu.allocation.pools')}</h2>
      <div className="table-wrap" role="region" aria-label={t('gpu.allocation.pools')} tabIndex={0}>
        <table>
          <caption className="visually-hidden">{t('gpu.allocation.pools')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('gpu.pools.name')}</th>
              <th scope="col" className="num">{t('gpu.pools.nodes')}</th>
              <th scope="col" className="num">{t('gpus.count')}</th>
              <th scope="col" className="num">{t('gpus.allocated')}</th>
              <th scope="col" className="num">{t('gpus.free')}</th>
              <th scope="col">{t('gpu.allocation.migSlices')}</th>
              <th scope="col">{t('gpu.allocation.byTenant')}</th>
              <th scope="col">{t('gpu.allocation.fragmentation')}</th>
            </tr>
          </thead>
          <tbody>
            {data.pools.map((p) => (
              <tr key={p.name}>
                <td>{poolName(p.name)}</td>
                <td className="num">{p.nodes}</td>
                <td className="num">{p.physicalGpus}</td>
                <td className="num">{p.gpus === 0 && p.migSlices.length > 0 ? allocatedText(p) : p.allocated}</td>
                <td className="num">{freeText(p)}</td>
                <td>{slicesText(p.migSlices)}</td>
                <td>{p.byTenant.map((b) => `${b.tenant}: ${countsText(b.gpus, b.slices)}`).join(', ') || '—'}</td>
                <td>
                  {p.fragmentation
                    .filter((f) => f.size > 1)
                    .map((f) => t('gpu.allocation.strandedFor', { n: f.size, stranded: f.stranded, replicas: f.replicas }))
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2>{t('gpu.allocation.nodes')}</h2>
      <div className="table-wrap" role="region" aria-label={t('gpu.allocation.nodes')} tabIndex={0}>
        <table>
          <caption className="visually-hidden">{t('gpu.allocation.nodes')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('gpus.node')}</th>
              <th scope="col">{t('gpus.product')}</th>
              <th scope="col">{t('gpu.allocation.poolsOf')}</th>
              <th scope="col">{t('gpu.allocation.dedicatedTo')}</th>
              <th scope="col" className="num">{t('gpus.allocated')}</th>
              <th scope="col" className="num">{t('gpus.free')}</th>
              <th scope="col">{t('gpu.allocation.migSlices')}</th>
              <th scope="col">{t('gpu.allocation.workloads')}</th>
            </tr>
          </thead>
          <tbody>
            {data.nodes.map((n) => (
              <tr key={n.name}>
                <td><Link to={`/gpus/${encodeURIComponent(n.name)}`}>{n.name}</Link>{n.schedulable ? null : <span className="badge badge-warn">{t('gpus.status.cordoned')}</span>}</td>
                <td>{n.product ?? '—'}</td>
                <td>{n.pools.join(', ') || '—'}</td>
                <td>{n.dedicatedTo ?? '—'}</td>
                <td className="num">{allocatedText(n)}</td>
                <td className="num">{freeText(n)}</td>
                <td>{slicesText(n.migSlices)}</td>
                <td>{n.byWorkload.map((w) => `${w.tenant ?? w.namespace}/${w.workload}: ${countsText(w.gpus, w.slices)}`).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
