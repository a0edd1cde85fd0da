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
  }));
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
        <FragmentationChart rows={all.fragmentation.map((f) => ({ size: t('gpu.allocation.size', { n: f.size }), usable: f.usable, stranded: f.stranded }))} />
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
              <th scope="col">{t('gpu.allocation.byTenant')}</th>
              <th scope="col">{t('gpu.allocation.fragmentation')}</th>
            </tr>
          </thead>
          <tbody>
            {data.pools.map((p) => (
              <tr key={p.name}>
                <td>{poolName(p.name)}</td>
                <td className="num">{p.nodes}</td>
                <td className="num">{p.gpus}</td>
                <td className="num">{p.allocated}</td>
                <td className="num">{p.free}</td>
                <td>{p.byTenant.map((b) => `${b.tenant}: ${b.gpus}`).join(', ') || '—'}</td>
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
                <td className="num">{n.allocated} / {n.gpus}</td>
                <td className="num">{n.free}</td>
                <td>{n.byWorkload.map((w) => `${w.tenant ?? w.namespace}/${w.workload}: ${w.gpus}`).join(', ') || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
