import { ChartFrame, categoryAxis } from '~/components/chart-frame';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';

export interface ProductBar {
  product: string;
  /** Whole GPUs allocated and free. */
  allocated: number;
  free: number;
  /** GPUs partitioned with MIG (neither allocated nor free as whole GPUs); their slices are in the table. */
  migGpus: number;
}

/** Allocated, free and MIG-split GPUs per product as stacked bars; the same numbers are in the table. */
export function GpuProductChart({ data }: { data: ProductBar[] }) {
  const t = useT();
  const f = useFormat();
  if (data.length === 0) return null;
  return (
    <ChartFrame
      label={t('gpus.chart')}
      height={60 + data.length * 42}
      draw={(R, width) => (
        <R.BarChart data={data} layout="vertical" margin={{ left: 8, right: 16 }}>
          <R.CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <R.XAxis type="number" allowDecimals={false} tickFormatter={(n: number) => f.number(n)} />
          <R.YAxis type="category" dataKey="product" {...categoryAxis(width, 200, /^NVIDIA-/)} />
          <R.Tooltip />
          <R.Legend />
          <R.Bar dataKey="allocated" name={t('gpus.chart.allocated')} stackId="gpus" fill="#123c5a" />
          <R.Bar dataKey="free" name={t('gpus.chart.free')} stackId="gpus" fill="#8fb3cf" />
          {data.some((d) => d.migGpus > 0) ? <R.Bar dataKey="migGpus" name={t('gpus.chart.mig')} stackId="gpus" fill="#b9a6c9" /> : null}
        </R.BarChart>
      )}
    />
  );
}
