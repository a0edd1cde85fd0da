import { ChartFrame, categoryAxis } from '~/components/chart-frame';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';

const palette = ['#123c5a', '#2f6f8f', '#4f9d69', '#c28b2c', '#8a4f7d', '#b5543b', '#5b6c8f', '#7a8b3a'];

/** GPUs per pool, stacked by tenant, plus free and MIG-split ones (`__mig`); the same figures are in the tables below. */
export function PoolAllocationChart({ rows, tenants }: { rows: Array<Record<string, string | number>>; tenants: string[] }) {
  const t = useT();
  const f = useFormat();
  if (rows.length === 0) return null;
  return (
    <ChartFrame
      label={t('gpu.allocation.chart')}
      height={80 + rows.length * 44}
      draw={(R, width) => (
        <R.BarChart data={rows} layout="vertical" margin={{ left: 8, right: 16 }}>
          <R.CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <R.XAxis type="number" allowDecimals={false} tickFormatter={(n: number) => f.number(n)} />
          <R.YAxis type="category" dataKey="pool" {...categoryAxis(width, 160)} />
          <R.Tooltip />
          <R.Legend />
          {tenants.map((tenant, i) => (
            <R.Bar key={tenant} dataKey={tenant} name={tenant} stackId="gpus" fill={palette[i % palette.length]} />
          ))}
          <R.Bar dataKey="__free" name={t('gpus.chart.free')} stackId="gpus" fill="#d5e3ee" />
          {rows.some((r) => Number(r.__mig ?? 0) > 0) ? <R.Bar dataKey="__mig" name={t('gpus.chart.mig')} stackId="gpus" fill="#b9a6c9" /> : null}
        </R.BarChart>
      )}
    />
  );
}

/** Free GPUs usable vs stranded for replicas of 1, 2, 4 and 8 GPUs per node. */
export function FragmentationChart({ rows }: { rows: Array<{ size: string; usable: number; stranded: number }> }) {
  const t = useT();
  const f = useFormat();
  return (
    <ChartFrame
      label={t('gpu.allocation.fragmentationChart')}
      height={240}
      draw={(R) => (
        <R.BarChart data={rows} margin={{ left: 8, right: 24 }}>
          <R.CartesianGrid strokeDasharray="3 3" vertical={false} />
          <R.XAxis dataKey="size" />
          <R.YAxis allowDecimals={false} tickFormatter={(n: number) => f.number(n)} />
          <R.Tooltip />
          <R.Legend />
          <R.Bar dataKey="usable" name={t('gpu.allocation.usable')} stackId="f" fill="#4f9d69" />
          <R.Bar dataKey="stranded" name={t('gpu.allocation.stranded')} stackId="f" fill="#b5543b" />
        </R.BarChart>
      )}
    />
  );
}
