import { type ReactElement, useEffect, useRef, useState } from 'react';
import { type Recharts, useRecharts } from '~/components/use-recharts';

/**
 * A labelled chart box of its final size: empty on the server and until recharts has loaded
 * in the browser, then the chart `draw` returns, sized to the box. `draw` gets the box's
 * width, so a chart can give narrow screens shorter axis labels.
 */
export function ChartFrame({ label, height, draw }: { label: string; height: number; draw: (R: Recharts, width: number) => ReactElement }) {
  const R = useRecharts();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(([entry]) => setWidth(Math.round(entry!.contentRect.width)));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return (
    <figure className="chart" aria-label={label}>
      <figcaption className="muted">{label}</figcaption>
      <div ref={box} style={{ width: '100%', height }} role="img" aria-label={label}>
        {R && width > 0 ? <R.ResponsiveContainer>{draw(R, width)}</R.ResponsiveContainer> : null}
      </div>
    </figure>
  );
}

/**
 * Width and labels of a category axis: up to `wide` pixels, but at most 40% of the chart,
 * with long labels shortened to fit (the table next to each chart has them in full).
 */
export function categoryAxis(chartWidth: number, wide: number, drop?: RegExp) {
  const width = Math.max(70, Math.min(wide, Math.round(chartWidth * 0.4)));
  const chars = Math.floor((width - 10) / 9);
  const tickFormatter = (value: string) => {
    const text = width < wide && drop ? value.replace(drop, '') : value;
    return text.length > chars ? `${text.slice(0, Math.max(1, chars - 1))}…` : text;
  };
  return { width, tickFormatter };
}
