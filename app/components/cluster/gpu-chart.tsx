import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useT } from '~/i18n/use-t';

export interface ProductBar {
  product: string;
  allocated: number;
  free: number;
}

/** Allocated and free GPUs per product as stacked bars; the same numbers are in the table. */
export function GpuProductChart({ data }: { data: ProductBar[] }) {
  const t = useT();
  if (data.length === 0) return null;
  return (
    <figure className="chart" aria-label={t('gpus.chart')}>
      <figcaption className="muted">{t('gpus.chart')}</figcaption>
      <div style={{ width: '100%', height: 60 + data.length * 42 }} role="img" aria-label={t('gpus.chart')}>
        <ResponsiveContainer>
          <BarChart data={data} layout="vertical" margin={{ left: 24, right: 24 }}>
            <CartesianGrid strokeDasharray="3 3" horizontal={false} />
            <XAxis type="number" allowDecimals={false} />
            <YAxis type="category" dataKey="product" width={200} />
            <Tooltip />
            <Legend />
            <Bar dataKey="allocated" name={t('gpus.chart.allocated')} stackId="gpus" fill="#123c5a" />
            <Bar dataKey="free" name={t('gpus.chart.free')} stackId="gpus" fill="#8fb3cf" />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
