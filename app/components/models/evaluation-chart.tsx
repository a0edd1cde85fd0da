import { ChartFrame } from '~/components/chart-frame';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';

export interface EvaluationPoint {
  metric: string;
  value: number;
  dataset: string;
  date: string;
}

const palette = ['#123c5a', '#b4541a', '#2f7d4a', '#7a3e9d', '#8a6d00', '#0f6f7a'];

/** Evaluation results over time, one line per metric; the same numbers are in the table below it. */
export function EvaluationChart({ points }: { points: EvaluationPoint[] }) {
  const t = useT();
  const f = useFormat();
  if (points.length === 0) return null;
  const metrics = [...new Set(points.map((p) => `${p.metric} (${p.dataset})`))];
  const dates = [...new Set(points.map((p) => p.date))].sort();
  const data = dates.map((date) => {
    const row: Record<string, string | number> = { date };
    for (const p of points) if (p.date === date) row[`${p.metric} (${p.dataset})`] = p.value;
    return row;
  });
  return (
    <ChartFrame
      label={t('models.eval.chart')}
      height={260}
      draw={(R) => (
        <R.LineChart data={data} margin={{ left: 8, right: 24, top: 8 }}>
          <R.CartesianGrid strokeDasharray="3 3" />
          <R.XAxis dataKey="date" tickFormatter={(d: string) => f.date(d)} />
          <R.YAxis tickFormatter={(n: number) => f.number(n)} />
          <R.Tooltip labelFormatter={(d) => f.date(String(d))} formatter={(n) => (typeof n === 'number' ? f.number(n) : n)} />
          <R.Legend />
          {metrics.map((m, i) => (
            <R.Line key={m} type="monotone" dataKey={m} stroke={palette[i % palette.length]} connectNulls dot isAnimationActive={false} />
          ))}
        </R.LineChart>
      )}
    />
  );
}
