import type { ReactElement } from 'react';
import { type Recharts, useRecharts } from '~/components/use-recharts';

/**
 * A labelled chart box of its final size: empty on the server and until recharts has loaded
 * in the browser, then the chart `draw` returns, sized to the box.
 */
export function ChartFrame({ label, height, draw }: { label: string; height: number; draw: (R: Recharts) => ReactElement }) {
  const R = useRecharts();
  return (
    <figure className="chart" aria-label={label}>
      <figcaption className="muted">{label}</figcaption>
      <div style={{ width: '100%', height }} role="img" aria-label={label}>
        {R ? <R.ResponsiveContainer>{draw(R)}</R.ResponsiveContainer> : null}
      </div>
    </figure>
  );
}
