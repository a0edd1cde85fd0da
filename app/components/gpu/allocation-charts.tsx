import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useT } from '~/i18n/use-t';

const palette = ['#123c5a', '#2f6f8f', '#4f9d69', '#c28b2c', '#8a4f7d', '#b5543b', '#5b6c8f', '#7a8b3a'];

/** GPUs per pool, stacked by tenant, plus free ones; the same figures are in the tables below. */
export function PoolAllocationChart({ rows, tenants }: { rows: Array<Record<string, string | number>>; tenants: string[] }) {
  const t = useT();
  if (rows.length === 0) return null;
  return (
    <figure className="chart" aria-label={t('gpu.allocation.chart')}>
      <figcaption className="muted">{t('gpu.allocation.chart')}</figcaption>
      <div style={{ width: '100%', height: 80 + rows.length * 44 }} role="img" aria-label={t('gpu.allocation.chart')}>
        <ResponsiveContainer>
          <BarChart data={rows} layout="vertical" margin={{ left: 24, right: 24 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" allowDecimals={false} />
            <YAxis type="category" dataKey="pool" width={160} />
            <Tooltip />
            <Legend />
            {tenants.map((tenant, i) => (
              <Bar key={tenant} dataKey={tenant} name={tenant} stackId="gpus" fill={palette[i % palette.length]} />
            ))}
            <Bar dataKey="__free" name={t('gpus.chart.free')} stackId="gpus" fill="#d5e3ee" />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** Free GPUs usable vs stranded for replicas of 1, 2, 4 and 8 GPUs per node. */
export function FragmentationChart({ rows }: { rows: Array<{ size: string; usable: number; stranded: number }> }) {
  const t = useT();
  return (
    <figure className="chart" aria-label={t('gpu.allocation.fragmentationChart')}>
      <figcaption className="muted">{t('gpu.allocation.fragmentationChart')}</figcaption>
      <div style={{ width: '100%', height: 240 }} role="img" aria-label={t('gpu.allocation.fragmentationChart')}>
        <ResponsiveContainer>
          <BarChart data={rows} margin={{ left: 8, right: 24 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="size" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Legend />
            <Bar dataKey="usable" name={t('gpu.allocation.usable')} stackId="f" fill="#4f9d69" />
            <Bar dataKey="stranded" name={t('gpu.allocation.stranded')} stackId="f" fill="#b5543b" />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
