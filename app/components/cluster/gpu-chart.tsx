import { useRecharts } from '~/components/use-recharts';
import { useT } from '~/i18n/use-t';

export interface ProductBar {
  product: string;
  allocated: number;
  free: number;
}

/** Allocated and free GPUs per product as stacked bars; the same numbers are in the table. */
export function GpuProductChart({ data }: { data: ProductBar[] }) {
  const t = useT();
  const R = useRecharts();
  if (data.length === 0) return null;
  return (
    <figure className="chart" aria-label={t('gpus.chart')}>
      <figcaption className="muted">{t('gpus.chart')}</figcaption>
      <div style={{ width: '100%', height: 60 + data.length * 42 }} role="img" aria-label={t('gpus.chart')}>
        {R ? (
          <R.ResponsiveContainer>
            <R.BarChart data={data} layout="vertical" margin={{ left: 24, right: 24 }}>
              <R.CartesianGrid strokeDasharray="3 3" horizontal={false} />
              <R.XAxis type="number" allowDecimals={false} />
              <R.YAxis type="category" dataKey="product" width={200} />
              <R.Tooltip />
              <R.Legend />
              <R.Bar dataKey="allocated" name={t('gpus.chart.allocated')} stackId="gpus" fill="#123c5a" />
              <R.Bar dataKey="free" name={t('gpus.chart.free')} stackId="gpus" fill="#8fb3cf" />
            </R.BarChart>
          </R.ResponsiveContainer>
        ) : null}
      </div>
    </figure>
  );
}
